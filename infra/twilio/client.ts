import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { retryPolicy } from './retry';

/**
 * Builds a twilio-node client from the environment of the process running the provider
 * (`pulumi up`, `pulumi preview`, `pulumi refresh`).
 *
 * Why here and not at module top level: a dynamic provider is serialized into the stack's
 * state. Anything it captures (a client, a token) would be frozen there in clear text, so
 * each provider method calls this helper and `twilio` is required inside the function.
 *
 * Credentials, in order of preference:
 * - an API key: TWILIO_API_KEY + TWILIO_API_SECRET, with TWILIO_ACCOUNT_SID naming the account;
 * - the account's auth token: TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN.
 *
 * TWILIO_API_BASE_URL (optional, e.g. http://127.0.0.1:4010 in tests, or a regional/proxy
 * host) replaces the scheme and host of every request the SDK makes; the SDK still builds
 * the path, the form body and the auth header, so the request is byte-for-byte what it
 * would send to api.twilio.com.
 */
export function twilioClient(env: NodeJS.ProcessEnv = process.env): Twilio {
  const accountSid = env.TWILIO_ACCOUNT_SID;
  const apiKey = env.TWILIO_API_KEY;
  const apiSecret = env.TWILIO_API_SECRET;
  const authToken = env.TWILIO_AUTH_TOKEN;
  const howTo =
    'Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET) in the environment of `pulumi up`';

  if (!accountSid) {
    throw new Error(`TWILIO_ACCOUNT_SID is not set. ${howTo}.`);
  }
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) {
    // The sid is not a secret, so naming it helps spot an API key sid put in the wrong variable.
    throw new Error(`TWILIO_ACCOUNT_SID "${accountSid}" is not an account sid (AC followed by 32 hex digits). ${howTo}.`);
  }
  let username: string;
  let password: string;
  if (apiKey || apiSecret) {
    if (!apiKey) throw new Error(`TWILIO_API_SECRET is set but TWILIO_API_KEY is not. ${howTo}.`);
    if (!apiSecret) throw new Error(`TWILIO_API_KEY is set but TWILIO_API_SECRET is not. ${howTo}.`);
    username = apiKey;
    password = apiSecret;
  } else {
    if (!authToken) throw new Error(`TWILIO_AUTH_TOKEN is not set. ${howTo}.`);
    username = accountSid;
    password = authToken;
  }

  const baseUrl = parseBaseUrl(env.TWILIO_API_BASE_URL);

  // Required here, not at the top: see the doc comment.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const twilio = require('twilio') as typeof import('twilio');

  // twilio-node 6's RequestClient retries 429 itself (exponential backoff, full jitter) when
  // autoRetry is on; it does not retry 5xx or network errors, which retry.ts handles. A 429
  // is safe to retry for every method, creates included: Twilio refused the request before
  // acting on it.
  class BaseUrlRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const uri = baseUrl ? String(opts.uri).replace(/^https:\/\/[^/]+/, baseUrl) : opts.uri;
      return super.request<TData>({ ...opts, uri });
    }
  }
  const httpClient = new BaseUrlRequestClient({
    autoRetry: true,
    maxRetries: retryPolicy.maxAttempts - 1,
    // The SDK treats 0 as "use the default (3 s)", so never hand it 0.
    maxRetryDelay: Math.max(1, retryPolicy.maxDelayMs),
    timeout: retryPolicy.requestTimeoutMs,
  });

  return twilio(username, password, { accountSid, httpClient });
}

function parseBaseUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`TWILIO_API_BASE_URL "${raw}" is not a URL (expected e.g. https://api.twilio.com).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`TWILIO_API_BASE_URL "${raw}" must be an http(s) URL.`);
  }
  // Keep a path prefix if one is given (a proxy mounted under /twilio), drop the trailing slash.
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The account sid the client acts for (used to name the account in error messages). */
export function accountSidFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.TWILIO_ACCOUNT_SID ?? '(TWILIO_ACCOUNT_SID not set)';
}

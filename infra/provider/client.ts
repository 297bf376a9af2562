import twilio, { type Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioConfig } from './providerConfig';
import type { RetryPolicy } from './retry';

/**
 * A twilio-node client for the provider's configuration (providerConfig.ts), built once per
 * Configure, never at module load.
 *
 * apiBaseUrl replaces the scheme and host of every request the SDK makes; the SDK still builds
 * the path, the form body and the auth header, so the request is byte-for-byte what it would
 * send to api.twilio.com.
 */
export function twilioClient(config: TwilioConfig, policy: RetryPolicy): Twilio {
  const baseUrl = config.apiBaseUrl?.replace(/\/+$/, '');

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
    maxRetries: policy.maxAttempts - 1,
    // The SDK treats 0 as "use the default (3 s)", so never hand it 0.
    maxRetryDelay: Math.max(1, policy.maxDelayMs),
    timeout: policy.requestTimeoutMs,
  });
  const [username, password] = config.apiKey ? [config.apiKey, config.apiSecret] : [config.accountSid, config.authToken];
  return twilio(username, password, { accountSid: config.accountSid, httpClient });
}

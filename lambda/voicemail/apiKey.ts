/**
 * The Twilio API key the voicemail worker fetches and deletes recordings with: a second
 * secret, apart from the router's auth token, so the worker holds only a key that can be
 * revoked on its own (least privilege: it never sees the auth token).
 *
 * The Secrets Manager secret named by `TWILIO_API_KEY_SECRET_ARN` holds JSON:
 *
 *   { "accountSid": "AC…", "apiKeySid": "SK…", "apiKeySecret": "…" }
 *
 * Read once per cold start (begun during init, see index.ts); a failed read is tried again
 * by the next job.
 */
import { readSecretString, tokenSource } from '../authToken';

export interface TwilioApiKey {
  /** The account the key belongs to; a job for any other account is refused. */
  accountSid: string;
  /** The key's sid: SK + 32 hex digits (the Basic auth user name). */
  apiKeySid: string;
  /** The key's secret (the Basic auth password). Never logged. */
  apiKeySecret: string;
}

export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
}

/** A Twilio account sid (the v2010 spec's pattern); the stack's config and the job check it too. */
export const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
/** A Twilio API key sid. */
export const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
/** Twilio's API key secrets have 32 characters; under 16 is no secret at all. */
export const MIN_API_KEY_SECRET_LENGTH = 16;

/**
 * Reads the secret's JSON. Errors name the secret and the field, never a value that could be
 * the key's secret (sids are not secret and are named, to spot one put in the wrong field).
 */
export function parseApiKeySecret(raw: string, source: string): TwilioApiKey {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiKeyError(`${source} is not JSON; it must hold {"accountSid", "apiKeySid", "apiKeySecret"}`);
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { accountSid, apiKeySid, apiKeySecret } = record;
  if (typeof accountSid !== 'string' || !ACCOUNT_SID.test(accountSid)) {
    throw new ApiKeyError(`${source}: accountSid ${JSON.stringify(accountSid)} is not an account sid (AC followed by 32 hex digits)`);
  }
  if (typeof apiKeySid !== 'string' || !API_KEY_SID.test(apiKeySid)) {
    throw new ApiKeyError(`${source}: apiKeySid ${JSON.stringify(apiKeySid)} is not an API key sid (SK followed by 32 hex digits)`);
  }
  if (typeof apiKeySecret !== 'string' || apiKeySecret.trim().length < MIN_API_KEY_SECRET_LENGTH) {
    throw new ApiKeyError(`${source}: apiKeySecret is missing or too short to be an API key secret (Twilio's have 32 characters)`);
  }
  return { accountSid, apiKeySid, apiKeySecret: apiKeySecret.trim() };
}

type ApiKeyEnv = Partial<Record<'TWILIO_API_KEY_SECRET_ARN', string>>;

/**
 * Starts reading the secret at once (during init) and hands out the key. The read ends within
 * `readDeadlineMs` (the worker's `secretRead` budget, lambda/voicemail/queue.ts), so a read that
 * never finishes fails, and tokenSource, the router's loader, lets the next job read again.
 * Parsing the small JSON again per job costs microseconds and keeps a malformed secret failing
 * every job, loudly.
 */
export function apiKeySource(env: ApiKeyEnv, readDeadlineMs: number): () => Promise<TwilioApiKey> {
  const secretArn = env.TWILIO_API_KEY_SECRET_ARN;
  const secretString = tokenSource(async () => {
    if (!secretArn) throw new ApiKeyError('Set TWILIO_API_KEY_SECRET_ARN to the ARN of the secret holding the Twilio API key');
    return readSecretString(secretArn, readDeadlineMs);
  });
  return async () => parseApiKeySecret(await secretString(), `Secret ${secretArn}`);
}

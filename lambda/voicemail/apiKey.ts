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
import { tokenSource } from '../authToken';

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

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
/** Twilio's API key secrets have 32 characters; under 16 is no secret at all. */
const MIN_SECRET_LENGTH = 16;

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
  if (typeof apiKeySecret !== 'string' || apiKeySecret.trim().length < MIN_SECRET_LENGTH) {
    throw new ApiKeyError(`${source}: apiKeySecret is missing or too short to be an API key secret (Twilio's have 32 characters)`);
  }
  return { accountSid, apiKeySid, apiKeySecret: apiKeySecret.trim() };
}

type ApiKeyEnv = Partial<Record<'TWILIO_API_KEY_SECRET_ARN', string>>;

/** The secret's string, as Secrets Manager holds it. */
async function readSecretString(env: ApiKeyEnv): Promise<string> {
  const secretArn = env.TWILIO_API_KEY_SECRET_ARN;
  if (!secretArn) throw new ApiKeyError('Set TWILIO_API_KEY_SECRET_ARN to the ARN of the secret holding the Twilio API key');
  // Required here, not at the top: the SDK is provided by the Lambda runtime, not bundled.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  // Bounded, so a hung connection fails the job (which SQS retries) instead of its whole timeout
  // (the worker's `secretRead` budget, lambda/voicemail/queue.ts). Without throwOnRequestTimeout,
  // requestTimeout only warns in the SDK this project locks.
  const client = new SecretsManagerClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } });
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!secret.SecretString) throw new ApiKeyError(`Secret ${secretArn} has no string value`);
  return secret.SecretString;
}

/**
 * Starts reading the secret at once (during init) and hands out the key. The read is shared
 * and retried after a failure by tokenSource, the router's loader; parsing the small JSON
 * again per job costs microseconds and keeps a malformed secret failing every job, loudly.
 */
export function apiKeySource(env: ApiKeyEnv): () => Promise<TwilioApiKey> {
  const secretString = tokenSource(() => readSecretString(env));
  return async () => parseApiKeySecret(await secretString(), `Secret ${env.TWILIO_API_KEY_SECRET_ARN}`);
}

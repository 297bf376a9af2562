/**
 * Where the auth token that signs Twilio's webhooks comes from: `TWILIO_AUTH_TOKEN` (local
 * use), or in AWS the Secrets Manager secret named by `TWILIO_AUTH_TOKEN_SECRET_ARN`, so the
 * token is never in the Lambda's environment or bundle.
 */

export class AuthTokenError extends Error {
  override name = 'AuthTokenError';
}

export type TokenEnv = Partial<Record<'TWILIO_AUTH_TOKEN' | 'TWILIO_AUTH_TOKEN_SECRET_ARN', string>>;

/** Twilio's auth tokens: exactly 32 hexadecimal characters. */
const AUTH_TOKEN_SHAPE = /^[0-9a-fA-F]{32}$/;

/**
 * Checks a token wherever one enters (the router, `npm start`, `npm run call`, the stack's
 * `sipline:twilioAuthToken`): trimmed of surrounding whitespace (the newline of a file), then
 * exactly 32 hex characters. Anything else is a mistake (a placeholder, the account SID, an
 * API key secret, a paste with invisible characters) and, for the router, a key that could
 * be guessed: an HMAC with an empty or short key signs anyone's requests. The message names
 * the source and the rule, never the value.
 */
export function checkAuthToken(token: string, source: string): string {
  const trimmed = token.trim();
  if (!AUTH_TOKEN_SHAPE.test(trimmed)) throw new AuthTokenError(authTokenProblem(source, trimmed));
  return trimmed;
}

function authTokenProblem(source: string, trimmed: string): string {
  const rule = "a Twilio auth token is exactly 32 hexadecimal characters (0-9, a-f), as shown in the Twilio Console";
  if (trimmed === '') return `${source} is empty: ${rule}`;
  // The length and the kind of stray characters help find a bad paste; neither gives the value away.
  const stray = /[^0-9a-fA-F]/.test(trimmed) ? ', some of them not hexadecimal' : '';
  return `${source} is not a Twilio auth token (${trimmed.length} characters${stray}): ${rule}`;
}

/**
 * The settings of every AWS client the router and the worker create for a quick call (a secret
 * read, an SQS send): 2 attempts (the SDK retries throttling and transient errors once) of at
 * most 1 s to connect and 2 s to answer. throwOnRequestTimeout: without it the SDK's request
 * timeout only logs a warning, and a connection that never answers holds the call for good.
 */
export const BOUNDED_AWS_CLIENT = { maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } } as const;

/**
 * The router's whole token read, retries included, at most this long: the calls waiting on it
 * get their 503 well inside the Lambda's 10 s, and the next call tries again.
 */
export const SECRET_READ_DEADLINE_MS = 5000;

/**
 * The string a Secrets Manager secret holds, read within `deadlineMs`, retries included. The
 * deadline is an abort signal, not the client's timeouts: what those bound depends on the SDK
 * version the Lambda runtime provides (this project's stops timing a request once its headers
 * came, so a body that stalls would hold the read, and every caller sharing it, for good).
 */
export async function readSecretString(secretArn: string, deadlineMs: number): Promise<string> {
  // Required here, not at the top: the SDK is provided by the Lambda runtime and is not
  // bundled, and local runs with TWILIO_AUTH_TOKEN never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient(BOUNDED_AWS_CLIENT);
  const signal = AbortSignal.timeout(deadlineMs);
  let secret;
  try {
    secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }), { abortSignal: signal });
  } catch (err) {
    if (signal.aborted) throw new Error(`Secrets Manager did not return secret ${secretArn} within ${deadlineMs / 1000} s (the read was aborted)`);
    throw err;
  } finally {
    client.destroy();
  }
  if (!secret.SecretString) throw new Error(`Secret ${secretArn} has no string value`);
  return secret.SecretString;
}

export async function loadAuthToken(env: TokenEnv): Promise<string> {
  if (env.TWILIO_AUTH_TOKEN !== undefined && env.TWILIO_AUTH_TOKEN !== '') return checkAuthToken(env.TWILIO_AUTH_TOKEN, 'TWILIO_AUTH_TOKEN');
  const secretArn = env.TWILIO_AUTH_TOKEN_SECRET_ARN;
  if (!secretArn) throw new AuthTokenError('Set TWILIO_AUTH_TOKEN, or TWILIO_AUTH_TOKEN_SECRET_ARN to the ARN of a secret holding it');
  return checkAuthToken(await readSecretString(secretArn, SECRET_READ_DEADLINE_MS), `Secret ${secretArn}`);
}

/**
 * Starts loading the token at once (during the Lambda's init phase, not on the first call's
 * path) and hands out the same promise; a failed load is retried by the next caller instead of
 * failing every call until the instance is recycled.
 */
export function tokenSource(load: () => Promise<string>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const start = () => {
    pending = load();
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
  start();
  return () => pending ?? start();
}

/**
 * Where the auth token that signs Twilio's webhooks comes from: `TWILIO_AUTH_TOKEN` (local
 * use), or in AWS the Secrets Manager secret named by `TWILIO_AUTH_TOKEN_SECRET_ARN`, so the
 * token is never in the Lambda's environment or bundle.
 */

export class AuthTokenError extends Error {
  override name = 'AuthTokenError';
}

export type TokenEnv = Partial<Record<'TWILIO_AUTH_TOKEN' | 'TWILIO_AUTH_TOKEN_SECRET_ARN', string>>;

/** Twilio auth tokens are 32 hex digits; anything under 16 characters is no key at all. */
const MIN_TOKEN_LENGTH = 16;

/**
 * An empty or whitespace token would make every signature forgeable (an HMAC with an empty key
 * is public), so it is refused: the handler then answers 503 and Twilio uses the fallback URL.
 */
function checked(token: string, source: string): string {
  const trimmed = token.trim();
  if (trimmed.length < MIN_TOKEN_LENGTH) throw new AuthTokenError(`${source} does not hold an auth token (${trimmed.length} characters; Twilio's have 32)`);
  return trimmed;
}

export async function loadAuthToken(env: TokenEnv): Promise<string> {
  if (env.TWILIO_AUTH_TOKEN !== undefined && env.TWILIO_AUTH_TOKEN !== '') return checked(env.TWILIO_AUTH_TOKEN, 'TWILIO_AUTH_TOKEN');
  const secretArn = env.TWILIO_AUTH_TOKEN_SECRET_ARN;
  if (!secretArn) throw new AuthTokenError('Set TWILIO_AUTH_TOKEN, or TWILIO_AUTH_TOKEN_SECRET_ARN to the ARN of a secret holding it');
  // Required here, not at the top: the SDK is provided by the Lambda runtime and is not
  // bundled, and local runs with TWILIO_AUTH_TOKEN never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  // Bounded, so a hung connection fails the load (and the call gets a 503, then the fallback)
  // well inside the Lambda's 10 s timeout instead of holding the call until it.
  const client = new SecretsManagerClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 } });
  const secret = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!secret.SecretString) throw new AuthTokenError(`Secret ${secretArn} has no string value`);
  return checked(secret.SecretString, `Secret ${secretArn}`);
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

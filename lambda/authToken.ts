/**
 * Where the auth token that signs Twilio's webhooks comes from: `TWILIO_AUTH_TOKEN` (local
 * use), or in AWS the Secrets Manager secret named by `TWILIO_AUTH_TOKEN_SECRET_ARN`, so the
 * token is never in the Lambda's environment or bundle.
 */

export class AuthTokenError extends Error {
  override name = 'AuthTokenError';
}

export type TokenEnv = Partial<Record<'TWILIO_AUTH_TOKEN' | 'TWILIO_AUTH_TOKEN_SECRET_ARN', string>>;

export async function loadAuthToken(env: TokenEnv): Promise<string> {
  if (env.TWILIO_AUTH_TOKEN) return env.TWILIO_AUTH_TOKEN;
  const secretArn = env.TWILIO_AUTH_TOKEN_SECRET_ARN;
  if (!secretArn) throw new AuthTokenError('Set TWILIO_AUTH_TOKEN, or TWILIO_AUTH_TOKEN_SECRET_ARN to the ARN of a secret holding it');
  // Required here, not at the top: the SDK is provided by the Lambda runtime and is not
  // bundled, and local runs with TWILIO_AUTH_TOKEN never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!secret.SecretString) throw new AuthTokenError(`Secret ${secretArn} has no string value`);
  return secret.SecretString.trim();
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

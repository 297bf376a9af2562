/** Rotating the Twilio auth token reaches every router instance, not only new ones. */
import { runSipline } from '../../infra/mocks';
import { demoConfig, NAMES, SECRET_KEYS, TYPES } from './fixtures';

async function lambdaEnvironment(token: string): Promise<Record<string, string>> {
  const run = await runSipline({ config: demoConfig({ twilioAuthToken: token }), secretKeys: SECRET_KEYS });
  return (run.mocks.one(TYPES.lambda, NAMES.routerFunction).inputs.environment as { variables: Record<string, string> }).variables;
}

const OLD_TOKEN = '0123456789abcdef0123456789abcdef';
const NEW_TOKEN = 'fedcba9876543210fedcba9876543210';

describe('rotating the Twilio auth token', () => {
  it('changes the Lambda configuration (the secret version), so warm instances are replaced', async () => {
    const before = await lambdaEnvironment(OLD_TOKEN);
    const again = await lambdaEnvironment(OLD_TOKEN);
    const after = await lambdaEnvironment(NEW_TOKEN);
    expect(again.TWILIO_AUTH_TOKEN_VERSION).toBe(before.TWILIO_AUTH_TOKEN_VERSION);
    expect(after.TWILIO_AUTH_TOKEN_VERSION).not.toBe(before.TWILIO_AUTH_TOKEN_VERSION);
    expect(JSON.stringify(after)).not.toContain(NEW_TOKEN);
  });
});

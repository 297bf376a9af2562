/**
 * Bad stack config fails the program (so `pulumi preview`) before any resource is declared,
 * with parseStackConfig's own message: the key and the value, passwords never echoed.
 */
import * as pulumi from '@pulumi/pulumi';
import { parseStackConfig } from '../../infra/config';
import { runSipline } from '../../infra/mocks';
import { demoConfig, SECRET_KEYS, TOKEN } from './fixtures';

const user = (u: Record<string, unknown>) => [{ username: 'alice' }, u];

async function failure(overrides: Record<string, unknown>): Promise<Error> {
  try {
    await runSipline({ config: demoConfig(overrides), secretKeys: SECRET_KEYS });
  } catch (e) {
    return e as Error;
  }
  throw new Error(`config ${JSON.stringify(overrides)} was accepted`);
}

/** What parseStackConfig says about the same values (as the CLI passes them: lists as JSON). */
function parseMessage(overrides: Record<string, unknown>): string {
  const { twilioAuthToken: _t, 'aws:region': _r, ...values } = demoConfig(overrides);
  try {
    parseStackConfig(values);
  } catch (e) {
    return (e as Error).message;
  }
  return '(accepted)';
}

const CASES: Array<[string, Record<string, unknown>, string]> = [
  ['a domain label with capitals and punctuation', { domainName: 'Acme!' }, 'sipline:domainName: "Acme!" must be lower-case letters'],
  ['no domain at all', { domainName: undefined }, 'sipline:domainName is required'],
  ['an unknown default country', { defaultCountry: 'XX' }, 'sipline:defaultCountry: "XX" is not an ISO 3166'],
  ['a caller ID that is not E.164', { defaultCallerId: '4155550123' }, 'sipline:defaultCallerId: "4155550123" is not a valid E.164'],
  ['an unknown allowed country', { allowedCountries: ['US', 'ZZ'] }, 'sipline:allowedCountries[1]: "ZZ" is not an ISO 3166'],
  ['allowed countries that are not a list', { allowedCountries: 'US, CA' }, 'sipline:allowedCountries: "US, CA" must be a list'],
  ['an empty allowed-country list', { allowedCountries: [] }, 'sipline:allowedCountries: [] must be a non-empty list'],
  ['emergencyCalling that is not a boolean', { emergencyCalling: 'maybe' }, 'sipline:emergencyCalling: "maybe" must be true or false'],
  ['users that are not a list', { users: 'alice, bob' }, 'sipline:users: a string must be a list'],
  ['a username with a space', { users: user({ username: 'bad user' }) }, 'sipline:users[1].username: "bad user" must be an E.164 number or start with'],
  ['a username over 32 characters', { users: user({ username: 'a'.repeat(33) }) }, `sipline:users[1].username: "${'a'.repeat(33)}" is longer than Twilio's limit`],
  ['an E.164 username that is no number', { users: user({ username: '+1' }) }, 'sipline:users[1].username: "+1" is not a valid E.164'],
  ['a duplicate username', { users: user({ username: 'alice' }) }, 'sipline:users[1].username: "alice" duplicates users[0].username'],
  ['a bound number that is not E.164', { users: user({ username: 'bob', number: '555-0100' }) }, 'sipline:users[1].number: "555-0100" is not a valid E.164'],
  ['a number bound to two users', { users: [{ username: '+14155550100' }, { username: 'bob', number: '+14155550100' }] }, 'sipline:users[1].number: "+14155550100" is already the number of users[0]'],
  ['an unknown user key', { users: user({ username: 'bob', pin: '1234' }) }, 'sipline:users[1].pin: unknown key'],
  ['a short password', { users: user({ username: 'bob', password: 'Ab1' }) }, 'sipline:users[1].password (user "bob") breaks Twilio\'s password policy: it needs at least 12 characters'],
  ['a password without a digit', { users: user({ username: 'bob', password: 'NoDigitsAtAllHere' }) }, 'sipline:users[1].password (user "bob") breaks Twilio\'s password policy: it needs at least one digit'],
  ['a password without upper case', { users: user({ username: 'bob', password: 'lowercase-only-123' }) }, 'sipline:users[1].password (user "bob") breaks Twilio\'s password policy: it needs at least one upper case letter'],
  ['a password without lower case', { users: user({ username: 'bob', password: 'UPPERCASE-ONLY-123' }) }, 'sipline:users[1].password (user "bob") breaks Twilio\'s password policy: it needs at least one lower case letter'],
  ['a password that is not a string', { users: user({ username: 'bob', password: 123456789012 }) }, 'sipline:users[1].password (user "bob") must be a string'],
  ['an unknown edge', { edge: 'mars' }, 'sipline:edge: "mars" is not a Twilio edge'],
  ['an alarm address that is no email address', { alarmEmail: 'ops at example' }, 'sipline:alarmEmail: "ops at example" is not an email address'],
  ['more users than a credential list holds', { users: Array.from({ length: 1001 }, (_, i) => ({ username: `u${i}` })) }, 'sipline:users: "1001 users" exceeds Twilio\'s limit of 1000'],
];

describe('bad stack config fails the preview with the key and the value', () => {
  it.each(CASES)('%s', async (_what, overrides, expected) => {
    const error = await failure(overrides);
    expect(error.message).toContain(expected);
    // Exactly parseStackConfig's message, as a RunError: Pulumi prints it without a stack trace.
    expect(error.message).toBe(parseMessage(overrides));
    expect(pulumi.RunError.isInstance(error)).toBe(true);
  });

  it('never echoes a password', async () => {
    const error = await failure({ users: user({ username: 'bob', password: 'lowercase-only-123' }) });
    expect(error.message).not.toContain('lowercase-only-123');
  });

  it('lists every bad key at once', async () => {
    const error = await failure({ edge: 'mars', alarmEmail: 'nope', defaultCountry: 'XX' });
    expect(error.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });

  it('fails without a twilioAuthToken, saying how to set it', async () => {
    const error = await failure({ twilioAuthToken: undefined });
    expect(error.message).toContain('sipline:twilioAuthToken is not set: pulumi config set --secret twilioAuthToken');
    expect(pulumi.RunError.isInstance(error)).toBe(true);
  });

  it.each([
    ['16 x characters', 'x'.repeat(16)],
    ['16 zero-width spaces', '\u200b'.repeat(16)],
    ['31 hex characters', TOKEN.slice(1)],
  ])('fails on a twilioAuthToken of %s, naming the key and the rule, never the value', async (_what, token) => {
    const error = await failure({ twilioAuthToken: token });
    expect(error.message).toMatch(/sipline:twilioAuthToken is not a Twilio auth token \(\d+ characters.*\): a Twilio auth token is exactly 32 hexadecimal characters/);
    expect(error.message).not.toContain(token);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
  });

  it('accepts a twilioAuthToken with the trailing newline of a file', async () => {
    await expect(runSipline({ config: demoConfig({ twilioAuthToken: `${TOKEN}\n` }), secretKeys: SECRET_KEYS })).resolves.toBeDefined();
  });

  it('fails when two usernames would share a resource name', async () => {
    // Digits that dial a number from defaultCountry (US) are refused before this check; these
    // do not (a German number, written without its +), so only the resource names clash.
    const error = await failure({ users: [{ username: '+4930123456' }, { username: '4930123456' }] });
    expect(error.message).toContain('sipline:users: users "+4930123456" and "4930123456" would share the resource name "4930123456"');
  });
});

/**
 * Bad stack config fails the program (so `pulumi preview`) before any resource is declared,
 * with parseStackConfig's own message: the key and the value, passwords never echoed.
 */
import * as pulumi from '@pulumi/pulumi';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { asksForVoicemailEmail, CONFIG_KEYS, parseStackConfig, readStackFile, siplineValues, voicemailEmails } from '../../infra/config';
import { runSipline } from '../../infra/mocks';
import { demoConfig, failure, SECRET_KEYS, TOKEN, voicemailConfig } from './fixtures';

const user = (u: Record<string, unknown>) => [{ username: 'alice' }, u];

/** A stack file in a directory of its own. */
function writeStackFile(yaml: string, name = 'Pulumi.prod.yaml'): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-stack-')), name);
  fs.writeFileSync(file, yaml);
  return file;
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
  ['a caller ID that is not E.164', { defaultCallerId: '555-0123' }, 'sipline:defaultCallerId: "555-0123" is not a valid E.164'],
  ['a caller ID written as a national number', { defaultCallerId: '4155550123' }, 'sipline:defaultCallerId: "4155550123" is a national number of US (the default country), not E.164: write it "+14155550123"'],
  ['a bound number YAML read as a national number', { users: user({ username: 'bob', number: 4155550188 }) }, 'sipline:users[1].number: 4155550188 is a number in YAML, and a national number of US (the default country): write it in E.164, quoted, "+14155550188"'],
  ['a national number of the default country', { defaultCountry: 'GB', allowedCountries: ['GB'], defaultCallerId: undefined, users: user({ username: 'bob', number: 2079460000 }) }, 'sipline:users[1].number: 2079460000 is a number in YAML, and a national number of GB (the default country): write it in E.164, quoted, "+442079460000"'],
  ['the United Kingdom as UK', { defaultCountry: 'UK' }, 'sipline:defaultCountry: "UK" is not an ISO 3166 alpha-2 country code: did you mean GB? (ISO 3166 only reserves UK)'],
  ['an allowed country written uk', { allowedCountries: ['US', 'uk'] }, 'sipline:allowedCountries[1]: "uk" is not an ISO 3166 alpha-2 country code: did you mean GB?'],
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
  ['a password YAML read as a number', { users: user({ username: 'bob', password: 123456789012 }) }, 'sipline:users[1].password (user "bob") is a number in YAML: it must be a string, best encrypted: pulumi config set --secret --path \'users[1].password\' (it prompts for the value, which then stays out of your shell history)'],
  ['a user with no username', { users: user({ number: '+14155550188' }) }, 'sipline:users[1] has no username: every user needs one'],
  ['a user written as a bare name', { users: ['alice', { username: 'bob' }] }, 'sipline:users[0]: "alice" must be an object with a username: write it as - username: "alice"'],
  ['a mistyped user key', { users: user({ username: 'bob', nubmer: '+14155550188' }) }, 'sipline:users[1].nubmer: unknown key (did you mean number? a user has username, number, password and noAnswer)'],
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

  it('reports a bad default country once, not again as the allowedCountries it stands for when they are left out', () => {
    expect(parseMessage({ defaultCountry: 'UK', allowedCountries: undefined })).toBe(
      'Invalid stack configuration:\n  - sipline:defaultCountry: "UK" is not an ISO 3166 alpha-2 country code: did you mean GB? (ISO 3166 only reserves UK)',
    );
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

/**
 * A YAML number where sipline wants text. Pulumi reads the stack file with Go's yaml.v3, where
 * `+14155550100` is the integer 14155550100, and stores each value as text: a top-level scalar
 * reaches the program as that text ("14155550123"), a list as JSON holding the number
 * (config/object.go MarshalString; pkg/workspace/config.go). A local read (npm start, npm run
 * plan) must say exactly what `pulumi preview` says.
 */
describe('numbers YAML read from unquoted values: the same message locally and in pulumi preview', () => {
  const STACK_FILE = `config:
  aws:region: us-east-1
  sipline:domainName: acme
  sipline:defaultCallerId: +14155550123
  sipline:users:
    - username: 1001
    - username: +14155550100
    - username: alice
      number: +14155550199
`;
  /** What the Pulumi CLI hands the program for STACK_FILE (twilioAuthToken set with --secret). */
  const AS_PULUMI_HANDS_IT = {
    'aws:region': 'us-east-1',
    domainName: 'acme',
    defaultCallerId: '14155550123',
    users: '[{"username":1001},{"username":14155550100},{"username":"alice","number":14155550199}]',
    twilioAuthToken: 'test-auth-token-0123456789abcdef',
  };
  const EXPECTED = [
    'sipline:defaultCallerId: "14155550123" has no "+" (written unquoted, +14155550123 is a number in YAML, which drops the "+"): quote it, "+14155550123"',
    'sipline:users[0].username: 1001 is a number in YAML: quote it, "1001"',
    'sipline:users[1].username: 14155550100 is a number in YAML (the "+" was lost): quote it, "+14155550100"',
    'sipline:users[2].number: 14155550199 is a number in YAML (the "+" was lost): quote it, "+14155550199"',
  ];

  it('pulumi preview (the program under mocks, given what the CLI hands it) names each key, its value and the quoted fix', async () => {
    let error: Error | undefined;
    await runSipline({ config: AS_PULUMI_HANDS_IT, secretKeys: SECRET_KEYS }).catch((e: Error) => (error = e));
    expect(error?.message.split('\n').slice(1)).toEqual(EXPECTED.map((line) => `  - ${line}`));
  });

  it('a local read of the same file says the same', () => {
    const values = siplineValues(readStackFile(writeStackFile(STACK_FILE, 'Pulumi.dev.yaml')));
    // The top-level number is handed over as Pulumi hands it: as text.
    expect(values.defaultCallerId).toBe('14155550123');
    expect(() => parseStackConfig(values)).toThrow(`Invalid stack configuration:\n${EXPECTED.map((line) => `  - ${line}`).join('\n')}`);
  });

  it('the mocks hand the program its config as the CLI does: every value as text, lists as JSON', async () => {
    await runSipline({ config: demoConfig({ defaultCallerId: 14155550123, emergencyCalling: true }), secretKeys: SECRET_KEYS }).catch(() => undefined);
    const handed = pulumi.runtime.allConfig();
    expect(handed['sipline:defaultCallerId']).toBe('14155550123');
    expect(handed['sipline:emergencyCalling']).toBe('true');
    expect(JSON.parse(handed['sipline:users'])).toEqual(demoConfig().users);
    expect(Object.values(handed).every((v) => typeof v === 'string')).toBe(true);
  });
});

describe('config keys sipline does not read', () => {
  async function warningsFor(overrides: Record<string, unknown>, config = demoConfig): Promise<string[]> {
    const warn = jest.spyOn(pulumi.log, 'warn').mockImplementation(() => Promise.resolve());
    try {
      await runSipline({ config: config(overrides), secretKeys: SECRET_KEYS });
      return warn.mock.calls.map(([message]) => message);
    } finally {
      warn.mockRestore();
    }
  }

  it('warn in pulumi preview, suggesting the key meant', async () => {
    const warnings = await warningsFor({ 'sipline:defaultCallerID': '+14155550123', 'sipline:alowedCountries': ['US'], 'Sipline:edge': 'dublin', 'sipline:colour': 'blue', 'aws:region': 'us-east-1' });
    expect(warnings).toEqual([
      'sipline:defaultCallerID is not a sipline setting and is ignored: did you mean sipline:defaultCallerId?',
      'sipline:alowedCountries is not a sipline setting and is ignored: did you mean sipline:allowedCountries?',
      'Sipline:edge is not a sipline setting and is ignored: did you mean sipline:edge?',
      `sipline:colour is not a sipline setting and is ignored: the settings are ${CONFIG_KEYS.join(', ')}`,
    ]);
  });

  it('are exactly those the program does not read (CONFIG_KEYS is the list the program reads)', async () => {
    // pulumi.Config reads through runtime/config; the runtime namespace holds a copy of the function.
    const runtimeConfig = require('@pulumi/pulumi/runtime/config') as typeof import('@pulumi/pulumi/runtime/config');
    const original = runtimeConfig.getConfig;
    const read = new Set<string>();
    const record = (key: string) => {
      read.add(key);
      return original(key);
    };
    const spies = [jest.spyOn(runtimeConfig, 'getConfig').mockImplementation(record), jest.spyOn(pulumi.runtime, 'getConfig').mockImplementation(record)];
    try {
      // With voicemail to email, so that its keys are read too.
      expect(await warningsFor({ edge: 'dublin', alarmEmail: 'ops@example.com', deleteVoicemailAfterEmail: false, voicemailTimeZone: 'Europe/London' }, voicemailConfig)).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const siplineKeys = [...read].filter((k) => k.startsWith('sipline:')).map((k) => k.slice('sipline:'.length));
    expect(siplineKeys.sort()).toEqual([...CONFIG_KEYS].sort());
  });
});

describe('a stack file as Pulumi reads it', () => {
  // Pulumi namespaces a key written without one with the project's name
  // (sdk/go/common/workspace/loaders.go stackConfigNamespacedWithProject).
  it("reads a key without a namespace as the project's: allowedCountries is sipline:allowedCountries", () => {
    const file = writeStackFile('config:\n  sipline:domainName: acme\n  allowedCountries: [US, GB]\n  sipline:config:edge: dublin\n');
    expect(readStackFile(file).config).toEqual({ 'sipline:domainName': 'acme', 'sipline:allowedCountries': ['US', 'GB'], 'sipline:edge': 'dublin' });
  });

  it('refuses a key written both ways, which Pulumi would read as either', () => {
    const file = writeStackFile('config:\n  allowedCountries: [US]\n  sipline:allowedCountries: [CA]\n');
    expect(() => readStackFile(file)).toThrow('sets both allowedCountries and sipline:allowedCountries, which Pulumi reads as the same key, sipline:allowedCountries, keeping either one: remove one');
  });

  it('names the file and the line of a YAML error', () => {
    const file = writeStackFile('config:\n  sipline:users:\n    - username: alice\n   number: "+14155550199"\n');
    expect(() => readStackFile(file)).toThrow(/Pulumi\.prod\.yaml is not valid YAML \(Pulumi cannot read it either\): .* at line 4, column 1/);
  });

  it('names the file when config is not a map', () => {
    expect(() => readStackFile(writeStackFile('config:\n  - sipline:domainName\n'))).toThrow(/Pulumi\.prod\.yaml: config must be a map of keys and values/);
  });

  it('keeps its environment: the Pulumi ESC environments whose config Pulumi merges in', () => {
    expect(readStackFile(writeStackFile('environment:\n  - acme/sipline\nconfig:\n  sipline:domainName: acme\n')).environment).toEqual(['acme/sipline']);
    expect(readStackFile(writeStackFile('config:\n  sipline:domainName: acme\n'))).not.toHaveProperty('environment');
  });
});

// What the offline plan and the CI secrets check both ask before a deploy: do they need the
// voicemail API key's secret? A list may be YAML's or the JSON text Pulumi hands the program.
describe('whether a stack asks for voicemail by email', () => {
  const alice = { username: 'alice', noAnswer: { voicemail: { email: 'alice@example.com' } } };
  const sales = { name: 'sales', members: ['alice'], noAnswer: { voicemail: { email: 'sales@example.com' } } };

  it('reads users and groups written as YAML lists or as JSON text, as parseStackConfig reads them', () => {
    expect(asksForVoicemailEmail({ users: [alice] })).toBe(true);
    expect(asksForVoicemailEmail({ users: JSON.stringify([alice]) })).toBe(true);
    expect(asksForVoicemailEmail({ users: JSON.stringify([{ username: 'alice' }]), groups: JSON.stringify([sales]) })).toBe(true);
    // The program reads the JSON text the same way: a mailbox that emails.
    expect(voicemailEmails(parseStackConfig({ domainName: 'acme', users: JSON.stringify([alice]) }))).toEqual([{ key: 'sipline:users[0].noAnswer.voicemail.email', email: 'alice@example.com' }]);
  });

  it('is false with no email: a voicemail without one, no list, or text that is no list', () => {
    expect(asksForVoicemailEmail({ users: [{ username: 'alice', noAnswer: { voicemail: {} } }] })).toBe(false);
    expect(asksForVoicemailEmail({})).toBe(false);
    expect(asksForVoicemailEmail({ users: '[not json', groups: '{"name":"sales"}' })).toBe(false);
  });
});

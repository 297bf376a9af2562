/** The stack config and the routing directory derived from it: what a bad value says. */
import * as path from 'node:path';
import { ConfigError, parseStackConfig, readStackConfigFile, routerDirectoryFrom } from '../../infra/config';
import { DirectoryError, readDirectoryFile, validateDirectory } from '../../lambda/directory';
import { demoDirectory } from './fixtures';

const good = () => ({
  domainName: 'acme',
  defaultCountry: 'US',
  defaultCallerId: '+14155550123',
  allowedCountries: ['US', 'CA'],
  emergencyCalling: false,
  users: [{ username: '+14155550100' }, { username: 'alice', number: '+14155550199' }, { username: 'bob' }],
});

function errorOf(values: Record<string, unknown>): string {
  try {
    parseStackConfig(values);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('the dev stack config file', () => {
  it('derives exactly the directory of the issue\'s example', () => {
    const config = parseStackConfig(readStackConfigFile(path.join(__dirname, '../../Pulumi.dev.yaml')));
    expect(routerDirectoryFrom(config)).toEqual({
      domain: 'acme.sip.twilio.com',
      defaultCountry: 'US',
      defaultCallerId: '+14155550123',
      allowedCountries: ['US', 'CA'],
      emergency: { enabled: false },
      users: [{ username: '+14155550100' }, { username: 'alice', number: '+14155550199' }, { username: 'bob' }],
    });
  });
});

describe('parseStackConfig', () => {
  it('accepts values as Pulumi hands them over: strings and JSON', () => {
    const config = parseStackConfig({ ...good(), emergencyCalling: 'true', allowedCountries: '["US","CA"]', users: JSON.stringify(good().users) });
    expect(config.emergencyCalling).toBe(true);
    expect(config.allowedCountries).toEqual(['US', 'CA']);
    expect(config.sipDomain).toBe('acme.sip.twilio.com');
  });

  it('accepts the domain with its .sip.twilio.com suffix', () => {
    expect(parseStackConfig({ ...good(), domainName: 'acme.sip.twilio.com' }).sipDomain).toBe('acme.sip.twilio.com');
  });

  it('defaults allowedCountries to the default country', () => {
    const { allowedCountries, ...rest } = good();
    void allowedCountries;
    expect(parseStackConfig({ ...rest, defaultCountry: 'GB' }).allowedCountries).toEqual(['GB']);
  });

  it.each([
    ['an E.164 username that is not a valid number', { users: [{ username: '+1415555' }] }, 'sipline:users[0].username: "+1415555" is not a valid E.164 phone number'],
    ['a username longer than 32 characters', { users: [{ username: 'a'.repeat(33) }] }, `sipline:users[0].username: "${'a'.repeat(33)}" is longer than Twilio's limit of 32 characters`],
    ['a username with odd characters', { users: [{ username: 'al ice' }] }, 'sipline:users[0].username: "al ice" must be an E.164 number or start with a letter or digit'],
    ['a country code that does not exist', { defaultCountry: 'XX' }, 'sipline:defaultCountry: "XX" is not an ISO 3166 alpha-2 country code'],
    ['an allowed country that does not exist', { allowedCountries: ['US', 'ZZ'] }, 'sipline:allowedCountries[1]: "ZZ" is not an ISO 3166 alpha-2 country code'],
    ['a duplicate username', { users: [{ username: 'bob' }, { username: 'bob' }] }, 'sipline:users[1].username: "bob" duplicates users[0].username'],
    ['a duplicate number', { users: [{ username: 'alice', number: '+14155550199' }, { username: 'bob', number: '+14155550199' }] }, 'sipline:users[1].number: "+14155550199" is already the number of users[0]'],
    ['a number that is another user\'s E.164 username', { users: [{ username: '+14155550100' }, { username: 'bob', number: '+14155550100' }] }, 'sipline:users[1].number: "+14155550100" is already the number of users[0]'],
    ['a bound number that is not E.164', { users: [{ username: 'bob', number: '555-0100' }] }, 'sipline:users[0].number: "555-0100" is not a valid E.164 phone number'],
    ['a bound number written as a national one', { users: [{ username: 'bob', number: '4155550100' }] }, 'sipline:users[0].number: "4155550100" is a national number of US (the default country), not E.164: write it "+14155550100"'],
    ['a default caller ID that is not E.164', { defaultCallerId: '555-0123' }, 'sipline:defaultCallerId: "555-0123" is not a valid E.164 phone number'],
    ['a domain name with odd characters', { domainName: 'Acme_Corp' }, 'sipline:domainName: "Acme_Corp" must be lower-case letters, digits and "-"'],
    ['a missing domain name', { domainName: undefined }, 'sipline:domainName is required'],
    ['missing users', { users: undefined }, 'sipline:users is required'],
    ['an empty user list', { users: [] }, 'sipline:users: [] must list at least one user'],
    ['a lower-case country code', { allowedCountries: ['US', 'ie'] }, 'sipline:allowedCountries[1]: "ie" is not an ISO 3166 alpha-2 country code: write it in upper case, IE'],
    ['emergencyCalling that is not a boolean', { emergencyCalling: 'maybe' }, 'sipline:emergencyCalling: "maybe" must be true or false'],
    ['an unknown edge', { edge: 'mars' }, 'sipline:edge: "mars" is not a Twilio edge'],
    ['an alarm email that is not one', { alarmEmail: 'ops' }, 'sipline:alarmEmail: "ops" is not an email address'],
    ['a username that is an emergency number', { users: [{ username: '911' }] }, 'sipline:users[0].username: "911" is an emergency number'],
    ['a username that is an allowed country\'s emergency number', { allowedCountries: ['US', 'GB'], users: [{ username: '999' }] }, 'sipline:users[0].username: "999" is an emergency number'],
    ['digits that dial a real number as a username', { users: [{ username: '14155550100' }] }, 'sipline:users[0].username: "14155550100" is a phone number (+14155550100): write it in E.164'],
    ['emergency calling for a user with no call-back number', { emergencyCalling: true, defaultCallerId: undefined }, 'sipline:users[2] ("bob") has no call-back number for emergency calls'],
    ['emergency calling from a country Twilio does not serve', { emergencyCalling: true, users: [{ username: '+81312345678' }] }, 'sipline:emergencyCalling is true, but users[0] ("+81312345678") calls back from +81312345678 (JP), where Twilio routes no emergency calls'],
    ['an unknown user key', { users: [{ username: 'bob', pasword: 'x' }] }, 'sipline:users[0].pasword: unknown key'],
    ['users that are not a list', { users: 'bob' }, '  - sipline:users: a string must be a list'],
    ['an empty user list as Pulumi hands it over', { users: '[]' }, 'sipline:users: [] must list at least one user'],
    ['a duplicate extension-style username', { users: [{ username: '1001' }, { username: '1001' }] }, 'sipline:users[1].username: "1001" duplicates users[0].username'],
  ])('refuses %s, naming the key and the value', (_what, change, message) => {
    expect(errorOf({ ...good(), ...change })).toContain(message);
  });

  it('never echoes a password, even in users of the wrong shape', () => {
    const message = errorOf({ ...good(), users: JSON.stringify({ username: 'alice', password: 'Hunter2-Secret-99' }) });
    expect(message).toContain('sipline:users: an object must be a list');
    expect(message).not.toContain('Hunter2');
  });

  it('refuses a weak password naming the rule and the user, never the password', () => {
    const message = errorOf({ ...good(), users: [{ username: 'alice', password: 'hunter2' }] });
    expect(message).toContain("sipline:users[0].password (user \"alice\") breaks Twilio's password policy: it needs at least 12 characters");
    expect(message).toContain('at least one upper case letter');
    expect(message).not.toContain('hunter2');
  });

  it('accepts emergency calling when every phone has a call-back number Twilio serves', () => {
    expect(parseStackConfig({ ...good(), emergencyCalling: true }).emergencyCalling).toBe(true);
  });

  it('accepts extension-style usernames that dial no real number', () => {
    expect(parseStackConfig({ ...good(), users: [{ username: '1001' }, { username: '200' }] }).users).toHaveLength(2);
  });

  it('lists every problem at once', () => {
    const message = errorOf({ ...good(), defaultCountry: 'XX', edge: 'mars', users: [{ username: '+1' }] });
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });

  it('refuses more users than one Twilio credential list holds', () => {
    const users = Array.from({ length: 1001 }, (_, i) => ({ username: `user${i}` }));
    expect(errorOf({ ...good(), users })).toContain("exceeds Twilio's limit of 1000 credentials per list");
  });
});

describe('the routing directory file', () => {
  it('is validated by the same rules when the router reads it', () => {
    expect(() => validateDirectory({ ...demoDirectory(), defaultCountry: 'XX' })).toThrow(DirectoryError);
    expect(() => validateDirectory({ ...demoDirectory(), users: [{ username: 'a' }, { username: 'a' }] })).toThrow(/users\[1\]\.username: "a" duplicates/);
  });

  it('names the file when it is not JSON or breaks a rule', () => {
    expect(() => readDirectoryFile('/etc/router-config.json', () => '{not json')).toThrow(/\/etc\/router-config.json could not be read as JSON/);
    expect(() => readDirectoryFile('/x.json', () => JSON.stringify({ ...demoDirectory(), domain: 'acme.example.com' }))).toThrow(/\/x.json: domain: "acme.example.com"/);
  });

  it('may be extended with keys the router does not know', () => {
    expect(validateDirectory({ ...demoDirectory(), comment: 'generated by sipline' })).toBeTruthy();
  });
});

describe('clear-text secrets in a stack file', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const os = require('node:os') as typeof import('node:os');
  const { clearTextSecretWarnings, readStackFile } = require('../../infra/config') as typeof import('../../infra/config');
  const write = (yaml: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-stack-')), 'Pulumi.prod.yaml');
    fs.writeFileSync(file, yaml);
    return file;
  };

  it('are named with the command that encrypts them, never with their value', () => {
    const file = write(`config:
  sipline:twilioAuthToken: 0123456789abcdef0123456789abcdef
  sipline:users:
    - username: alice
      password: Correct-Horse-42
    - username: bob
      password:
        secure: v1:abc
`);
    const warnings = clearTextSecretWarnings(readStackFile(file));
    expect(warnings).toEqual([
      "sipline:twilioAuthToken is in clear text in Pulumi.prod.yaml: pulumi config set --secret twilioAuthToken (it prompts for the value, which then stays out of your shell history)",
      "sipline:users[0].password is in clear text in Pulumi.prod.yaml: pulumi config set --secret --path 'users[0].password' (it prompts for the value, which then stays out of your shell history)",
    ]);
    expect(warnings.join()).not.toMatch(/Correct-Horse|0123456789abcdef/);
  });

  it('are none in the dev stack', () => {
    expect(clearTextSecretWarnings(readStackFile(path.join(__dirname, '../../Pulumi.dev.yaml')))).toEqual([]);
  });

  it('cannot be looked for in a stack file that does not exist: that is a clear error', () => {
    expect(() => readStackFile('/nonexistent/Pulumi.x.yaml')).toThrow(/Pulumi\.x\.yaml not found: a stack's config lives in Pulumi\.<stack>\.yaml/);
  });
});

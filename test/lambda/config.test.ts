/** The stack config and the routing directory derived from it: what a bad value says. */
import * as path from 'node:path';
import { boundNumbers, ConfigError, configKeyWarnings, parseStackConfig, readStackConfigFile, routerDirectoryFrom } from '../../infra/config';
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
      users: [
        { username: '+14155550100', noAnswer: { ringSeconds: 15, forwardTo: '+14155551234' } },
        { username: 'alice', number: '+14155550199', noAnswer: { voicemail: { email: 'alice@example.com' } } },
        { username: 'bob' },
      ],
      groups: [
        {
          name: 'sales',
          number: '+14155550150',
          members: ['alice', 'bob'],
          strategy: 'sequential',
          ringSeconds: 15,
          noAnswer: { voicemail: { greeting: 'You have reached the sales team. Please leave a message after the beep.', email: 'sales@example.com' } },
        },
      ],
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

describe('no answer, hunt groups and enhancedSip', () => {
  const withAlice = (noAnswer: unknown) => ({ users: [{ username: 'alice', number: '+14155550199', noAnswer }, { username: 'bob' }, { username: 'carol' }] });
  const withGroup = (group: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    users: [{ username: 'alice', number: '+14155550199' }, { username: 'bob' }, { username: 'carol' }],
    groups: [{ name: 'sales', members: ['alice', 'bob'], ...group }],
    ...extra,
  });
  const tooLong = 'Hello. '.repeat(72);
  const TEN_USERS = ['alice', 'bob', 'carol', 'alice2', 'bob2', 'carol2', 'dave', 'erin', 'frank', 'grace'].map((username) => ({ username }));

  it.each([
    ['a noAnswer that is not an object', withAlice('voicemail'), 'sipline:users[0].noAnswer: "voicemail" must be an object with ringSeconds, forwardTo, voicemail'],
    ['a mistyped noAnswer key', withAlice({ ringsSeconds: 30 }), 'sipline:users[0].noAnswer.ringsSeconds: unknown key (did you mean ringSeconds? noAnswer has ringSeconds, forwardTo, voicemail)'],
    ['too short a ring', withAlice({ ringSeconds: 3 }), 'sipline:users[0].noAnswer.ringSeconds: 3 must be a whole number of seconds from 5 to 120'],
    ['too long a ring', withAlice({ ringSeconds: 600 }), 'sipline:users[0].noAnswer.ringSeconds: 600 must be a whole number of seconds from 5 to 120'],
    ['a ring that is not whole seconds', withAlice({ ringSeconds: 12.5 }), 'sipline:users[0].noAnswer.ringSeconds: 12.5 must be a whole number'],
    ['a ring in words', withAlice({ ringSeconds: 'twenty' }), 'sipline:users[0].noAnswer.ringSeconds: "twenty" must be a whole number'],
    ['a forward that is not E.164', withAlice({ forwardTo: '4155551234' }), 'sipline:users[0].noAnswer.forwardTo: "4155551234" is a national number of US (the default country), not E.164: write it "+14155551234"'],
    ['a forward written unquoted', withAlice({ forwardTo: 14155551234 }), 'sipline:users[0].noAnswer.forwardTo: 14155551234 is a number in YAML (the "+" was lost): quote it, "+14155551234"'],
    ['a forward to a country not allowed', withAlice({ forwardTo: '+442079460000' }), 'sipline:users[0].noAnswer.forwardTo: "+442079460000" is refused by the toll-fraud guard: its country is not in sipline:allowedCountries'],
    ['a forward to a premium-rate number', withAlice({ forwardTo: '+19005551234' }), 'sipline:users[0].noAnswer.forwardTo: "+19005551234" is refused by the toll-fraud guard: only fixed-line, mobile, toll-free, VoIP and UAN numbers are dialed'],
    ['a forward to a satellite phone', withAlice({ forwardTo: '+881631234567' }), 'is refused by the toll-fraud guard: satellite numbers are never dialed'],
    ['a forward to a number of the directory', withAlice({ forwardTo: '+14155550199' }), 'sipline:users[0].noAnswer.forwardTo: "+14155550199" is the number of users[0]: forwarding would call it back through the PSTN'],
    ['both a forward and voicemail', withAlice({ forwardTo: '+14155551234', voicemail: {} }), 'sipline:users[0].noAnswer: ["forwardTo","voicemail"] are both set: an unanswered call goes to one of them'],
    ['a voicemail that is not an object', withAlice({ voicemail: true }), 'sipline:users[0].noAnswer.voicemail: true must be an object (voicemail: {} for the default greeting)'],
    ['a mistyped voicemail key', withAlice({ voicemail: { mail: 'a@example.com' } }), 'sipline:users[0].noAnswer.voicemail.mail: unknown key (did you mean email? voicemail has greeting, email)'],
    ['a greeting with &', withAlice({ voicemail: { greeting: 'Smith & Sons' } }), 'sipline:users[0].noAnswer.voicemail.greeting: "Smith & Sons" must be 1 to 500 characters of plain text on one line: no &, < or > (write "and" for &)'],
    ['a greeting with markup', withAlice({ voicemail: { greeting: '<speak>Hi</speak>' } }), 'sipline:users[0].noAnswer.voicemail.greeting: "<speak>Hi</speak>" must be 1 to 500 characters'],
    ['a greeting on two lines', withAlice({ voicemail: { greeting: 'Hi.\nBye.' } }), 'sipline:users[0].noAnswer.voicemail.greeting: "Hi.\\nBye." must be 1 to 500 characters of plain text on one line'],
    ['a greeting with a control character', withAlice({ voicemail: { greeting: 'Hi\u0007' } }), 'sipline:users[0].noAnswer.voicemail.greeting: "Hi\\u0007" must be'],
    ['too long a greeting', withAlice({ voicemail: { greeting: tooLong } }), `sipline:users[0].noAnswer.voicemail.greeting: "${tooLong}" must be 1 to 500 characters`],
    ['a blank greeting', withAlice({ voicemail: { greeting: '  ' } }), 'sipline:users[0].noAnswer.voicemail.greeting: "  " must be 1 to 500 characters'],
    ['an email that is not one', withAlice({ voicemail: { email: 'alice at example.com' } }), 'sipline:users[0].noAnswer.voicemail.email: "alice at example.com" is not a plain email address'],
    ['groups that are not a list', { groups: 'sales' }, 'sipline:groups: "sales" must be a list'],
    ['a group with no name', withGroup({ name: undefined }), 'sipline:groups[0] has no name: every group needs one, which phones dial like a username (name: sales)'],
    ['a group named by a number', withGroup({ name: '+14155550150' }), 'sipline:groups[0].name: "+14155550150" must be a name (like sales): give the group its number with number'],
    ['a group named as a user', withGroup({ name: 'bob' }), 'sipline:groups[0].name: "bob" duplicates users[1].username (users and groups share one namespace: phones dial both by name)'],
    ['a group named by an emergency code', withGroup({ name: '911' }), 'sipline:groups[0].name: "911" is an emergency number'],
    ['a group whose number is not E.164', withGroup({ number: '4155550150' }), 'sipline:groups[0].number: "4155550150" is a national number of US (the default country), not E.164: write it "+14155550150"'],
    ['a group whose number is a user\'s', withGroup({ number: '+14155550199' }), 'sipline:groups[0].number: "+14155550199" is already the number of users[0]'],
    ['a group with no members', withGroup({ members: [] }), 'sipline:groups[0].members: [] must be a list of 1 to 10 usernames'],
    ['a group of eleven', withGroup({ members: Array.from({ length: 11 }, () => 'bob') }), 'sipline:groups[0].members: ["bob"'],
    ['a member who is no user', withGroup({ members: ['alice', 'dave'] }), 'sipline:groups[0].members[1]: "dave" is not the username of a user'],
    ['a member listed twice', withGroup({ members: ['alice', 'alice'] }), 'sipline:groups[0].members[1]: "alice" is listed twice'],
    ['an unknown strategy', withGroup({ strategy: 'round-robin' }), 'sipline:groups[0].strategy: "round-robin" must be sequential or simultaneous'],
    ['a simultaneous group without enhancedSip', withGroup({ strategy: 'simultaneous' }), "sipline:groups[0].strategy: \"simultaneous\" needs enhancedSip: true: ringing several phones in one <Dial> takes Twilio's Enhanced Programmable SIP Features"],
    ['a group ring out of bounds', withGroup({ ringSeconds: 121 }), 'sipline:groups[0].ringSeconds: 121 must be a whole number of seconds from 5 to 120'],
    [
      'a sequential group that rings too long in all',
      withGroup({ members: ['alice', 'bob', 'carol', 'alice2', 'bob2', 'carol2', 'dave', 'erin', 'frank', 'grace'], ringSeconds: 120 }, { users: TEN_USERS }),
      "sipline:groups[0].ringSeconds: 120 rings 10 members one after another for 1250 s in all (10 × (120 s + the 5 s Twilio adds to each ring)) before the group's noAnswer, over the 180 s a caller can be kept ringing (SIP's INVITE timer C; callers hang up sooner): set ringSeconds to 13 or less, list fewer members, or ring them all at once (strategy: simultaneous)",
    ],
    ['a sequential group that rings too long at the default ring', withGroup({ members: TEN_USERS.map((u) => u.username) }, { users: TEN_USERS }), 'sipline:groups[0].ringSeconds: 20 (the default) rings 10 members one after another for 250 s in all'],
    ['a ring time in a group\'s noAnswer', withGroup({ noAnswer: { ringSeconds: 10 } }), "sipline:groups[0].noAnswer.ringSeconds: unknown key (a group's noAnswer has forwardTo and voicemail; the group rings for its own ringSeconds)"],
    ['a group forward the guard refuses', withGroup({ noAnswer: { forwardTo: '+19005551234' } }), 'sipline:groups[0].noAnswer.forwardTo: "+19005551234" is refused by the toll-fraud guard'],
    ['a mistyped group key', withGroup({ member: ['alice'] }), 'sipline:groups[0].member: unknown key (did you mean members? a group has name, number, members, strategy, ringSeconds, noAnswer)'],
    ['an enhancedSip that is not a boolean', { enhancedSip: 'yes' }, 'sipline:enhancedSip: "yes" must be true or false'],
  ])('refuses %s, naming the key and the value', (_what, change, message) => {
    expect(errorOf({ ...good(), ...change })).toContain(message);
  });

  it('accepts a group that reaches its noAnswer within 3 minutes: ten members of 13 s in turn, or ringing all at once for the longest ring', () => {
    const members = TEN_USERS.map((u) => u.username);
    expect(() => parseStackConfig({ ...good(), ...withGroup({ members, ringSeconds: 13 }, { users: TEN_USERS }) })).not.toThrow();
    expect(() => parseStackConfig({ ...good(), ...withGroup({ members, strategy: 'simultaneous', ringSeconds: 120 }, { users: TEN_USERS, enhancedSip: true }) })).not.toThrow();
  });

  it('refuses the same group in a hand-edited directory the router reads', () => {
    const directory = { ...demoDirectory(), users: TEN_USERS, groups: [{ name: 'sales', members: TEN_USERS.map((u) => u.username), strategy: 'sequential', ringSeconds: 14 }] };
    expect(() => validateDirectory(directory, { numbers: 'shape' })).toThrow('groups[0].ringSeconds: 14 rings 10 members one after another for 190 s in all');
  });

  it('accepts every setting, as Pulumi hands them over (lists as JSON, scalars as text), and derives the directory', () => {
    const config = parseStackConfig({
      ...good(),
      enhancedSip: 'true',
      users: JSON.stringify([
        { username: 'alice', number: '+14155550199', noAnswer: { ringSeconds: '25', voicemail: { greeting: 'Vous êtes chez Zoë: laissez un message, s\'il vous plaît.', email: 'alice@example.com' } } },
        { username: 'bob', noAnswer: { forwardTo: '+16135550123' } },
        { username: 'carol', noAnswer: { voicemail: {} } },
      ]),
      groups: JSON.stringify([
        { name: 'sales', number: '+14155550150', members: ['alice', 'bob'] },
        { name: 'support', members: ['alice', 'bob', 'carol'], strategy: 'simultaneous', ringSeconds: 30, noAnswer: { forwardTo: '+16135550124' } },
      ]),
    });
    const directory = routerDirectoryFrom(config);
    expect(directory.enhancedSip).toBe(true);
    expect(directory.users[0].noAnswer).toEqual({ ringSeconds: 25, voicemail: { greeting: "Vous êtes chez Zoë: laissez un message, s'il vous plaît.", email: 'alice@example.com' } });
    expect(directory.groups).toEqual([
      { name: 'sales', number: '+14155550150', members: ['alice', 'bob'], strategy: 'sequential' },
      { name: 'support', members: ['alice', 'bob', 'carol'], strategy: 'simultaneous', ringSeconds: 30, noAnswer: { forwardTo: '+16135550124' } },
    ]);
    // The router reads exactly what the stack validated.
    expect(validateDirectory(JSON.parse(JSON.stringify(directory)), { numbers: 'shape' })).toEqual(directory);
    expect(boundNumbers(config)).toEqual(['+14155550199', '+14155550150']);
  });

  it('leaves groups and enhancedSip out of a directory that has none', () => {
    const directory = routerDirectoryFrom(parseStackConfig(good()));
    expect(directory).not.toHaveProperty('groups');
    expect(directory).not.toHaveProperty('enhancedSip');
  });

  it('knows groups and enhancedSip as settings: no unknown-key warning', () => {
    expect(configKeyWarnings(['sipline:groups', 'sipline:enhancedSip', 'sipline:enhancedSIP'])).toEqual([
      'sipline:enhancedSIP is not a sipline setting and is ignored: did you mean sipline:enhancedSip?',
    ]);
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

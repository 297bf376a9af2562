/**
 * The plugin's protocol surface, over gRPC as the engine speaks it: plugin info, schema,
 * provider configuration (stack config, the deprecated variables map, TWILIO_* fallback), and
 * each resource's Check and Diff. The plugin runs with TWILIO_* in its environment, as under
 * CI's environment secrets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScriptedTwilio } from './scripted';
import { ProviderClient, ROOT, secret, startPlugin, UNKNOWN, urnOf, type Plugin } from './plugin';

const AC = 'AC' + '0123456789abcdef'.repeat(2);
const SK = 'SK' + '9'.repeat(32);
const SD = 'SD' + '1'.repeat(32);
const CL = 'CL' + '2'.repeat(32);
const CR = 'CR' + '3'.repeat(32);
const PN = 'PN' + '4'.repeat(32);
const token = (name: string) => `sipline-twilio:index:${name}`;
const URN = {
  domain: urnOf(token('SipDomain'), 'sipline-domain'),
  list: urnOf(token('CredentialList'), 'sipline-credentials'),
  credential: urnOf(token('Credential'), 'sipline-cred-alice'),
  registration: urnOf(token('RegistrationCredentialListMapping'), 'sipline-registration-auth'),
  calls: urnOf(token('CallCredentialListMapping'), 'sipline-call-auth'),
  number: urnOf(token('PhoneNumberVoiceConfig'), 'sipline-number-14155550100'),
  permissions: urnOf(token('VoiceDialingPermissions'), 'sipline-dialing-permissions'),
};

let srv: ScriptedTwilio;
let plugin: Plugin;
let c: ProviderClient;

beforeAll(async () => {
  srv = await ScriptedTwilio.start();
  plugin = await startPlugin({ env: { TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'env-token', TWILIO_API_BASE_URL: srv.baseUrl } });
  c = new ProviderClient(plugin.client);
}, 90000);
afterAll(async () => {
  await plugin?.stop();
  await srv?.close();
});
afterEach(() => {
  const unexpected = [...srv.unexpected];
  srv.reset();
  expect(unexpected).toEqual([]);
});

const SCHEMA_FILE = path.join(ROOT, 'infra/provider/schema.json');

describe('what the engine asks first', () => {
  it('answers Handshake UNIMPLEMENTED, which the engine takes as "use Configure\'s answer" (provider_plugin.go handshake)', async () => {
    await expect(c.handshake()).rejects.toMatchObject({ code: 12 });
  });

  it('reports the schema version as the plugin version, and serves the package schema', async () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    expect(await c.getPluginInfo()).toBe(schema.version);
    expect(JSON.parse(await c.getSchema())).toEqual(schema);
    expect(schema.name).toBe('sipline-twilio');
    expect(Object.keys(schema.resources).sort()).toEqual(
      ['CallCredentialListMapping', 'Credential', 'CredentialList', 'PhoneNumberVoiceConfig', 'RegistrationCredentialListMapping', 'SipDomain', 'VoiceDialingPermissions'].map(token),
    );
  });
});

describe('provider configuration', () => {
  it('CheckConfig returns the secret keys secret, and never copies an environment value into state', async () => {
    expect(await c.checkConfig({ authToken: 'from-config' })).toEqual({ inputs: { authToken: secret('from-config') }, failures: [] });
    expect(await c.checkConfig({})).toEqual({ inputs: {}, failures: [] });
  });

  it('CheckConfig names each bad key and its environment variable', async () => {
    expect((await c.checkConfig({ accountSid: 'SK' + '0'.repeat(32) })).failures).toEqual([
      { property: 'accountSid', reason: `sipline-twilio:accountSid "SK${'0'.repeat(32)}" is not a AC sid (AC followed by 32 hex digits)` },
    ]);
    expect((await c.checkConfig({ apiKey: SK })).failures).toEqual([
      { property: 'apiSecret', reason: 'sipline-twilio:apiKey is set but sipline-twilio:apiSecret (or TWILIO_API_SECRET) is not' },
    ]);
    expect((await c.checkConfig({ apiBaseUrl: 'ftp://x' })).failures).toEqual([
      { property: 'apiBaseUrl', reason: 'sipline-twilio:apiBaseUrl "ftp://x" is not an http(s) URL (like https://api.twilio.com)' },
    ]);
  });

  it('CheckConfig returns the API key\'s secret secret too (the engine sends it plain)', async () => {
    expect(await c.checkConfig({ apiKey: SK, apiSecret: secret('key-secret') })).toEqual({ inputs: { apiKey: SK, apiSecret: secret('key-secret') }, failures: [] });
  });

  it('DiffConfig reports the keys that changed, a changed auth token included, and never replaces the provider', async () => {
    expect(await c.diffConfig({ authToken: secret('a') }, { authToken: secret('a') })).toEqual({ changes: 1, diffs: [] });
    // The engine sends both tokens plain (no KeepSecrets for DiffConfig): a rotated token is a change.
    expect(await c.diffConfig({ authToken: secret('a') }, { authToken: secret('b'), apiBaseUrl: 'https://x.example' })).toEqual({ changes: 2, diffs: ['authToken', 'apiBaseUrl'] });
  });

  const fetchDomain = (authorization: string) => {
    srv.authorization = authorization;
    srv.on('GET', `/2010-04-01/Accounts/${AC}/SIP/Domains/${SD}.json`).reply(200, { sid: SD, account_sid: AC, domain_name: 'acme.sip.twilio.com' });
    return c.read(URN.domain, SD, { outputs: { sid: SD, domainName: 'acme.sip.twilio.com' }, inputs: { domainName: 'acme.sip.twilio.com' } });
  };
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('falls back to TWILIO_* from the environment for what the stack config leaves out', async () => {
    // supportsPreview stays false: the engine answers preview Create/Update itself (server.ts).
    expect(await c.configure({})).toEqual({ acceptSecrets: true, supportsPreview: false });
    await fetchDomain(basic(AC, 'env-token'));
    srv.done();
  });

  it('takes the stack config first: a secret auth token', async () => {
    await c.configure({ authToken: secret('config-token') });
    await fetchDomain(basic(AC, 'config-token'));
    srv.done();
  });

  it('prefers an API key with its secret', async () => {
    await c.configure({ apiKey: SK, apiSecret: secret('key-secret') });
    await fetchDomain(basic(SK, 'key-secret'));
    srv.done();
  });

  it('reads the deprecated variables map when the engine sends no args', async () => {
    await c.configure({ authToken: 'vars-token' }, { variablesOnly: true });
    await fetchDomain(basic(AC, 'vars-token'));
    srv.done();
  });

  it('refuses a bad configuration with INVALID_ARGUMENT naming the key', async () => {
    await expect(c.configure({ accountSid: 'nope' })).rejects.toMatchObject({ code: 3, details: expect.stringContaining('sipline-twilio:accountSid "nope" is not a AC sid') });
    await c.configure({});
  });
});

describe('Check', () => {
  it('reports each bad field by name', async () => {
    const res = await c.check(URN.domain, { domainName: 'acme.example.com', voiceUrl: 'ftp://x', voiceMethod: 'PUT', emergencyCallerSid: 'PN1' });
    expect(res.failures.map((f) => f.property)).toEqual(['domainName', 'voiceUrl', 'voiceMethod', 'emergencyCallerSid']);
  });

  it('skips values unknown during preview (e.g. the sid of a list not created yet)', async () => {
    expect((await c.check(URN.credential, { credentialListSid: UNKNOWN, username: 'alice', password: UNKNOWN })).failures).toEqual([]);
    expect((await c.check(URN.permissions, { allowedCountries: ['US', UNKNOWN] })).failures).toEqual([]);
  });

  it('requires the required fields', async () => {
    expect((await c.check(URN.number, {})).failures).toEqual([
      { property: 'phoneNumber', reason: 'phoneNumber is required' },
      { property: 'voiceUrl', reason: 'voiceUrl is required' },
    ]);
    expect((await c.check(URN.permissions, { allowedCountries: ['us'] })).failures).toEqual([
      { property: 'allowedCountries', reason: 'allowedCountries: "us" is not an ISO 3166 alpha-2 code (like US)' },
    ]);
  });

  it('names an unknown resource type', async () => {
    await expect(c.check(urnOf(token('Trunk'), 't'), {})).rejects.toMatchObject({ details: expect.stringContaining('sipline-twilio has no resource type sipline-twilio:index:Trunk') });
  });
});

const UPDATE = (...diffs: string[]) => ({ changes: true, replaces: [], diffs, deleteBeforeReplace: false });
const NONE = { changes: false, replaces: [], diffs: [], deleteBeforeReplace: false };
const REPLACE = (...fields: string[]) => ({ changes: true, replaces: fields, diffs: fields, deleteBeforeReplace: true });

describe('Diff', () => {
  const domain = {
    domainName: 'acme.sip.twilio.com',
    friendlyName: 'Acme',
    voiceUrl: 'https://a.example/voice',
    voiceMethod: 'POST',
    voiceFallbackUrl: 'https://a.example/fallback',
    voiceFallbackMethod: 'POST',
    voiceStatusCallbackUrl: 'https://a.example/status',
    voiceStatusCallbackMethod: 'POST',
    sipRegistration: true,
    secure: false,
    emergencyCallingEnabled: false,
    emergencyCallerSid: PN,
  };

  it('SipDomain: no change for identical inputs; every field, domainName included, updates in place', async () => {
    expect(await c.diff(URN.domain, SD, { ...domain, sid: SD }, domain)).toEqual(NONE);
    for (const [field, value] of Object.entries({ domainName: 'other.sip.twilio.com', friendlyName: 'Acme 2', voiceUrl: 'https://b.example/v', voiceMethod: 'GET', voiceFallbackUrl: 'https://b.example/f', voiceFallbackMethod: 'GET', voiceStatusCallbackUrl: 'https://b.example/s', voiceStatusCallbackMethod: 'GET', sipRegistration: false, secure: true, emergencyCallingEnabled: true, emergencyCallerSid: 'PN' + '9'.repeat(32) })) {
      expect(await c.diff(URN.domain, SD, { ...domain, sid: SD }, { ...domain, [field]: value })).toEqual(UPDATE(field));
    }
  });

  it('SipDomain: an optional input not given is not managed; a value unknown during preview is a change', async () => {
    expect(await c.diff(URN.domain, SD, { ...domain, sid: SD }, { domainName: domain.domainName })).toEqual(NONE);
    expect(await c.diff(URN.domain, SD, { ...domain, sid: SD }, { ...domain, voiceUrl: UNKNOWN })).toEqual(UPDATE('voiceUrl'));
  });

  it('CredentialList: friendlyName updates in place', async () => {
    expect(await c.diff(URN.list, CL, { sid: CL, friendlyName: 'a' }, { friendlyName: 'b' })).toEqual(UPDATE('friendlyName'));
    expect(await c.diff(URN.list, CL, { sid: CL, friendlyName: 'a' }, { friendlyName: 'a' })).toEqual(NONE);
  });

  it('Credential: the password updates in place against the last applied (secret) value; list and username replace, deleting first', async () => {
    const olds = { sid: CR, credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') };
    const news = { credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') };
    const id = `${CL}/${CR}`;
    expect(await c.diff(URN.credential, id, olds, news)).toEqual(NONE);
    expect(await c.diff(URN.credential, id, olds, { ...news, password: secret('Other-Pass-22') })).toEqual(UPDATE('password'));
    const { password: _none, ...imported } = olds;
    expect(await c.diff(URN.credential, id, imported, news)).toEqual(UPDATE('password'));
    expect(await c.diff(URN.credential, id, olds, { ...news, username: 'bob' })).toEqual(REPLACE('username'));
    expect(await c.diff(URN.credential, id, olds, { ...news, credentialListSid: 'CL' + '8'.repeat(32) })).toEqual(REPLACE('credentialListSid'));
  });

  it.each([
    ['RegistrationCredentialListMapping', URN.registration],
    ['CallCredentialListMapping', URN.calls],
  ])('%s: any change replaces', async (_kind, urn) => {
    const olds = { domainSid: SD, credentialListSid: CL };
    expect(await c.diff(urn, `${SD}/${CL}`, olds, olds)).toEqual(NONE);
    expect(await c.diff(urn, `${SD}/${CL}`, olds, { ...olds, domainSid: 'SD' + '7'.repeat(32) })).toEqual(REPLACE('domainSid'));
    expect(await c.diff(urn, `${SD}/${CL}`, olds, { ...olds, credentialListSid: 'CL' + '7'.repeat(32) })).toEqual(REPLACE('credentialListSid'));
  });

  it('PhoneNumberVoiceConfig: phoneNumber replaces (restoring the old number first); settings update; a trunk found by refresh is a change', async () => {
    const inputs = { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in', voiceMethod: 'POST', voiceFallbackUrl: 'https://a.example/fb', voiceFallbackMethod: 'POST', statusCallback: 'https://a.example/st', statusCallbackMethod: 'POST' };
    const olds = { ...inputs, sid: PN, previous: { voiceUrl: '' } };
    expect(await c.diff(URN.number, PN, olds, inputs)).toEqual(NONE);
    expect(await c.diff(URN.number, PN, olds, { ...inputs, phoneNumber: '+14155550199' })).toEqual(REPLACE('phoneNumber'));
    expect(await c.diff(URN.number, PN, olds, { ...inputs, statusCallbackMethod: 'GET' })).toEqual(UPDATE('statusCallbackMethod'));
    expect(await c.diff(URN.number, PN, { ...olds, voiceApplicationSid: 'AP' + '1'.repeat(32) }, inputs)).toEqual(UPDATE('voiceApplicationSid'));
  });

  it('leaves out what ignoreChanges lists, though a refresh brought a console edit into the outputs', async () => {
    // The engine has put the old input back in place of an ignored one (processIgnoreChanges),
    // so the program's inputs are unchanged; the outputs hold what the refresh read.
    const refreshed = { ...domain, sid: SD, voiceUrl: 'https://console.example/voice', friendlyName: 'Renamed in the console' };
    expect(await c.diff(URN.domain, SD, refreshed, domain)).toEqual(UPDATE('friendlyName', 'voiceUrl'));
    expect(await c.diff(URN.domain, SD, refreshed, domain, domain, ['voiceUrl'])).toEqual(UPDATE('friendlyName'));
    expect(await c.diff(URN.domain, SD, refreshed, domain, domain, ['voiceUrl', '["friendlyName"]'])).toEqual(NONE);
    expect(await c.diff(URN.domain, SD, refreshed, domain, domain, ['*'])).toEqual(NONE);
    // A path into a property ignores part of it only: the property still compares.
    expect(await c.diff(URN.domain, SD, refreshed, domain, domain, ['voiceUrl.x', 'friendlyName[0]'])).toEqual(UPDATE('friendlyName', 'voiceUrl'));
    // A property that would replace is left out the same way, and nothing is deleted first.
    const mapping = { domainSid: SD, credentialListSid: CL };
    expect(await c.diff(URN.calls, `${SD}/${CL}`, { ...mapping, credentialListSid: 'CL' + '7'.repeat(32) }, mapping, mapping, ['credentialListSid'])).toEqual(NONE);
    // A trunk found by refresh still shows when the only other change is ignored.
    const number = { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in' };
    const TK = 'TK' + '2'.repeat(32);
    expect(await c.diff(URN.number, PN, { ...number, voiceUrl: 'https://console.example/in', sid: PN, trunkSid: TK, previous: {} }, number, number, ['voiceUrl'])).toEqual(UPDATE('trunkSid'));
  });

  it('tells the engine which property changes and how, comparing output-only properties on the outputs', async () => {
    const cred = { credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') };
    expect(await c.detailedDiff(URN.credential, `${CL}/${CR}`, { ...cred, sid: CR }, { ...cred, username: 'bob', password: secret('Other-Pass-22') })).toEqual({
      hasDetailedDiff: true,
      properties: { username: { kind: 'UPDATE_REPLACE', inputDiff: true }, password: { kind: 'UPDATE', inputDiff: true } },
    });
    const number = { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in' };
    // The trunk found by refresh is to go (the update fails until it is detached).
    expect(await c.detailedDiff(URN.number, PN, { ...number, sid: PN, trunkSid: 'TK' + '2'.repeat(32), previous: {} }, number)).toEqual({
      hasDetailedDiff: true,
      properties: { trunkSid: { kind: 'DELETE', inputDiff: false } },
    });
  });

  it('says ADD for a property that had no value: a fallback URL Twilio had unset, an imported credential\'s first password', async () => {
    const number = { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in' };
    // Twilio's "not set" ("" or null) never reaches the outputs (read compacts it away).
    expect(await c.detailedDiff(URN.number, PN, { ...number, sid: PN, previous: {} }, { ...number, voiceUrl: 'https://a.example/v2', voiceFallbackUrl: 'https://a.example/fb' })).toEqual({
      hasDetailedDiff: true,
      properties: { voiceUrl: { kind: 'UPDATE', inputDiff: true }, voiceFallbackUrl: { kind: 'ADD', inputDiff: true } },
    });
    const cred = { credentialListSid: CL, username: 'alice' };
    expect(await c.detailedDiff(URN.credential, `${CL}/${CR}`, { ...cred, sid: CR }, { ...cred, password: secret('Secret-Pass-1') })).toEqual({
      hasDetailedDiff: true,
      properties: { password: { kind: 'ADD', inputDiff: true } },
    });
    // A value still unknown during preview, where there was none, is added too.
    expect(await c.detailedDiff(URN.domain, SD, { domainName: 'acme.sip.twilio.com', sid: SD }, { domainName: 'acme.sip.twilio.com', voiceUrl: UNKNOWN })).toEqual({
      hasDetailedDiff: true,
      properties: { voiceUrl: { kind: 'ADD', inputDiff: true } },
    });
  });

  it('VoiceDialingPermissions: a changed list, or a console change Twilio reports, is an update', async () => {
    const olds = { allowedCountries: ['CA', 'US'], lowRiskCountries: ['CA', 'US'], highRiskCountries: [], previous: {} };
    expect(await c.diff(URN.permissions, AC, olds, { allowedCountries: ['US', 'CA'] })).toEqual(NONE);
    expect(await c.diff(URN.permissions, AC, olds, { allowedCountries: ['US'] })).toEqual(UPDATE('allowedCountries', 'lowRiskCountries'));
    expect(await c.diff(URN.permissions, AC, { ...olds, lowRiskCountries: ['CA', 'GB', 'US'] }, { allowedCountries: ['US', 'CA'] })).toEqual(UPDATE('lowRiskCountries'));
    expect(await c.diff(URN.permissions, AC, { ...olds, highRiskCountries: ['US'] }, { allowedCountries: ['US', 'CA'] })).toEqual(UPDATE('highRiskCountries'));
  });
});

/**
 * Behaviour of the real plugin process, started as the engine starts it (plugin.ts) and driven
 * over gRPC, against a scripted Twilio (scripted.ts) behind the real twilio SDK. Each test
 * declares exactly the requests it expects, in order, with their query and form body;
 * `srv.done()` fails on any other request and on any expected request not made.
 */
import { ScriptedTwilio } from './scripted';
import { getCountries } from 'libphonenumber-js';
import { initFailure, plain, ProviderClient, secret, startPlugin, UNKNOWN, urnOf, type Plugin } from './plugin';

const AC = 'AC' + '0123456789abcdef'.repeat(2);
const API = `/2010-04-01/Accounts/${AC}`;
const SD = 'SD' + '1'.repeat(32);
const CL = 'CL' + '2'.repeat(32);
const CR = 'CR' + '3'.repeat(32);
const PN = 'PN' + '4'.repeat(32);
const DOMAIN = 'acme.sip.twilio.com';

const URN = {
  domain: urnOf('sipline-twilio:index:SipDomain', 'sipline-domain'),
  list: urnOf('sipline-twilio:index:CredentialList', 'sipline-credentials'),
  credential: urnOf('sipline-twilio:index:Credential', 'sipline-cred-alice'),
  registration: urnOf('sipline-twilio:index:RegistrationCredentialListMapping', 'sipline-registration-auth'),
  calls: urnOf('sipline-twilio:index:CallCredentialListMapping', 'sipline-call-auth'),
  number: urnOf('sipline-twilio:index:PhoneNumberVoiceConfig', 'sipline-number-14155550100'),
  permissions: urnOf('sipline-twilio:index:VoiceDialingPermissions', 'sipline-dialing-permissions'),
};

let srv: ScriptedTwilio;
let plugin: Plugin;
let c: ProviderClient;

beforeAll(async () => {
  srv = await ScriptedTwilio.start();
  // Backoff waits of 1 ms instead of 200 ms and up: the same retries, without the seconds.
  plugin = await startPlugin({ env: { SIPLINE_TWILIO_RETRY_BASE_MS: '1' } });
  c = new ProviderClient(plugin.client);
  await c.configure({ accountSid: AC, authToken: secret('token'), apiBaseUrl: srv.baseUrl });
}, 90000);
afterAll(async () => {
  await plugin?.stop();
  await srv?.close();
});
beforeEach(() => {
  plugin.engine.logs.length = 0;
});
afterEach(() => {
  const unexpected = [...srv.unexpected];
  srv.reset();
  // Requests no test asked for (e.g. made after the test's own check) fail the test here.
  expect(unexpected).toEqual([]);
});

const twilio = () => {
  srv.authorization = `Basic ${Buffer.from(`${AC}:token`).toString('base64')}`;
  return srv;
};
const page = (key: string, items: object[], next: string | null = null) => ({ [key]: items, next_page_uri: next, page: 0, page_size: 1000, start: 0, end: items.length });
const ALL = { PageSize: '1000' };

const domainJson = (over: object = {}) => ({
  sid: SD,
  account_sid: AC,
  domain_name: DOMAIN,
  friendly_name: 'Acme',
  voice_url: 'https://api.example.com/voice',
  voice_method: 'POST',
  voice_fallback_url: null,
  voice_fallback_method: 'POST',
  voice_status_callback_url: null,
  voice_status_callback_method: 'POST',
  sip_registration: true,
  secure: false,
  emergency_calling_enabled: false,
  emergency_caller_sid: null,
  ...over,
});
const listJson = (over: object = {}) => ({ sid: CL, account_sid: AC, friendly_name: 'sipline dev', ...over });
const credJson = (over: object = {}) => ({ sid: CR, account_sid: AC, credential_list_sid: CL, username: 'alice', ...over });
const numberJson = (over: object = {}) => ({
  sid: PN,
  account_sid: AC,
  phone_number: '+14155550100',
  voice_url: 'https://old.example.com/voice',
  voice_method: 'GET',
  voice_fallback_url: '',
  voice_fallback_method: 'POST',
  status_callback: 'https://crm.example.com/status',
  status_callback_method: 'POST',
  voice_application_sid: '',
  trunk_sid: null,
  ...over,
});
const error = (status: number, code: number, message: string) => ({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

const domainInputs = { domainName: DOMAIN, friendlyName: 'Acme', voiceUrl: 'https://api.example.com/voice', sipRegistration: true };
const domainState = { ...domainInputs, sid: SD, voiceMethod: 'POST', secure: false };
const credInputs = { credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') };

describe('errors reach the engine as one message: the resource, Twilio\'s text and its error code', () => {
  it('a 400 during Create (the SDK turns it into a gRPC status carrying the text)', async () => {
    twilio()
      .on('POST', `${API}/SIP/Domains.json`, { body: { DomainName: DOMAIN, FriendlyName: 'Acme', VoiceUrl: 'https://api.example.com/voice', SipRegistration: 'true' } })
      .reply(400, error(400, 21233, 'Voice URL is not valid'));
    await expect(c.create(URN.domain, domainInputs)).rejects.toMatchObject({
      code: 2, // UNKNOWN, as the SDK's server answers every Create failure
      details: 'Twilio rejected SipDomain sipline-domain ("acme.sip.twilio.com"): Voice URL is not valid (Twilio error 21233, HTTP 400)',
    });
    srv.done();
  });

  it('a failure during Read, Update and Delete too (never a Twilio code taken for a gRPC code)', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(403, error(403, 20003, 'Authenticate'))
      .on('POST', `${API}/SIP/Domains/${SD}.json`)
      .reply(400, error(400, 21233, 'Voice URL is not valid'))
      .on('DELETE', `${API}/SIP/Domains/${SD}.json`, { times: 5 })
      .reply(500, error(500, 20500, 'Internal Server Error'));
    await expect(c.read(URN.domain, SD, { outputs: domainState, inputs: domainInputs })).rejects.toMatchObject({
      code: 2,
      details: 'Twilio rejected SipDomain sipline-domain ("acme.sip.twilio.com"): Authenticate (Twilio error 20003, HTTP 403)',
    });
    await expect(c.update(URN.domain, SD, domainState, { ...domainInputs, voiceUrl: 'https://api.example.com/v2' })).rejects.toMatchObject({
      details: 'Twilio rejected SipDomain sipline-domain ("acme.sip.twilio.com"): Voice URL is not valid (Twilio error 21233, HTTP 400)',
    });
    await expect(c.delete(URN.domain, SD, domainState)).rejects.toMatchObject({
      code: 2,
      details: 'Twilio failed on SipDomain sipline-domain ("acme.sip.twilio.com"): Internal Server Error (Twilio error 20500, HTTP 500)',
    });
    srv.done();
  });

  // The engine checks every resource before it creates or updates it and stops on a failure
  // (step_generator.go), so Check is where bad inputs are refused: no request reaches Twilio.
  it('refuses bad inputs in Check, before any request (any would be unexpected), naming the field', async () => {
    const failures = async (urn: string, news: Record<string, unknown>, olds: Record<string, unknown> = {}) => (await c.check(urn, news, olds)).failures;
    expect(await failures(URN.credential, { ...credInputs, password: secret('short') })).toEqual([
      { property: 'password', reason: expect.stringMatching(/^password breaks Twilio's password policy: it needs at least 12 characters/) },
    ]);
    expect(await failures(URN.domain, { domainName: 'acme.example.com' })).toEqual([{ property: 'domainName', reason: expect.stringContaining('must end with ".sip.twilio.com"') }]);
    expect(await failures(URN.number, { phoneNumber: '4155550100', voiceUrl: 'https://a.example/' })).toEqual([{ property: 'phoneNumber', reason: expect.stringContaining('not an E.164 number') }]);
    // An update's Check: the old inputs and the new ones.
    expect(await failures(URN.domain, { ...domainInputs, voiceMethod: 'PUT' }, domainInputs)).toEqual([{ property: 'voiceMethod', reason: 'voiceMethod "PUT" must be one of GET, POST' }]);
    expect(srv.requests).toEqual([]);
  });

  it('never echoes a password in a failure', async () => {
    const res = await c.check(URN.credential, { ...credInputs, password: secret('alllowercase-no-digit') });
    expect(res.failures).toHaveLength(1);
    expect(res.failures[0].reason).not.toContain('alllowercase');
  });
});

describe('creating N credentials costs N requests; a lookup only when Twilio says the object exists', () => {
  it('creates 25 credentials in parallel with 25 POSTs and nothing else', async () => {
    const users = Array.from({ length: 25 }, (_, i) => ({ username: `user${i}`, sid: `CR${String(i).padStart(32, 'a')}`, password: `Secret-Pass-${i}` }));
    // Each user's own request (username and password), answered with its own credential.
    for (const u of users) {
      twilio()
        .on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`, { body: { Username: u.username, Password: u.password } })
        .reply(201, credJson({ sid: u.sid, username: u.username }));
    }
    const created = await Promise.all(users.map((u) => c.create(urnOf('sipline-twilio:index:Credential', `sipline-cred-${u.username}`), { ...credInputs, username: u.username, password: secret(u.password) })));
    srv.done();
    expect(srv.requests.map((r) => r.method)).toEqual(Array(25).fill('POST'));
    expect(created).toEqual(users.map((u) => ({ id: `${CL}/${u.sid}`, outputs: { sid: u.sid, credentialListSid: CL, username: u.username, password: secret(u.password) } })));
  });

  it('adopts a credential whose username is taken (Twilio error 21243): one list, then its password set', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`, { body: { Username: 'alice', Password: 'Secret-Pass-1' } })
      .reply(400, error(400, 21243, 'Credential Validation Error'))
      .on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials.json`, { query: ALL })
      .reply(200, page('credentials', [credJson({ sid: 'CR' + '7'.repeat(32), username: 'bob' }), credJson()]))
      .on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`, { body: { Password: 'Secret-Pass-1' } })
      .reply(200, credJson());
    const res = await c.create(URN.credential, credInputs);
    srv.done();
    expect(res).toEqual({ id: `${CL}/${CR}`, outputs: { sid: CR, credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') } });
    expect(plugin.engine.logs).toEqual([{ severity: 'WARNING', urn: URN.credential, message: `adopted the existing credential ${CR} ("alice") in ${CL} and set its password` }]);
  });

  it('reports the 21243 as Twilio gave it when no credential has the username (the password was refused)', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`)
      .reply(400, error(400, 21243, 'Credential Validation Error'))
      .on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials.json`, { query: ALL })
      .reply(200, page('credentials', []));
    await expect(c.create(URN.credential, credInputs)).rejects.toMatchObject({
      details: `Twilio rejected Credential sipline-cred-alice ("alice" in ${CL}): Credential Validation Error (Twilio error 21243, HTTP 400)`,
    });
    srv.done();
  });

  it('adopts a domain of the same name in the account (Twilio error 21232) and applies the settings', async () => {
    twilio()
      .on('POST', `${API}/SIP/Domains.json`)
      .reply(400, error(400, 21232, 'Invalid Domain'))
      .on('GET', `${API}/SIP/Domains.json`, { query: ALL })
      .reply(200, page('domains', [domainJson({ sid: 'SD' + '5'.repeat(32), domain_name: 'other.sip.twilio.com' })], `${API}/SIP/Domains.json?Page=1&PageSize=1000`))
      .on('GET', `${API}/SIP/Domains.json`, { query: { Page: '1', PageSize: '1000' } })
      .reply(200, page('domains', [domainJson({ domain_name: 'ACME.sip.twilio.com', voice_url: null })]))
      .on('POST', `${API}/SIP/Domains/${SD}.json`, { body: { FriendlyName: 'Acme', VoiceUrl: 'https://api.example.com/voice', SipRegistration: 'true' } })
      .reply(200, domainJson());
    const res = await c.create(URN.domain, domainInputs);
    srv.done();
    expect(res).toMatchObject({ id: SD, outputs: { sid: SD, voiceUrl: 'https://api.example.com/voice' } });
    expect(plugin.engine.logs.map((l) => l.message)).toEqual([`adopted the existing SIP domain ${SD} (ACME.sip.twilio.com) of account ${AC}`]);
  });

  it('reports 21232 for a domain name another account holds', async () => {
    twilio()
      .on('POST', `${API}/SIP/Domains.json`)
      .reply(400, error(400, 21232, 'Invalid Domain'))
      .on('GET', `${API}/SIP/Domains.json`, { query: ALL })
      .reply(200, page('domains', []));
    await expect(c.create(URN.domain, domainInputs)).rejects.toMatchObject({ details: expect.stringContaining('Invalid Domain (Twilio error 21232, HTTP 400)') });
    srv.done();
  });

  it('adopts a credential list with the same friendly name (Twilio error 21240), refusing to guess between two', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists.json`, { body: { FriendlyName: 'sipline dev' } })
      .reply(400, error(400, 21240, 'Credential List Validation Error'))
      .on('GET', `${API}/SIP/CredentialLists.json`, { query: ALL })
      .reply(200, page('credential_lists', [listJson()]));
    expect(await c.create(URN.list, { friendlyName: 'sipline dev' })).toEqual({ id: CL, outputs: { sid: CL, friendlyName: 'sipline dev' } });
    srv.done();
    twilio()
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(400, error(400, 21240, 'Credential List Validation Error'))
      .on('GET', `${API}/SIP/CredentialLists.json`, { query: ALL })
      .reply(200, page('credential_lists', [listJson(), listJson({ sid: 'CL' + '6'.repeat(32) })]));
    await expect(c.create(URN.list, { friendlyName: 'sipline dev' })).rejects.toMatchObject({ details: expect.stringContaining('has 2 credential lists named "sipline dev"') });
    srv.done();
  });

  it.each([
    ['registration', URN.registration, 'Registrations'],
    ['calls', URN.calls, 'Calls'],
  ])('adopts an existing %s mapping after a 400 with one GET of that mapping', async (_kind, urn, path) => {
    twilio()
      .on('POST', `${API}/SIP/Domains/${SD}/Auth/${path}/CredentialListMappings.json`, { body: { CredentialListSid: CL } })
      .reply(400, error(400, 21231, 'Domain Validation Error'))
      .on('GET', `${API}/SIP/Domains/${SD}/Auth/${path}/CredentialListMappings/${CL}.json`)
      .reply(200, { sid: CL, account_sid: AC, domain_sid: SD, friendly_name: 'x' });
    expect(await c.create(urn, { domainSid: SD, credentialListSid: CL })).toEqual({ id: `${SD}/${CL}`, outputs: { domainSid: SD, credentialListSid: CL } });
    srv.done();
  });

  it('after a create answered 503, looks again and adopts what that create made instead of posting twice', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists.json`, { body: { FriendlyName: 'sipline dev' } })
      .reply(503, error(503, 20503, 'Service unavailable'))
      .on('GET', `${API}/SIP/CredentialLists.json`, { query: ALL })
      .reply(200, page('credential_lists', [listJson()]));
    expect((await c.create(URN.list, { friendlyName: 'sipline dev' })).id).toBe(CL);
    srv.done();
    expect(plugin.engine.logs[0]).toMatchObject({ severity: 'INFO', message: expect.stringMatching(/^Twilio answered 503 for CredentialList sipline-credentials \("sipline dev"\); retry 1 of 4 in \d+ ms$/) });
  });

  it('after a create answered 503 that made nothing, creates again', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(503, error(503, 20503, 'Service unavailable'))
      .on('GET', `${API}/SIP/CredentialLists.json`, { query: ALL })
      .reply(200, page('credential_lists', []))
      .on('POST', `${API}/SIP/CredentialLists.json`, { body: { FriendlyName: 'sipline dev' } })
      .reply(201, listJson());
    expect((await c.create(URN.list, { friendlyName: 'sipline dev' })).id).toBe(CL);
    srv.done();
  });
});

describe('read reports drift made in the Twilio console', () => {
  it('shows a domain voice URL edited in the console, and diff then plans an update back', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson({ voice_url: 'https://evil.example.com/' }));
    const read = await c.read(URN.domain, SD, { outputs: domainState, inputs: domainInputs });
    srv.done();
    expect(read).toMatchObject({ id: SD, outputs: { voiceUrl: 'https://evil.example.com/' }, inputs: undefined });
    expect(await c.diff(URN.domain, SD, read.outputs, domainInputs)).toEqual({ changes: true, replaces: [], diffs: ['voiceUrl'], deleteBeforeReplace: false });
  });

  it('shows no change when the console matches the state', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson());
    const read = await c.read(URN.domain, SD, { outputs: domainState, inputs: domainInputs });
    srv.done();
    expect(read.outputs).toEqual({ ...domainState, voiceFallbackMethod: 'POST', voiceStatusCallbackMethod: 'POST', emergencyCallingEnabled: false });
    expect((await c.diff(URN.domain, SD, read.outputs, domainInputs)).changes).toBe(false);
  });

  it.each([
    ['the domain', URN.domain, SD, `${API}/SIP/Domains/${SD}.json`],
    ['a credential list', URN.list, CL, `${API}/SIP/CredentialLists/${CL}.json`],
    ['a credential', URN.credential, `${CL}/${CR}`, `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`],
    ['a call mapping', URN.calls, `${SD}/${CL}`, `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings/${CL}.json`],
    ['a registration mapping', URN.registration, `${SD}/${CL}`, `${API}/SIP/Domains/${SD}/Auth/Registrations/CredentialListMappings/${CL}.json`],
    ['a number (released)', URN.number, PN, `${API}/IncomingPhoneNumbers/${PN}.json`],
  ])('reports %s deleted in the console as gone (404 -> empty id)', async (_what, urn, id, path) => {
    twilio().on('GET', path).reply(404, error(404, 20404, 'The requested resource was not found'));
    expect(await c.read(urn, id, { outputs: { sid: 'x' }, inputs: {} })).toEqual({ id: '', outputs: {}, inputs: undefined });
    srv.done();
  });

  it('keeps the last applied password when reading a credential (Twilio never returns it), still secret', async () => {
    twilio().on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`).reply(200, credJson());
    const read = await c.read(URN.credential, `${CL}/${CR}`, { outputs: { sid: CR, ...credInputs }, inputs: credInputs });
    srv.done();
    expect(read.outputs).toEqual({ sid: CR, credentialListSid: CL, username: 'alice', password: secret('Secret-Pass-1') });
  });
});

describe('PhoneNumberVoiceConfig never buys nor releases a number, and puts back only what it set', () => {
  const inputs = { phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/inbound', voiceMethod: 'POST', voiceFallbackUrl: 'https://api.example.com/fallback' };

  it('looks the number up, records the settings it will change and sets only those', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } })
      // The filter also matches partial numbers: only the exact one counts.
      .reply(200, page('incoming_phone_numbers', [numberJson({ sid: 'PN' + '8'.repeat(32), phone_number: '+141555501001' }), numberJson()]))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: inputs.voiceUrl, VoiceMethod: 'POST', VoiceFallbackUrl: inputs.voiceFallbackUrl } })
      .reply(200, numberJson({ voice_url: inputs.voiceUrl, voice_method: 'POST', voice_fallback_url: inputs.voiceFallbackUrl }));
    const res = await c.create(URN.number, inputs);
    srv.done();
    expect(res).toEqual({
      id: PN,
      outputs: {
        sid: PN,
        phoneNumber: '+14155550100',
        voiceUrl: inputs.voiceUrl,
        voiceMethod: 'POST',
        voiceFallbackUrl: inputs.voiceFallbackUrl,
        voiceFallbackMethod: 'POST',
        statusCallback: 'https://crm.example.com/status',
        statusCallbackMethod: 'POST',
        // statusCallback is not sipline's: not recorded, so never restored.
        previous: { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '' },
      },
    });
  });

  it('on delete restores only the settings it changed (clearing a URL that was empty), and never DELETEs the number', async () => {
    const previous = { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '' };
    twilio()
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: 'https://old.example.com/voice', VoiceMethod: 'GET', VoiceFallbackUrl: '' } })
      .reply(200, numberJson());
    await c.delete(URN.number, PN, { ...inputs, sid: PN, previous });
    srv.done(); // a DELETE (release) or any other field would be unexpected
  });

  it('a create whose POST failed with a 5xx (which may have applied it) leaves the engine the settings to restore', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } })
      .reply(200, page('incoming_phone_numbers', [numberJson()]))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { times: 5 })
      .reply(503, error(503, 20503, 'Service unavailable'));
    const failed = await c.create(URN.number, inputs).catch((e: unknown) => e);
    srv.done();
    expect(failed).toMatchObject({
      details:
        'Twilio failed on PhoneNumberVoiceConfig sipline-number-14155550100 (+14155550100): Service unavailable (Twilio error 20503, HTTP 503); ' +
        'the number may have changed all the same: the state keeps the settings it had before, which pulumi destroy restores, and pulumi up sets the new ones again',
    });
    // Without it, the next up would read sipline's own URL as the one to restore.
    const previous = { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '' };
    const partial = initFailure(failed);
    expect(partial).toMatchObject({ id: PN, properties: { sid: PN, phoneNumber: '+14155550100', voiceUrl: 'https://old.example.com/voice', previous } });
    twilio().on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: previous.voiceUrl, VoiceMethod: 'GET', VoiceFallbackUrl: '' } }).reply(200, numberJson());
    await c.delete(URN.number, PN, partial!.properties);
    srv.done();
  });

  it('on delete of a number released meanwhile does nothing more', async () => {
    twilio().on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(404, error(404, 20404, 'Not found'));
    await c.delete(URN.number, PN, { ...inputs, sid: PN, previous: { voiceUrl: '' } });
    srv.done();
  });

  it('fails, naming the number and the account, when the account does not own it', async () => {
    twilio().on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } }).reply(200, page('incoming_phone_numbers', []));
    await expect(c.create(URN.number, inputs)).rejects.toMatchObject({
      details: expect.stringMatching(new RegExp(`^PhoneNumberVoiceConfig sipline-number-14155550100 \\(\\+14155550100\\): Phone number \\+14155550100 is not owned by Twilio account ${AC}.*never buys`)),
    });
    srv.done();
  });

  it.each([
    ['a voice application', { voice_application_sid: 'AP' + '1'.repeat(32) }, `VoiceApplicationSid AP${'1'.repeat(32)}`],
    ['a SIP trunk', { trunk_sid: 'TK' + '2'.repeat(32) }, `TrunkSid TK${'2'.repeat(32)}`],
  ])('refuses a number routed by %s, whose VoiceUrl Twilio would ignore, and changes nothing', async (_what, routed, named) => {
    twilio().on('GET', `${API}/IncomingPhoneNumbers.json`, { query: true }).reply(200, page('incoming_phone_numbers', [numberJson(routed)]));
    await expect(c.create(URN.number, inputs)).rejects.toMatchObject({
      details: expect.stringContaining(`Phone number +14155550100 (${PN}) is routed by ${named}, so Twilio would ignore voiceUrl; detach it in the Twilio console first`),
    });
    srv.done(); // and no POST
  });

  it('update checks the live number, records the previous value of a newly managed setting, keeps the rest', async () => {
    const olds = { ...inputs, sid: PN, previous: { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '' } };
    const news = { ...inputs, voiceUrl: 'https://api.example.com/v2/inbound', voiceFallbackMethod: 'POST' };
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`)
      .reply(200, numberJson({ voice_url: inputs.voiceUrl, voice_method: 'POST', voice_fallback_url: inputs.voiceFallbackUrl, voice_fallback_method: 'GET' }))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: news.voiceUrl, VoiceMethod: 'POST', VoiceFallbackUrl: inputs.voiceFallbackUrl, VoiceFallbackMethod: 'POST' } })
      .reply(200, numberJson({ voice_url: news.voiceUrl, voice_method: 'POST', voice_fallback_url: inputs.voiceFallbackUrl }));
    const outs = await c.update(URN.number, PN, olds, news);
    srv.done();
    expect(outs.previous).toEqual({ ...olds.previous, voiceFallbackMethod: 'GET' });
  });

  it('after a refresh that found a trunk, plans an update even with unchanged inputs, and that update fails naming it', async () => {
    const TK = 'TK' + '2'.repeat(32);
    const olds = { ...inputs, sid: PN, previous: { voiceUrl: '' } };
    twilio().on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, numberJson({ voice_url: inputs.voiceUrl, voice_method: 'POST', voice_fallback_url: inputs.voiceFallbackUrl, trunk_sid: TK }));
    const read = await c.read(URN.number, PN, { outputs: olds, inputs });
    expect(read.outputs).toMatchObject({ trunkSid: TK, previous: { voiceUrl: '' } });
    expect(await c.diff(URN.number, PN, read.outputs, inputs)).toEqual({ changes: true, replaces: [], diffs: ['trunkSid'], deleteBeforeReplace: false });
    twilio().on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, numberJson({ trunk_sid: TK }));
    await expect(c.update(URN.number, PN, read.outputs, inputs)).rejects.toMatchObject({ details: expect.stringContaining(`is routed by TrunkSid ${TK}`) });
    srv.done();
  });
});

describe('VoiceDialingPermissions: a failure after some countries changed leaves the engine what it needs to put them all back', () => {
  const VOICE = '/v1/DialingPermissions';
  // Every country Twilio lists (about 245: three BulkCountryUpdates of at most 100), open to
  // low-risk numbers as a new account is for its own region; the US also has high-risk special
  // numbers on, GB everything, CA nothing. US and CA come last, in the third request.
  const ISO = [...getCountries().filter((c) => c !== 'US' && c !== 'CA'), 'US', 'CA'];
  const original: Record<string, string> = Object.fromEntries(ISO.map((iso) => [iso, ({ US: '110', GB: '111', CA: '000' } as Record<string, string>)[iso] ?? '100']));
  const countryJson = (iso: string, flags: string) => ({
    iso_code: iso,
    name: iso,
    continent: 'EUROPE',
    country_codes: ['+1'],
    low_risk_numbers_enabled: flags[0] === '1',
    high_risk_special_numbers_enabled: flags[1] === '1',
    high_risk_tollfraud_numbers_enabled: flags[2] === '1',
    url: `https://voice.twilio.com${VOICE}/Countries/${iso}`,
    links: {},
  });
  const countries = (flags: Record<string, string>) => ({
    content: ISO.map((iso) => countryJson(iso, flags[iso])),
    meta: { page: 0, page_size: 1000, first_page_url: '', previous_page_url: null, url: '', next_page_url: null, key: 'content' },
  });
  const accepted = (n: number) => ({ update_count: n, update_request: 'accepted' });
  /** What each BulkCountryUpdates request set, as flags by country. */
  const sent = () =>
    srv.requests
      .filter((r) => r.method === 'POST')
      .map((r) =>
        Object.fromEntries(
          (JSON.parse(r.body.UpdateRequest) as Array<Record<string, string>>).map((u) => [
            u.iso_code,
            [u.low_risk_numbers_enabled, u.high_risk_special_numbers_enabled, u.high_risk_tollfraud_numbers_enabled].map((b) => (b === 'true' ? '1' : '0')).join(''),
          ]),
        ),
      );
  const inputs = { allowedCountries: ['US', 'CA'] };

  it('create fails on its second request: the engine gets the account, the first 100 changes and the previous permissions of all; the next up and a destroy restore every country', async () => {
    expect(ISO.length).toBeGreaterThan(200);
    twilio()
      .on('GET', `${VOICE}/Countries`, { query: ALL })
      .reply(200, countries(original))
      .on('POST', `${VOICE}/BulkCountryUpdates`)
      .reply(201, accepted(100))
      .on('POST', `${VOICE}/BulkCountryUpdates`, { times: 5 })
      .reply(503, error(503, 20503, 'Service unavailable'));
    const failed = await c.create(URN.permissions, inputs).catch((e: unknown) => e);
    srv.done();
    const [first, second] = sent();
    expect(Object.keys(first)).toEqual(ISO.slice(0, 100));
    expect(Object.keys(second)).toEqual(ISO.slice(100, 200));
    const message =
      'Twilio failed on VoiceDialingPermissions sipline-dialing-permissions (the account): Service unavailable (Twilio error 20503, HTTP 503); ' +
      `Twilio had applied 100 of the ${ISO.length} country changes before it; the state keeps the previous permissions of every country this changes, so pulumi up applies the rest and pulumi destroy restores them all`;
    expect(failed).toMatchObject({ code: 2, details: message });
    // What the engine records (StatusPartialFailure): the id, the outputs as far as Twilio took
    // them, and every country's permissions before the change, the ones not reached yet included.
    const afterFirst = { ...original, ...first };
    const where = (test: (f: string) => boolean) => ISO.filter((iso) => test(afterFirst[iso])).sort();
    const partial = initFailure(failed);
    expect(partial).toEqual({
      id: AC,
      properties: { allowedCountries: ['CA', 'US'], lowRiskCountries: where((f) => f[0] === '1'), highRiskCountries: where((f) => f[1] === '1' || f[2] === '1'), previous: original },
      reasons: [message],
    });

    // The next `pulumi up` (an update: the diff shows what is left, and the init error forces
    // one anyway) reads the countries as the first request left them and applies the rest; its
    // own failure, after one more request, keeps the previous permissions recorded the first time.
    srv.reset();
    const state = partial!.properties;
    expect(await c.diff(URN.permissions, AC, state, inputs)).toMatchObject({ changes: true, diffs: ['lowRiskCountries', 'highRiskCountries'] });
    twilio()
      .on('GET', `${VOICE}/Countries`, { query: ALL })
      .reply(200, countries(afterFirst))
      .on('POST', `${VOICE}/BulkCountryUpdates`)
      .reply(201, accepted(100))
      .on('POST', `${VOICE}/BulkCountryUpdates`)
      .reply(400, error(400, 20001, 'Invalid UpdateRequest'));
    const failedAgain = await c.update(URN.permissions, AC, state, inputs).catch((e: unknown) => e);
    srv.done();
    const [third] = sent();
    expect(Object.keys(third)).toEqual(ISO.slice(100, 200));
    expect(initFailure(failedAgain)).toMatchObject({ id: AC, properties: { previous: original } });

    // `pulumi destroy` restores every country the stack changed, as it was.
    srv.reset();
    twilio().on('POST', `${VOICE}/BulkCountryUpdates`, { times: 3 }).reply(201, accepted(100));
    await c.delete(URN.permissions, AC, initFailure(failedAgain)!.properties);
    srv.done();
    expect(sent().map((r) => Object.keys(r).length)).toEqual([100, 100, ISO.length - 200]);
    expect(Object.assign({}, ...sent())).toEqual(original);
  });

  it('a first request refused (4xx) changed nothing: a plain failure, and the engine records no state', async () => {
    twilio()
      .on('GET', `${VOICE}/Countries`, { query: ALL })
      .reply(200, countries(original))
      .on('POST', `${VOICE}/BulkCountryUpdates`)
      .reply(400, error(400, 20001, 'Invalid UpdateRequest'));
    const failed = await c.create(URN.permissions, inputs).catch((e: unknown) => e);
    srv.done();
    expect(failed).toMatchObject({ code: 2, details: 'Twilio rejected VoiceDialingPermissions sipline-dialing-permissions (the account): Invalid UpdateRequest (Twilio error 20001, HTTP 400)' });
    expect(initFailure(failed)).toBeUndefined();
  });

  it('a first request that failed with a 5xx may have been applied: the engine records the previous permissions', async () => {
    twilio()
      .on('GET', `${VOICE}/Countries`, { query: ALL })
      .reply(200, countries(original))
      .on('POST', `${VOICE}/BulkCountryUpdates`, { times: 5 })
      .reply(500, error(500, 20500, 'Internal Server Error'));
    const failed = await c.create(URN.permissions, inputs).catch((e: unknown) => e);
    srv.done();
    expect(failed).toMatchObject({ details: expect.stringContaining(`HTTP 500); the failed request may have applied some of the ${ISO.length} country changes; the state keeps`) });
    expect(initFailure(failed)).toMatchObject({ id: AC, properties: { previous: original } });
  });
});

describe('domainName changes rename the domain in place', () => {
  it('diff plans an update, not a replacement, and update sends DomainName with the settings', async () => {
    const news = { ...domainInputs, domainName: 'acme-new.sip.twilio.com' };
    expect(await c.diff(URN.domain, SD, domainState, news)).toEqual({ changes: true, replaces: [], diffs: ['domainName'], deleteBeforeReplace: false });
    twilio()
      .on('POST', `${API}/SIP/Domains/${SD}.json`, { body: { DomainName: 'acme-new.sip.twilio.com', FriendlyName: 'Acme', VoiceUrl: 'https://api.example.com/voice', SipRegistration: 'true' } })
      .reply(200, domainJson({ domain_name: 'acme-new.sip.twilio.com' }));
    expect(await c.update(URN.domain, SD, domainState, news)).toMatchObject({ sid: SD, domainName: 'acme-new.sip.twilio.com' });
    srv.done(); // no DELETE, no create
  });

  it('treats a change of case as no change (DNS names)', async () => {
    expect((await c.diff(URN.domain, SD, domainState, { ...domainInputs, domainName: 'ACME.sip.twilio.com' })).changes).toBe(false);
  });
});

describe('retries', () => {
  it('retries a 429 (through the SDK) and succeeds', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(429, error(429, 20429, 'Too Many Requests'))
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(200, domainJson());
    expect((await c.read(URN.domain, SD, { outputs: domainState, inputs: domainInputs })).id).toBe(SD);
    srv.done();
  });

  it('retries a 429 on a create too: Twilio did not act on it', async () => {
    twilio()
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(429, error(429, 20429, 'Too Many Requests'))
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(201, listJson());
    expect((await c.create(URN.list, { friendlyName: 'sipline dev' })).id).toBe(CL);
    srv.done();
  });

  it('retries 503 on idempotent requests, telling the engine, then succeeds', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}.json`, { times: 3 })
      .reply(503, error(503, 20503, 'Service unavailable'))
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(200, domainJson());
    expect((await c.read(URN.domain, SD, { outputs: domainState, inputs: domainInputs })).id).toBe(SD);
    srv.done();
    expect(plugin.engine.logs.map((l) => l.message.replace(/\d+ ms$/, 'N ms'))).toEqual([1, 2, 3].map((n) => `Twilio answered 503 for SipDomain sipline-domain ("acme.sip.twilio.com"); retry ${n} of 4 in N ms`));
  });

  it('deleting something already deleted succeeds', async () => {
    twilio().on('DELETE', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`).reply(404, error(404, 20404, 'Not found'));
    await c.delete(URN.credential, `${CL}/${CR}`, { sid: CR, ...credInputs });
    srv.done();
  });
});

describe('import: Read from the id alone returns the inputs, so a matching program shows no diff', () => {
  it('a domain (SD...)', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson());
    const read = await c.read(URN.domain, SD);
    srv.done();
    expect(read.inputs).toEqual({ domainName: DOMAIN, friendlyName: 'Acme', voiceUrl: 'https://api.example.com/voice', voiceMethod: 'POST', voiceFallbackMethod: 'POST', voiceStatusCallbackMethod: 'POST', sipRegistration: true, secure: false, emergencyCallingEnabled: false });
    expect((await c.check(URN.domain, read.inputs!, read.inputs!)).failures).toEqual([]);
    expect((await c.diff(URN.domain, SD, read.outputs, { ...domainInputs, secure: false })).changes).toBe(false);
  });

  it('a credential (CL.../CR...): no password to read, so the program\'s password is set by the next update', async () => {
    twilio().on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`).reply(200, credJson());
    const read = await c.read(URN.credential, `${CL}/${CR}`);
    srv.done();
    expect(read).toEqual({ id: `${CL}/${CR}`, outputs: { sid: CR, credentialListSid: CL, username: 'alice' }, inputs: { credentialListSid: CL, username: 'alice' } });
    // The import's own Check accepts it; a new credential without a password is refused.
    expect((await c.check(URN.credential, read.inputs!, read.inputs!)).failures).toEqual([]);
    expect((await c.check(URN.credential, read.inputs!)).failures).toEqual([{ property: 'password', reason: 'password is required' }]);
    expect(await c.diff(URN.credential, read.id, read.outputs, credInputs)).toMatchObject({ changes: true, diffs: ['password'], replaces: [] });
  });

  it('a mapping (SD.../CL...)', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings/${CL}.json`).reply(200, { sid: CL, account_sid: AC, domain_sid: SD, friendly_name: 'x' });
    const read = await c.read(URN.calls, `${SD}/${CL}`);
    srv.done();
    expect(read.inputs).toEqual({ domainSid: SD, credentialListSid: CL });
    expect((await c.diff(URN.calls, read.id, read.outputs, { domainSid: SD, credentialListSid: CL })).changes).toBe(false);
  });

  it('a number (PN...): the settings found are what destroy leaves', async () => {
    twilio().on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, numberJson());
    const read = await c.read(URN.number, PN);
    srv.done();
    expect(read.inputs).toEqual({
      phoneNumber: '+14155550100',
      voiceUrl: 'https://old.example.com/voice',
      voiceMethod: 'GET',
      voiceFallbackMethod: 'POST',
      statusCallback: 'https://crm.example.com/status',
      statusCallbackMethod: 'POST',
    });
    expect(read.outputs.previous).toEqual({ voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackMethod: 'POST', statusCallback: 'https://crm.example.com/status', statusCallbackMethod: 'POST' });
    expect((await c.diff(URN.number, PN, read.outputs, { phoneNumber: '+14155550100', voiceUrl: 'https://old.example.com/voice' })).changes).toBe(false);
  });

  it('names the expected form of a malformed id', async () => {
    await expect(c.read(URN.credential, CR)).rejects.toMatchObject({ details: expect.stringContaining(`sipline-twilio:index:Credential id "${CR}" is not CL.../CR...`) });
    await expect(c.read(URN.calls, CL)).rejects.toMatchObject({ details: expect.stringContaining('is not SD.../CL...') });
  });

  it.each([
    ['a domain name given as a SipDomain id', URN.domain, DOMAIN, `SipDomain sipline-domain (${DOMAIN}): sipline-twilio:index:SipDomain id "${DOMAIN}" is not SD... (SD followed by 32 hex digits)`],
    ['a domain sid given as a CredentialList id', URN.list, SD, `CredentialList sipline-credentials (${SD}): sipline-twilio:index:CredentialList id "${SD}" is not CL... (CL followed by 32 hex digits)`],
    ['a number given as a PhoneNumberVoiceConfig id', URN.number, '+14155550100', 'PhoneNumberVoiceConfig sipline-number-14155550100 (+14155550100): sipline-twilio:index:PhoneNumberVoiceConfig id "+14155550100" is not PN... (PN followed by 32 hex digits)'],
    ['a truncated sid given as a VoiceDialingPermissions id', URN.permissions, AC.slice(0, 20), `VoiceDialingPermissions sipline-dialing-permissions (${AC.slice(0, 20)}): sipline-twilio:index:VoiceDialingPermissions id "${AC.slice(0, 20)}" is not AC... (AC followed by 32 hex digits)`],
  ])('refuses %s before any request (any would be unexpected), naming the form', async (_what, urn, id, message) => {
    await expect(c.read(urn, id)).rejects.toMatchObject({ details: message });
    // Whatever put it in the state, update and delete refuse it as well.
    await expect(c.delete(urn, id, { sid: id })).rejects.toMatchObject({ details: expect.stringContaining(message.split(': ')[1]) });
    expect(srv.requests).toEqual([]);
  });

  it.each([
    ['a domain', URN.domain, SD, 'SipDomain sipline-domain', 'SipDomain', `${API}/SIP/Domains/${SD}.json`],
    ['a credential list', URN.list, CL, 'CredentialList sipline-credentials', 'CredentialList', `${API}/SIP/CredentialLists/${CL}.json`],
    ['a credential', URN.credential, `${CL}/${CR}`, 'Credential sipline-cred-alice', 'Credential', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`],
    ['a call mapping', URN.calls, `${SD}/${CL}`, 'CallCredentialListMapping sipline-call-auth', 'CallCredentialListMapping', `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings/${CL}.json`],
    ['a registration mapping', URN.registration, `${SD}/${CL}`, 'RegistrationCredentialListMapping sipline-registration-auth', 'RegistrationCredentialListMapping', `${API}/SIP/Domains/${SD}/Auth/Registrations/CredentialListMappings/${CL}.json`],
    ['a number', URN.number, PN, 'PhoneNumberVoiceConfig sipline-number-14155550100', 'PhoneNumberVoiceConfig', `${API}/IncomingPhoneNumbers/${PN}.json`],
  ])('fails the import of %s Twilio does not have (404), naming the resource, the id and the account', async (_what, urn, id, resource, kind, path) => {
    twilio().on('GET', path).reply(404, error(404, 20404, 'The requested resource was not found'));
    // Answered "gone" (empty id), the engine would say "provider does not support importing
    // resources; please try updating the 'sipline-twilio' plugin" (step.go ImportStep.Apply).
    await expect(c.read(urn, id)).rejects.toMatchObject({
      code: 2,
      details: `${resource} (${id}): Twilio account ${AC} has no ${kind} ${id} (HTTP 404): check the id given to pulumi import, and that sipline-twilio's credentials are for the account that owns it`,
    });
    srv.done();
  });

  it("refuses another account's dialing permissions: the credentials reach only their own account's", async () => {
    const other = 'AC' + 'f'.repeat(32);
    const message = `VoiceDialingPermissions sipline-dialing-permissions (${other}): these are the voice dialing permissions of Twilio account ${other}, but sipline-twilio's credentials are for account ${AC}: configure sipline-twilio for ${other}, or (pulumi import) give ${AC} as the id`;
    await expect(c.read(URN.permissions, other)).rejects.toMatchObject({ details: message });
    // Nor would a destroy restore this account's countries under the other account's id.
    await expect(c.delete(URN.permissions, other, { allowedCountries: ['US'], previous: { US: '000' } })).rejects.toMatchObject({ details: message });
    expect(srv.requests).toEqual([]);
  });
});

describe('a preview changes nothing in Twilio', () => {
  // The engine sends `preview` Create and Update only to a provider that supports previews
  // (provider_plugin.go Create/Update), which this one does not claim (protocol.test.ts); if it
  // ever did, any request here would be unexpected.
  it('answers Create with the inputs as the outputs and no id, without a request', async () => {
    const inputs = { ...domainInputs, voiceUrl: UNKNOWN };
    expect(await c.create(URN.domain, inputs, { preview: true })).toEqual({ id: '', outputs: inputs });
    expect(await c.create(URN.credential, credInputs, { preview: true })).toEqual({ id: '', outputs: credInputs });
    expect(srv.requests).toEqual([]);
  });

  it('answers Update with the new inputs, without a request', async () => {
    const news = { ...domainInputs, domainName: 'acme-new.sip.twilio.com', voiceUrl: UNKNOWN };
    expect(await c.update(URN.domain, SD, domainState, news, domainInputs, { preview: true })).toEqual(news);
    expect(srv.requests).toEqual([]);
  });
});

describe('secrets sent as secrets come back secret', () => {
  it('in Check, Create, Update and Read, for the password and for any input the program made secret', async () => {
    const inputs = { ...credInputs, password: 'Secret-Pass-1', username: secret('alice') };
    const checked = await c.check(URN.credential, inputs);
    // The schema marks password secret: it is secret even when the program sent it in the clear.
    expect(checked.inputs).toEqual({ credentialListSid: CL, username: secret('alice'), password: secret('Secret-Pass-1') });
    twilio().on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`).reply(201, credJson());
    const created = await c.create(URN.credential, checked.inputs);
    expect(created.outputs).toEqual({ sid: CR, credentialListSid: CL, username: secret('alice'), password: secret('Secret-Pass-1') });
    twilio().on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`, { body: { Password: 'Other-Pass-22' } }).reply(200, credJson());
    const updated = await c.update(URN.credential, created.id, created.outputs, { ...checked.inputs, password: secret('Other-Pass-22') });
    expect(updated.password).toEqual(secret('Other-Pass-22'));
    srv.done();
    expect(plain(updated)).toEqual({ sid: CR, credentialListSid: CL, username: 'alice', password: 'Other-Pass-22' });
  });
});

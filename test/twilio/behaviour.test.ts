/**
 * Behaviour tests: scripted Twilio answers (scripted.ts) behind the real twilio SDK. Each
 * test declares exactly the requests it expects, in order, with their query and form body;
 * `srv.done()` fails on any other request and on any expected request not made.
 */
import { ScriptedTwilio } from './scripted';
import {
  callCredentialListMappingProvider,
  credentialListProvider,
  credentialProvider,
  phoneNumberVoiceConfigProvider,
  registrationCredentialListMappingProvider,
  setRetryPolicy,
  sipDomainProvider,
} from '../../infra/twilio';

let srv: ScriptedTwilio;
const AC = 'AC' + '0123456789abcdef'.repeat(2);
const API = `/2010-04-01/Accounts/${AC}`;
const SD = 'SD' + '1'.repeat(32);
const CL = 'CL' + '2'.repeat(32);
const CR = 'CR' + '3'.repeat(32);
const PN = 'PN' + '4'.repeat(32);
const DOMAIN = 'acme.sip.twilio.com';

const savedEnv = { ...process.env };
let restoreRetry: () => void;
const sleeps: number[] = [];

beforeAll(async () => {
  srv = await ScriptedTwilio.start();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  process.env = { ...savedEnv, TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'token', TWILIO_API_BASE_URL: srv.baseUrl };
  delete process.env.TWILIO_API_KEY;
  delete process.env.TWILIO_API_SECRET;
  sleeps.length = 0;
  // Record the backoff delays instead of waiting them; SDK 429 retries wait <= 1 ms.
  restoreRetry = setRetryPolicy({
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    maxDelayMs: 1,
    baseDelayMs: 1,
  });
});
afterEach(() => {
  restoreRetry();
  process.env = savedEnv;
  const unexpected = [...srv.unexpected];
  srv.reset();
  // Requests no test asked for (e.g. made after the test's own check) fail the test here.
  expect(unexpected).toEqual([]);
});

const twilio = () => {
  srv.authorization = `Basic ${Buffer.from(`${AC}:token`).toString('base64')}`;
  return srv;
};
const page = (key: string, items: object[], next: string | null = null) => ({ [key]: items, next_page_uri: next, page: 0, page_size: 50, start: 0, end: items.length });

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
const listJson = (over: object = {}) => ({ sid: CL, account_sid: AC, friendly_name: 'sipline-dev-phones', ...over });
const credJson = (over: object = {}) => ({ sid: CR, account_sid: AC, credential_list_sid: CL, username: 'alice', ...over });
const numberJson = (over: object = {}) => ({
  sid: PN,
  account_sid: AC,
  phone_number: '+14155550100',
  voice_url: 'https://old.example.com/voice',
  voice_method: 'GET',
  voice_fallback_url: '',
  voice_fallback_method: 'POST',
  status_callback: '',
  status_callback_method: 'POST',
  voice_application_sid: '',
  trunk_sid: null,
  ...over,
});

const domainInputs = { domainName: DOMAIN, friendlyName: 'Acme', voiceUrl: 'https://api.example.com/voice', sipRegistration: true };
const domainState = { ...domainInputs, sid: SD, voiceMethod: 'POST' as const, secure: false };

describe('credentials from the environment', () => {
  it('names the variable to set when the auth token is missing, before any request', async () => {
    delete process.env.TWILIO_AUTH_TOKEN;
    await expect(sipDomainProvider.read!(SD, domainState)).rejects.toThrow(/TWILIO_AUTH_TOKEN is not set.*TWILIO_API_KEY and TWILIO_API_SECRET/);
  });

  it('names TWILIO_ACCOUNT_SID when it is missing', async () => {
    delete process.env.TWILIO_ACCOUNT_SID;
    await expect(sipDomainProvider.read!(SD, domainState)).rejects.toThrow(/TWILIO_ACCOUNT_SID is not set/);
  });

  it('names TWILIO_API_SECRET when only the API key is set', async () => {
    process.env.TWILIO_API_KEY = 'SK' + '9'.repeat(32);
    await expect(sipDomainProvider.read!(SD, domainState)).rejects.toThrow(/TWILIO_API_SECRET/);
  });

  it('authenticates with the API key and secret for the account in TWILIO_ACCOUNT_SID', async () => {
    const key = 'SK' + '9'.repeat(32);
    process.env.TWILIO_API_KEY = key;
    process.env.TWILIO_API_SECRET = 'key-secret';
    srv.authorization = `Basic ${Buffer.from(`${key}:key-secret`).toString('base64')}`;
    srv
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(200, domainJson());
    await sipDomainProvider.read!(SD, domainState);
    srv.done();
  });
});

describe('read reports drift made in the Twilio console', () => {
  it('shows a domain voice URL edited in the console, and diff then plans an update back', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson({ voice_url: 'https://evil.example.com/' }));
    const read = await sipDomainProvider.read!(SD, domainState);
    srv.done();
    expect(read).toMatchObject({ id: SD, props: { voiceUrl: 'https://evil.example.com/' } });
    expect(await sipDomainProvider.diff!(SD, read.props!, domainInputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it('shows no change when the console matches the state', async () => {
    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson());
    const read = await sipDomainProvider.read!(SD, domainState);
    srv.done();
    expect(read.props).toEqual({ ...domainState, voiceFallbackMethod: 'POST', voiceStatusCallbackMethod: 'POST', emergencyCallingEnabled: false });
    expect((await sipDomainProvider.diff!(SD, read.props!, domainInputs)).changes).toBe(false);
  });

  it.each([
    ['the domain', () => sipDomainProvider.read!(SD, domainState), `${API}/SIP/Domains/${SD}.json`],
    ['a credential list', () => credentialListProvider.read!(CL, { sid: CL, friendlyName: 'x' }), `${API}/SIP/CredentialLists/${CL}.json`],
    [
      'a credential',
      () => credentialProvider.read!(CR, { sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' }),
      `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`,
    ],
    [
      'a call mapping',
      () => callCredentialListMappingProvider.read!(CL, { sid: CL, domainSid: SD, credentialListSid: CL }),
      `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings/${CL}.json`,
    ],
    [
      'a registration mapping',
      () => registrationCredentialListMappingProvider.read!(CL, { sid: CL, domainSid: SD, credentialListSid: CL }),
      `${API}/SIP/Domains/${SD}/Auth/Registrations/CredentialListMappings/${CL}.json`,
    ],
    ['a number (released)', () => phoneNumberVoiceConfigProvider.read!(PN, { sid: PN, phoneNumber: '+14155550100', voiceUrl: 'https://a.example/', previous: {} as never }), `${API}/IncomingPhoneNumbers/${PN}.json`],
  ])('reports %s deleted in the console as gone (404 -> no id)', async (_what, read, path) => {
    twilio().on('GET', path).reply(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const result = await read();
    srv.done();
    expect(result.id).toBeFalsy();
  });

  it("shows a number's webhook pointed elsewhere, keeping the recorded previous settings", async () => {
    const previous = { voiceUrl: '', voiceMethod: 'POST', voiceFallbackUrl: '', voiceFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST' };
    twilio().on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, numberJson({ voice_url: 'https://elsewhere.example/' }));
    const read = await phoneNumberVoiceConfigProvider.read!(PN, { sid: PN, phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/inbound', previous });
    srv.done();
    expect(read.props).toMatchObject({ voiceUrl: 'https://elsewhere.example/', previous });
    const diff = await phoneNumberVoiceConfigProvider.diff!(PN, read.props!, { phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/inbound' });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });

  it('keeps the last applied password when reading a credential (Twilio never returns it)', async () => {
    twilio().on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`).reply(200, credJson());
    const read = await credentialProvider.read!(CR, { sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' });
    srv.done();
    expect(read.props).toEqual({ sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' });
  });
});

describe('create adopts an existing object instead of duplicating it', () => {
  it('adopts a domain of the same name found on a later page and applies the settings', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains.json`)
      .reply(200, page('domains', [domainJson({ sid: 'SD' + '5'.repeat(32), domain_name: 'other.sip.twilio.com' })], `${API}/SIP/Domains.json?Page=1&PageSize=50`))
      .on('GET', `${API}/SIP/Domains.json`, { query: { Page: '1', PageSize: '50' } })
      .reply(200, page('domains', [domainJson({ domain_name: 'ACME.sip.twilio.com', voice_url: null })]))
      .on('POST', `${API}/SIP/Domains/${SD}.json`, { body: { FriendlyName: 'Acme', VoiceUrl: 'https://api.example.com/voice', SipRegistration: 'true' } })
      .reply(200, domainJson());
    const res = await sipDomainProvider.create(domainInputs);
    srv.done();
    expect(res).toMatchObject({ id: SD, outs: { sid: SD, voiceUrl: 'https://api.example.com/voice' } });
  });

  it('creates a domain when none has the name', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains.json`)
      .reply(200, page('domains', []))
      .on('POST', `${API}/SIP/Domains.json`, { body: { DomainName: DOMAIN, FriendlyName: 'Acme', VoiceUrl: 'https://api.example.com/voice', SipRegistration: 'true' } })
      .reply(201, domainJson());
    expect((await sipDomainProvider.create(domainInputs)).id).toBe(SD);
    srv.done();
  });

  it('adopts a credential list with the same friendly name', async () => {
    twilio().on('GET', `${API}/SIP/CredentialLists.json`).reply(200, page('credential_lists', [listJson()]));
    expect(await credentialListProvider.create({ friendlyName: 'sipline-dev-phones' })).toEqual({ id: CL, outs: { sid: CL, friendlyName: 'sipline-dev-phones' } });
    srv.done();
  });

  it('refuses to guess between two credential lists with the same friendly name', async () => {
    twilio()
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', [listJson(), listJson({ sid: 'CL' + '6'.repeat(32) })]));
    await expect(credentialListProvider.create({ friendlyName: 'sipline-dev-phones' })).rejects.toThrow(/2 credential lists named "sipline-dev-phones"/);
    srv.done();
  });

  it('adopts a credential with the same username and sets its password', async () => {
    twilio()
      .on('GET', `${API}/SIP/CredentialLists/${CL}/Credentials.json`)
      .reply(200, page('credentials', [credJson({ sid: 'CR' + '7'.repeat(32), username: 'bob' }), credJson()]))
      .on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`, { body: { Password: 'Secret-Pass-1' } })
      .reply(200, credJson());
    const res = await credentialProvider.create({ credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' });
    srv.done();
    expect(res).toEqual({ id: CR, outs: { sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' } });
  });

  it('adopts an existing mapping of the list to the domain', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}/Auth/Registrations/CredentialListMappings.json`)
      .reply(200, page('contents', [{ sid: CL, account_sid: AC, domain_sid: SD, friendly_name: 'x' }]));
    expect((await registrationCredentialListMappingProvider.create({ domainSid: SD, credentialListSid: CL })).id).toBe(CL);
    srv.done();
  });

  it('creates a call mapping when the list is not mapped yet', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings.json`)
      .reply(200, page('contents', []))
      .on('POST', `${API}/SIP/Domains/${SD}/Auth/Calls/CredentialListMappings.json`, { body: { CredentialListSid: CL } })
      .reply(201, { sid: CL, account_sid: AC, domain_sid: SD, friendly_name: 'x' });
    expect(await callCredentialListMappingProvider.create({ domainSid: SD, credentialListSid: CL })).toEqual({
      id: CL,
      outs: { sid: CL, domainSid: SD, credentialListSid: CL },
    });
    srv.done();
  });

  it('after a create answered 503, looks again and adopts what that create made instead of posting twice', async () => {
    twilio()
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', []))
      .on('POST', `${API}/SIP/CredentialLists.json`, { body: { FriendlyName: 'sipline-dev-phones' } })
      .reply(503, { code: 20503, message: 'Service unavailable', status: 503 })
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', [listJson()]));
    expect((await credentialListProvider.create({ friendlyName: 'sipline-dev-phones' })).id).toBe(CL);
    srv.done();
    expect(sleeps).toHaveLength(1);
  });

  it('after a create answered 503 that made nothing, creates again', async () => {
    twilio()
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', []))
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(503, { code: 20503, message: 'Service unavailable', status: 503 })
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', []))
      .on('POST', `${API}/SIP/CredentialLists.json`, { body: { FriendlyName: 'sipline-dev-phones' } })
      .reply(201, listJson());
    expect((await credentialListProvider.create({ friendlyName: 'sipline-dev-phones' })).id).toBe(CL);
    srv.done();
  });
});

describe('PhoneNumberVoiceConfig never buys nor releases a number', () => {
  const inputs = { phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/inbound', statusCallback: 'https://api.example.com/status' };

  it('looks the number up, records its settings and sets only the given webhooks', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } })
      // The filter also matches partial numbers: only the exact one counts.
      .reply(200, page('incoming_phone_numbers', [numberJson({ sid: 'PN' + '8'.repeat(32), phone_number: '+141555501001' }), numberJson()]))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: inputs.voiceUrl, StatusCallback: inputs.statusCallback } })
      .reply(200, numberJson({ voice_url: inputs.voiceUrl, status_callback: inputs.statusCallback }));
    const res = await phoneNumberVoiceConfigProvider.create(inputs);
    srv.done();
    expect(res.id).toBe(PN);
    expect(res.outs).toMatchObject({
      voiceUrl: inputs.voiceUrl,
      statusCallback: inputs.statusCallback,
      previous: { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '', voiceFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST' },
    });
  });

  it('fails, naming the number, when the account does not own it', async () => {
    twilio().on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } }).reply(200, page('incoming_phone_numbers', []));
    await expect(phoneNumberVoiceConfigProvider.create(inputs)).rejects.toThrow(/Phone number \+14155550100 is not owned by Twilio account AC[0-9a-f]{32}.*never buys/);
    srv.done();
  });

  it('refuses a number routed by a voice application, whose VoiceUrl Twilio would ignore', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers.json`, { query: true })
      .reply(200, page('incoming_phone_numbers', [numberJson({ voice_application_sid: 'AP' + '1'.repeat(32) })]));
    await expect(phoneNumberVoiceConfigProvider.create(inputs)).rejects.toThrow(/routed by VoiceApplicationSid AP1+/);
    srv.done();
  });

  it('refuses a number routed by a SIP trunk, naming the number and the trunk', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers.json`, { query: { PhoneNumber: '+14155550100' } })
      .reply(200, page('incoming_phone_numbers', [numberJson({ trunk_sid: 'TK' + '2'.repeat(32) })]));
    await expect(phoneNumberVoiceConfigProvider.create(inputs)).rejects.toThrow(
      `Phone number +14155550100 (${PN}) is routed by TrunkSid TK${'2'.repeat(32)}, so Twilio would ignore voiceUrl; detach it in the Twilio console first`,
    );
    srv.done(); // and no POST: it would be unexpected
  });

  it('on delete restores the voice settings it found (clearing the URLs that were empty)', async () => {
    const previous = { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '', voiceFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST' };
    twilio()
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: {
        VoiceUrl: 'https://old.example.com/voice',
        VoiceMethod: 'GET',
        VoiceFallbackUrl: '',
        VoiceFallbackMethod: 'POST',
        StatusCallback: '',
        StatusCallbackMethod: 'POST',
      } })
      .reply(200, numberJson());
    await phoneNumberVoiceConfigProvider.delete!(PN, { ...inputs, sid: PN, previous });
    srv.done(); // and no DELETE: it would be unexpected
  });

  it('on delete of a number released meanwhile does nothing more', async () => {
    twilio().on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(404, { code: 20404, message: 'Not found', status: 404 });
    await expect(phoneNumberVoiceConfigProvider.delete!(PN, { ...inputs, sid: PN, previous: { voiceUrl: '', voiceMethod: '', voiceFallbackUrl: '', voiceFallbackMethod: '', statusCallback: '', statusCallbackMethod: '' } })).resolves.toBeUndefined();
    srv.done();
  });
});

describe('PhoneNumberVoiceConfig update checks the live number first', () => {
  const previous = { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: '', voiceFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST' };
  const olds = { sid: PN, phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/inbound', voiceFallbackUrl: 'https://api.example.com/fallback', previous };
  const news = { phoneNumber: '+14155550100', voiceUrl: 'https://api.example.com/v2/inbound', voiceFallbackUrl: 'https://api.example.com/fallback' };
  const AP = 'AP' + '1'.repeat(32);
  const TK = 'TK' + '2'.repeat(32);

  it('fetches the number, then sets only the given webhooks, keeping the recorded previous settings', async () => {
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`)
      .reply(200, numberJson({ voice_url: olds.voiceUrl }))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: news.voiceUrl, VoiceFallbackUrl: news.voiceFallbackUrl } })
      .reply(200, numberJson({ voice_url: news.voiceUrl, voice_fallback_url: news.voiceFallbackUrl }));
    const res = await phoneNumberVoiceConfigProvider.update!(PN, olds, news);
    srv.done();
    expect(srv.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${API}/IncomingPhoneNumbers/${PN}.json`, `POST ${API}/IncomingPhoneNumbers/${PN}.json`]);
    expect(res.outs).toMatchObject({ sid: PN, voiceUrl: news.voiceUrl, voiceFallbackUrl: news.voiceFallbackUrl, previous });
    expect(res.outs).not.toHaveProperty('voiceApplicationSid');
    expect(res.outs).not.toHaveProperty('trunkSid');
  });

  it.each([
    ['a voice application', { voice_application_sid: AP }, `VoiceApplicationSid ${AP}`],
    ['a SIP trunk', { trunk_sid: TK }, `TrunkSid ${TK}`],
  ])('fails, naming the number and the sid, when %s was attached in the console since, and changes nothing', async (_what, routed, named) => {
    twilio().on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, numberJson(routed));
    await expect(phoneNumberVoiceConfigProvider.update!(PN, olds, news)).rejects.toThrow(
      `Phone number +14155550100 (${PN}) is routed by ${named}, so Twilio would ignore voiceUrl; detach it in the Twilio console first`,
    );
    srv.done(); // and no POST: it would be unexpected
  });

  it('after a refresh that found a trunk, plans an update even with unchanged inputs, and that update fails naming the trunk', async () => {
    const inputs = { phoneNumber: olds.phoneNumber, voiceUrl: olds.voiceUrl, voiceFallbackUrl: olds.voiceFallbackUrl };
    // pulumi refresh
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`)
      .reply(200, numberJson({ voice_url: olds.voiceUrl, voice_fallback_url: olds.voiceFallbackUrl, trunk_sid: TK }));
    const read = await phoneNumberVoiceConfigProvider.read!(PN, olds);
    expect(read.props).toMatchObject({ trunkSid: TK, voiceUrl: olds.voiceUrl, previous });
    // pulumi up
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, read.props!, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`)
      .reply(200, numberJson({ voice_url: olds.voiceUrl, voice_fallback_url: olds.voiceFallbackUrl, trunk_sid: TK }));
    await expect(phoneNumberVoiceConfigProvider.update!(PN, read.props!, inputs)).rejects.toThrow(`is routed by TrunkSid ${TK}`);
    srv.done();
  });

  it('once the application is detached, the update goes through and the next diff is clean', async () => {
    const stale = { ...olds, voiceApplicationSid: AP };
    const inputs = { phoneNumber: olds.phoneNumber, voiceUrl: olds.voiceUrl, voiceFallbackUrl: olds.voiceFallbackUrl };
    expect((await phoneNumberVoiceConfigProvider.diff!(PN, stale, inputs)).changes).toBe(true);
    twilio()
      .on('GET', `${API}/IncomingPhoneNumbers/${PN}.json`)
      .reply(200, numberJson({ voice_url: olds.voiceUrl }))
      .on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`, { body: { VoiceUrl: olds.voiceUrl, VoiceFallbackUrl: olds.voiceFallbackUrl } })
      .reply(200, numberJson({ voice_url: olds.voiceUrl, voice_fallback_url: olds.voiceFallbackUrl }));
    const res = await phoneNumberVoiceConfigProvider.update!(PN, stale, inputs);
    srv.done();
    expect(res.outs).not.toHaveProperty('voiceApplicationSid');
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, res.outs!, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
});

describe('retries and failures', () => {
  it('retries a 429 (through the SDK) and succeeds', async () => {
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(429, { code: 20429, message: 'Too Many Requests', status: 429 })
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(200, domainJson());
    expect((await sipDomainProvider.read!(SD, domainState)).id).toBe(SD);
    srv.done();
  });

  it('retries a 429 on a create too: Twilio did not act on it', async () => {
    twilio()
      .on('GET', `${API}/SIP/CredentialLists.json`)
      .reply(200, page('credential_lists', []))
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(429, { code: 20429, message: 'Too Many Requests', status: 429 })
      .on('POST', `${API}/SIP/CredentialLists.json`)
      .reply(201, listJson());
    expect((await credentialListProvider.create({ friendlyName: 'sipline-dev-phones' })).id).toBe(CL);
    srv.done();
  });

  it('retries 503 with exponential backoff and jitter, then succeeds', async () => {
    restoreRetry();
    restoreRetry = setRetryPolicy({ sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, baseDelayMs: 100, maxDelayMs: 10000 });
    twilio()
      .on('GET', `${API}/SIP/Domains/${SD}.json`, { times: 3 })
      .reply(503, { code: 20503, message: 'Service unavailable', status: 503 })
      .on('GET', `${API}/SIP/Domains/${SD}.json`)
      .reply(200, domainJson());
    expect((await sipDomainProvider.read!(SD, domainState)).id).toBe(SD);
    srv.done();
    expect(sleeps).toEqual([50, 100, 200]); // 0.5 * 100 * 2^n
  });

  it('gives up after the last attempt with a message saying what failed', async () => {
    twilio().on('DELETE', `${API}/SIP/Domains/${SD}.json`, { times: 5 }).reply(500, { code: 20500, message: 'Internal Server Error', status: 500 });
    await expect(sipDomainProvider.delete!(SD, domainState)).rejects.toThrow('Twilio failed on SipDomain "acme.sip.twilio.com": Internal Server Error (Twilio error 20500, HTTP 500)');
    srv.done();
  });

  it("fails at once on 400 with Twilio's message, its error code and the resource's name", async () => {
    twilio()
      .on('POST', `${API}/SIP/Domains/${SD}.json`)
      
      .reply(400, { code: 21232, message: 'Voice URL is not valid', more_info: 'https://www.twilio.com/docs/errors/21232', status: 400 });
    await expect(sipDomainProvider.update!(SD, domainState, { ...domainInputs, voiceUrl: 'https://api.example.com/v2' })).rejects.toThrow(
      'Twilio rejected SipDomain "acme.sip.twilio.com": Voice URL is not valid (Twilio error 21232, HTTP 400)',
    );
    srv.done();
    expect(sleeps).toEqual([]);
  });

  it('validates inputs before any request (any would be unexpected)', async () => {
    await expect(credentialProvider.create({ credentialListSid: CL, username: 'alice', password: 'short' })).rejects.toThrow(
      /password breaks Twilio's password policy: it needs at least 12 characters, at least one digit, at least one upper case letter/,
    );
    await expect(sipDomainProvider.create({ domainName: 'acme.example.com' })).rejects.toThrow(/must end with "\.sip\.twilio\.com"/);
    await expect(phoneNumberVoiceConfigProvider.create({ phoneNumber: '4155550100', voiceUrl: 'https://a.example/' })).rejects.toThrow(/not an E\.164 number/);
  });

  it('deleting something already deleted succeeds', async () => {
    twilio().on('DELETE', `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json`).reply(404, { code: 20404, message: 'Not found', status: 404 });
    await credentialProvider.delete!(CR, { sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' });
    srv.done();
  });
});

describe('the provider as Pulumi runs it', () => {
  it('works after closure serialization: deserialized like the dynamic-provider host does, it reads through the SDK', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require('@pulumi/pulumi') as typeof import('@pulumi/pulumi');
    // A plain value captured by an arrow function: what pulumi.dynamic.Resource serializes.
    const provider0 = sipDomainProvider;
    const sf = await pulumi.runtime.serializeFunction(() => provider0, { allowSecrets: false });
    // Exactly how cmd/dynamic-provider loads it (require-from-string is @pulumi/pulumi's dependency).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromString = require('require-from-string') as (code: string, file?: string) => { handler(): typeof sipDomainProvider };
    // The loaded code runs outside jest's sandbox, where this test's process.env is not
    // visible: hand it an environment the way the `pulumi` process would have one.
    const env = { TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'token', TWILIO_API_BASE_URL: srv.baseUrl };
    const prelude = `var process = Object.assign(Object.create(global.process), { env: ${JSON.stringify(env)} });\n`;
    const provider = requireFromString(prelude + sf.text, `${__dirname}/serialized-provider.js`).handler();

    twilio().on('GET', `${API}/SIP/Domains/${SD}.json`).reply(200, domainJson({ voice_url: 'https://changed.example/' }));
    const read = await provider.read!(SD, domainState);
    srv.done();
    expect(read.props?.voiceUrl).toBe('https://changed.example/');
  });
});

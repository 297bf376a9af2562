/**
 * Contract tests: every provider method, through the real twilio SDK, against Prism serving
 * Twilio's v2010 OpenAPI spec. Prism answers 422 to a request that breaks the spec (unknown
 * enum, malformed URL, sid not matching its pattern, missing required field, no Basic auth),
 * so a passing test means Twilio's published contract accepts each request and the SDK
 * parses the answer. Prism answers with the spec's examples, so values are not asserted
 * beyond their shape; exact requests and behaviour are behaviour.test.ts's job.
 */
import {
  callCredentialListMappingProvider,
  credentialListProvider,
  credentialProvider,
  phoneNumberVoiceConfigProvider,
  registrationCredentialListMappingProvider,
  setRetryPolicy,
  sipDomainProvider,
  twilioClient,
} from '../../infra/twilio';
import { PrismServer, startPrism } from './prism';

const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);
const DOMAIN_SID = 'SD' + 'a'.repeat(32);
const LIST_SID = 'CL' + 'b'.repeat(32);
// The number in the spec's IncomingPhoneNumbers example, which Prism returns for any lookup.
const PRISM_NUMBER = '+18089255327';

let prism: PrismServer;
let restoreRetry: () => void;
const savedEnv = { ...process.env };

beforeAll(async () => {
  prism = await startPrism();
  restoreRetry = setRetryPolicy({ baseDelayMs: 1, maxDelayMs: 1 });
}, 60000);

afterAll(async () => {
  restoreRetry?.();
  await prism?.stop();
});

beforeEach(() => {
  process.env = { ...savedEnv, TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'test-token', TWILIO_API_BASE_URL: prism.baseUrl };
  delete process.env.TWILIO_API_KEY;
  delete process.env.TWILIO_API_SECRET;
});

afterEach(() => {
  process.env = savedEnv;
});

const SID = (prefix: string) => expect.stringMatching(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

describe('Prism rejects what Twilio would reject (the contract tests can fail)', () => {
  it('answers 422 to a domain create with a malformed VoiceUrl', async () => {
    const client = twilioClient();
    await expect(client.sip.domains.create({ domainName: 'acme.sip.twilio.com', voiceUrl: 'not a url' })).rejects.toMatchObject({ status: 422 });
  });

  it('answers 422 to a domain create with an unknown VoiceMethod', async () => {
    const client = twilioClient();
    await expect(client.sip.domains.create({ domainName: 'acme.sip.twilio.com', voiceMethod: 'PUT' })).rejects.toMatchObject({ status: 422 });
  });

  it('answers 422 to a mapping whose CredentialListSid is not a CL sid', async () => {
    const client = twilioClient();
    await expect(client.sip.domains(DOMAIN_SID).auth.calls.credentialListMappings.create({ credentialListSid: 'SD' + 'a'.repeat(32) })).rejects.toMatchObject({
      status: 422,
    });
  });

  it('answers 401 without credentials', async () => {
    const res = await fetch(`${prism.baseUrl}/2010-04-01/Accounts/${ACCOUNT}/SIP/Domains.json`);
    expect(res.status).toBe(401);
  });
});

// Everything logged by Prism from here on comes from the providers.
let providerLogStart = 0;

describe('SipDomain provider against the spec', () => {
  beforeAll(async () => {
    // Prism writes its log asynchronously: let the lines of the deliberate bad requests above
    // land before marking where the providers' requests begin (quiet for 100 ms, at most 3 s).
    let seen = -1;
    for (let i = 0; i < 30 && prism.log().length !== seen; i++) {
      seen = prism.log().length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    providerLogStart = prism.log().length;
  });

  const inputs = {
    domainName: 'acme.sip.twilio.com',
    friendlyName: 'Acme phones',
    voiceUrl: 'https://api.example.com/twilio/voice',
    voiceMethod: 'POST' as const,
    voiceFallbackUrl: 'https://api.example.com/twilio/fallback',
    voiceFallbackMethod: 'POST' as const,
    voiceStatusCallbackUrl: 'https://api.example.com/twilio/status',
    voiceStatusCallbackMethod: 'POST' as const,
    sipRegistration: true,
    secure: true,
    emergencyCallingEnabled: false,
    emergencyCallerSid: 'PN' + 'c'.repeat(32),
  };

  it('creates a domain with every setting', async () => {
    const res = await sipDomainProvider.create(inputs);
    expect(res.id).toEqual(SID('SD'));
    expect(res.outs).toMatchObject({ sid: res.id, domainName: expect.stringMatching(/\.sip\.twilio\.com$/) });
  });

  it('adopts the existing domain of the same name and applies the settings', async () => {
    // dunder-mifflin-scranton is the domain in the spec's list example.
    const res = await sipDomainProvider.create({ ...inputs, domainName: 'dunder-mifflin-scranton.sip.twilio.com' });
    expect(res.id).toEqual(SID('SD'));
  });

  it('reads, updates and deletes a domain', async () => {
    const read = await sipDomainProvider.read!(DOMAIN_SID, { ...inputs, sid: DOMAIN_SID });
    expect(read.id).toBe(DOMAIN_SID);
    expect(read.props).toMatchObject({ sid: SID('SD'), voiceUrl: expect.any(String), sipRegistration: expect.any(Boolean) });
    const upd = await sipDomainProvider.update!(DOMAIN_SID, { ...inputs, sid: DOMAIN_SID }, { ...inputs, voiceUrl: 'https://api.example.com/v2' });
    expect(upd.outs?.sid).toEqual(SID('SD'));
    await expect(sipDomainProvider.delete!(DOMAIN_SID, { ...inputs, sid: DOMAIN_SID })).resolves.toBeUndefined();
  });
});

describe('CredentialList and Credential providers against the spec', () => {
  it('creates, reads, updates and deletes a credential list', async () => {
    const created = await credentialListProvider.create({ friendlyName: 'sipline-dev-phones' });
    expect(created.id).toEqual(SID('CL'));
    const read = await credentialListProvider.read!(LIST_SID, { sid: LIST_SID, friendlyName: 'sipline-dev-phones' });
    expect(read.props).toMatchObject({ sid: SID('CL'), friendlyName: expect.any(String) });
    const upd = await credentialListProvider.update!(LIST_SID, { sid: LIST_SID, friendlyName: 'a' }, { friendlyName: 'sipline-dev-phones-2' });
    expect(upd.outs?.sid).toEqual(SID('CL'));
    await credentialListProvider.delete!(LIST_SID, { sid: LIST_SID, friendlyName: 'sipline-dev-phones' });
  });

  const cred = { credentialListSid: LIST_SID, username: 'alice', password: 'Correct-Horse-9' };
  const CR = 'CR' + 'd'.repeat(32);

  it('creates, reads, updates the password of, and deletes a credential', async () => {
    const created = await credentialProvider.create(cred);
    expect(created.id).toEqual(SID('CR'));
    expect(created.outs).toMatchObject({ password: cred.password, credentialListSid: SID('CL') });
    const read = await credentialProvider.read!(CR, { ...cred, sid: CR });
    expect(read.props).toMatchObject({ sid: SID('CR'), username: expect.any(String), password: cred.password });
    const upd = await credentialProvider.update!(CR, { ...cred, sid: CR }, { ...cred, password: 'Another-Secret-42' });
    expect(upd.outs?.password).toBe('Another-Secret-42');
    await credentialProvider.delete!(CR, { ...cred, sid: CR });
  });
});

describe.each([
  ['RegistrationCredentialListMapping', registrationCredentialListMappingProvider],
  ['CallCredentialListMapping', callCredentialListMappingProvider],
])('%s provider against the spec', (_kind, provider) => {
  const inputs = { domainSid: DOMAIN_SID, credentialListSid: LIST_SID };

  it('creates, reads and deletes a mapping', async () => {
    const created = await provider.create(inputs);
    expect(created.id).toEqual(SID('CL'));
    const read = await provider.read!(LIST_SID, { ...inputs, sid: LIST_SID });
    expect(read.props).toMatchObject({ sid: SID('CL'), domainSid: DOMAIN_SID });
    await provider.delete!(LIST_SID, { ...inputs, sid: LIST_SID });
  });
});

describe('PhoneNumberVoiceConfig provider against the spec', () => {
  const inputs = {
    phoneNumber: PRISM_NUMBER,
    voiceUrl: 'https://api.example.com/twilio/inbound',
    voiceMethod: 'POST' as const,
    voiceFallbackUrl: 'https://api.example.com/twilio/fallback',
    voiceFallbackMethod: 'GET' as const,
    statusCallback: 'https://api.example.com/twilio/status',
    statusCallbackMethod: 'POST' as const,
  };
  const PN = 'PN' + 'e'.repeat(32);
  const previous = {
    voiceUrl: 'https://old.example.com/voice',
    voiceMethod: 'GET',
    voiceFallbackUrl: 'https://old.example.com/fallback',
    voiceFallbackMethod: 'POST',
    statusCallback: 'https://old.example.com/status',
    statusCallbackMethod: 'POST',
  };

  it('looks the number up, records its settings and sets the voice webhooks', async () => {
    const created = await phoneNumberVoiceConfigProvider.create(inputs);
    expect(created.id).toEqual(SID('PN'));
    expect(created.outs).toMatchObject({ phoneNumber: PRISM_NUMBER, previous: expect.objectContaining({ voiceMethod: expect.any(String) }) });
  });

  it('reads and updates the settings, and restores the previous ones on delete', async () => {
    const state = { ...inputs, sid: PN, previous };
    const read = await phoneNumberVoiceConfigProvider.read!(PN, state);
    expect(read.props).toMatchObject({ sid: SID('PN'), previous });
    const upd = await phoneNumberVoiceConfigProvider.update!(PN, state, { ...inputs, voiceUrl: 'https://api.example.com/v2' });
    expect(upd.outs?.previous).toEqual(previous);
    await phoneNumberVoiceConfigProvider.delete!(PN, state);
  });

  it('also authenticates with an API key', async () => {
    process.env.TWILIO_API_KEY = 'SK' + 'f'.repeat(32);
    process.env.TWILIO_API_SECRET = 'key-secret';
    delete process.env.TWILIO_AUTH_TOKEN;
    const read = await phoneNumberVoiceConfigProvider.read!(PN, { ...inputs, sid: PN, previous });
    expect(read.id).toBe(PN);
  });
});

describe('what Prism saw', () => {
  it('validated every provider request against the spec without a violation', () => {
    const log = prism.log().slice(providerLogStart);
    expect(log).not.toMatch(/Request did not pass the validation rules/);
    for (const path of [
      'get /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+.json',
      'delete /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/CredentialLists/CL[0-9a-f]+/Credentials.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+/Auth/Calls/CredentialListMappings.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+/Auth/Registrations/CredentialListMappings.json',
      'get /2010-04-01/Accounts/AC[0-9a-f]+/IncomingPhoneNumbers.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/IncomingPhoneNumbers/PN[0-9a-f]+.json',
    ]) {
      expect(log).toMatch(new RegExp(path.replace(/\./g, '\\.').replace(/\[0-9a-f\]\+/g, '[0-9a-fA-F]+')));
    }
  });
});

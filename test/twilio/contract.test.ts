/**
 * Contract tests: every resource's whole life (Check, Diff, Create, Read as refresh and as
 * import, Update, Delete), through the plugin process over gRPC and the real twilio SDK,
 * against Prism serving Twilio's own OpenAPI specs (v2010, and Voice v1 for the dialing
 * permissions). Prism answers 422 to a request that breaks the spec (unknown enum, malformed
 * URL, sid not matching its pattern, missing required field, no Basic auth), so a passing test
 * means Twilio's published contract accepts each request and the SDK parses the answer. Prism
 * answers with the spec's examples, so values are not asserted beyond their shape; exact
 * requests and behaviour are behaviour.test.ts's job.
 */
import { PrismServer, startPrism, TWILIO_VOICE_SPEC } from './prism';
import { ProviderClient, secret, startPlugin, urnOf, type Plugin, type Props } from './plugin';

const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);
const DOMAIN_SID = 'SD' + 'a'.repeat(32);
const LIST_SID = 'CL' + 'b'.repeat(32);
// The number in the spec's IncomingPhoneNumbers example, which Prism returns for any lookup.
const PRISM_NUMBER = '+18089255327';
const token = (name: string) => `sipline-twilio:index:${name}`;
const SID = (prefix: string) => expect.stringMatching(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

let prism: PrismServer;
let voicePrism: PrismServer;
let plugin: Plugin;
let c: ProviderClient;

beforeAll(async () => {
  [prism, voicePrism, plugin] = await Promise.all([startPrism(), startPrism(TWILIO_VOICE_SPEC), startPlugin({ env: { SIPLINE_TWILIO_RETRY_BASE_MS: '1' } })]);
  c = new ProviderClient(plugin.client);
  await c.configure({ accountSid: ACCOUNT, authToken: secret('test-token'), apiBaseUrl: prism.baseUrl });
}, 90000);

afterAll(async () => {
  await plugin?.stop();
  await Promise.all([prism?.stop(), voicePrism?.stop()]);
});

/** What `pulumi up`, `refresh`, `import`, another `up` and `destroy` ask of the provider, in order. */
async function lifecycle(urn: string, inputs: Props, changed: Props, atDelete: Props = {}) {
  const checked = await c.check(urn, inputs);
  expect(checked.failures).toEqual([]);
  expect((await c.diff(urn, 'x', {}, checked.inputs)).changes).toBe(true);
  const created = await c.create(urn, checked.inputs);
  const refreshed = await c.read(urn, created.id, { outputs: created.outputs, inputs: checked.inputs });
  expect(refreshed.id).toBe(created.id);
  const imported = await c.read(urn, created.id);
  expect(imported.inputs).toBeDefined();
  // Prism answers with the spec's examples, not with what was sent: the state diffed is what
  // Twilio itself would have returned, Create's outputs with the inputs it was given.
  const state = { ...created.outputs, ...checked.inputs };
  const news = (await c.check(urn, { ...inputs, ...changed }, checked.inputs)).inputs;
  const diff = await c.diff(urn, created.id, state, news);
  const updated = diff.replaces.length === 0 && diff.changes ? await c.update(urn, created.id, state, news, checked.inputs) : undefined;
  await c.delete(urn, created.id, { ...(updated ?? state), ...atDelete }, checked.inputs);
  return { created, refreshed, imported, diff, updated };
}

describe('Prism rejects what Twilio would reject (the contract tests can fail)', () => {
  const post = (path: string, body: Record<string, string>) =>
    fetch(`${prism.baseUrl}/2010-04-01/Accounts/${ACCOUNT}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT}:test-token`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });

  it('answers 422 to a domain create with a malformed VoiceUrl or an unknown VoiceMethod', async () => {
    expect((await post('/SIP/Domains.json', { DomainName: 'acme.sip.twilio.com', VoiceUrl: 'not a url' })).status).toBe(422);
    expect((await post('/SIP/Domains.json', { DomainName: 'acme.sip.twilio.com', VoiceMethod: 'PUT' })).status).toBe(422);
  });

  it('answers 422 to a mapping whose CredentialListSid is not a CL sid', async () => {
    expect((await post(`/SIP/Domains/${DOMAIN_SID}/Auth/Calls/CredentialListMappings.json`, { CredentialListSid: DOMAIN_SID })).status).toBe(422);
  });

  it('answers 401 without credentials', async () => {
    const res = await fetch(`${prism.baseUrl}/2010-04-01/Accounts/${ACCOUNT}/SIP/Domains.json`);
    expect(res.status).toBe(401);
  });
});

// Everything Prism logs from here on comes from the provider's lifecycles.
let providerLogStart = 0;

describe('every resource through its whole life against the spec', () => {
  beforeAll(async () => {
    // Prism writes its log asynchronously: let the lines of the deliberate bad requests above
    // land before marking where the provider's requests begin (quiet for 100 ms, at most 3 s).
    let seen = -1;
    for (let i = 0; i < 30 && prism.log().length !== seen; i++) {
      seen = prism.log().length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    providerLogStart = prism.log().length;
  });

  it('SipDomain, with every setting, renamed by the update', async () => {
    const inputs = {
      domainName: 'acme.sip.twilio.com',
      friendlyName: 'Acme phones',
      voiceUrl: 'https://api.example.com/voice/outbound',
      voiceMethod: 'POST',
      voiceFallbackUrl: 'https://api.example.com/voice/fallback',
      voiceFallbackMethod: 'POST',
      voiceStatusCallbackUrl: 'https://api.example.com/voice/status',
      voiceStatusCallbackMethod: 'POST',
      sipRegistration: true,
      secure: true,
      emergencyCallingEnabled: false,
      emergencyCallerSid: 'PN' + 'c'.repeat(32),
    };
    const { created, imported, updated } = await lifecycle(urnOf(token('SipDomain'), 'sipline-domain'), inputs, { domainName: 'acme-2.sip.twilio.com' });
    expect(created).toMatchObject({ id: SID('SD'), outputs: { sid: created.id, domainName: expect.stringMatching(/\.sip\.twilio\.com$/) } });
    expect(imported.inputs).toMatchObject({ domainName: expect.any(String), voiceUrl: expect.any(String), sipRegistration: expect.any(Boolean) });
    expect(updated).toMatchObject({ sid: SID('SD') });
  });

  it('CredentialList', async () => {
    const { created, imported, updated } = await lifecycle(urnOf(token('CredentialList'), 'sipline-credentials'), { friendlyName: 'sipline dev' }, { friendlyName: 'sipline dev 2' });
    expect(created).toMatchObject({ id: SID('CL'), outputs: { friendlyName: expect.any(String) } });
    expect(imported.inputs).toEqual({ friendlyName: expect.any(String) });
    expect(updated).toMatchObject({ sid: SID('CL') });
  });

  it('Credential, its password secret throughout and changed by the update', async () => {
    const { created, refreshed, imported, diff, updated } = await lifecycle(
      urnOf(token('Credential'), 'sipline-cred-alice'),
      { credentialListSid: LIST_SID, username: 'alice', password: secret('Correct-Horse-9') },
      { password: secret('Another-Secret-42') },
    );
    expect(created.id).toMatch(/^CL[0-9a-f]{32}\/CR[0-9a-f]{32}$/);
    expect(created.outputs.password).toEqual(secret('Correct-Horse-9'));
    expect(refreshed.outputs.password).toEqual(secret('Correct-Horse-9'));
    expect(imported.inputs).toEqual({ credentialListSid: SID('CL'), username: expect.any(String) });
    expect(diff).toMatchObject({ changes: true, diffs: ['password'] });
    expect(updated?.password).toEqual(secret('Another-Secret-42'));
  });

  it.each(['RegistrationCredentialListMapping', 'CallCredentialListMapping'])('%s (replaced, never updated)', async (name) => {
    const { created, imported, diff, updated } = await lifecycle(
      urnOf(token(name), 'sipline-auth'),
      { domainSid: DOMAIN_SID, credentialListSid: LIST_SID },
      { credentialListSid: 'CL' + 'e'.repeat(32) },
    );
    expect(created).toEqual({ id: `${DOMAIN_SID}/${LIST_SID}`, outputs: { domainSid: DOMAIN_SID, credentialListSid: LIST_SID } });
    expect(imported.inputs).toEqual({ domainSid: DOMAIN_SID, credentialListSid: SID('CL') });
    expect(diff).toMatchObject({ replaces: ['credentialListSid'], deleteBeforeReplace: true });
    expect(updated).toBeUndefined();
  });

  it('PhoneNumberVoiceConfig', async () => {
    const { created, imported, updated } = await lifecycle(
      urnOf(token('PhoneNumberVoiceConfig'), 'sipline-number'),
      { phoneNumber: PRISM_NUMBER, voiceUrl: 'https://api.example.com/voice/inbound', voiceMethod: 'POST', voiceFallbackUrl: 'https://api.example.com/voice/fallback', voiceFallbackMethod: 'GET' },
      { voiceUrl: 'https://api.example.com/v2/voice/inbound', statusCallback: 'https://api.example.com/status' },
      // The spec's example number has empty URLs, and the spec's format "uri" refuses the ""
      // with which Twilio clears a URL: restore URLs here (behaviour.test.ts covers clearing).
      { previous: { voiceUrl: 'https://old.example.com/voice', voiceMethod: 'GET', voiceFallbackUrl: 'https://old.example.com/fallback', statusCallback: 'https://old.example.com/status' } },
    );
    expect(created).toMatchObject({ id: SID('PN'), outputs: { phoneNumber: PRISM_NUMBER, previous: { voiceUrl: expect.any(String), voiceMethod: expect.any(String) } } });
    expect(imported.inputs).toMatchObject({ phoneNumber: PRISM_NUMBER });
    expect(updated?.previous).toHaveProperty('statusCallback');
  });

  it('authenticates with an API key too', async () => {
    await c.configure({ accountSid: ACCOUNT, apiKey: 'SK' + 'f'.repeat(32), apiSecret: secret('key-secret'), apiBaseUrl: prism.baseUrl });
    try {
      const read = await c.read(urnOf(token('CredentialList'), 'l'), LIST_SID, { outputs: { sid: LIST_SID, friendlyName: 'x' }, inputs: { friendlyName: 'x' } });
      expect(read.id).toBe(LIST_SID);
    } finally {
      await c.configure({ accountSid: ACCOUNT, authToken: secret('test-token'), apiBaseUrl: prism.baseUrl });
    }
  });

  it('VoiceDialingPermissions against the Voice v1 spec', async () => {
    // Another Twilio host: the same plugin, configured for it (as a second provider would be).
    await c.configure({ accountSid: ACCOUNT, authToken: secret('test-token'), apiBaseUrl: voicePrism.baseUrl });
    try {
      // The spec's example lists the US with every flag off: allowing it is one bulk update.
      const urn = urnOf(token('VoiceDialingPermissions'), 'sipline-dialing-permissions');
      const inputs = (await c.check(urn, { allowedCountries: ['US'] })).inputs;
      const created = await c.create(urn, inputs);
      expect(created).toEqual({ id: ACCOUNT, outputs: { allowedCountries: ['US'], lowRiskCountries: ['US'], highRiskCountries: [], previous: { US: '000' } } });
      // Prism still reports the US closed: a refresh shows that as drift, and the update fixes it.
      const refreshed = await c.read(urn, created.id, { outputs: created.outputs, inputs });
      expect(refreshed.outputs).toEqual({ ...created.outputs, lowRiskCountries: [] });
      expect(await c.diff(urn, created.id, refreshed.outputs, inputs)).toMatchObject({ changes: true, diffs: ['lowRiskCountries'] });
      expect(await c.update(urn, created.id, refreshed.outputs, inputs)).toEqual(created.outputs);
      expect((await c.read(urn, created.id)).inputs).toEqual({ allowedCountries: [] });
      await c.delete(urn, created.id, created.outputs);
      expect(voicePrism.log()).not.toMatch(/Request did not pass the validation rules/);
      expect(voicePrism.log()).toMatch(/POST \/v1\/DialingPermissions\/BulkCountryUpdates/i);
    } finally {
      await c.configure({ accountSid: ACCOUNT, authToken: secret('test-token'), apiBaseUrl: prism.baseUrl });
    }
  });
});

describe('what Prism saw', () => {
  it('validated every provider request against the spec without a violation', () => {
    const log = prism.log().slice(providerLogStart);
    expect(log).not.toMatch(/Request did not pass the validation rules/);
    for (const path of [
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains.json',
      'get /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+.json',
      'delete /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/CredentialLists.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/CredentialLists/CL[0-9a-f]+/Credentials.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/CredentialLists/CL[0-9a-f]+/Credentials/CR[0-9a-f]+.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+/Auth/Calls/CredentialListMappings.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/SIP/Domains/SD[0-9a-f]+/Auth/Registrations/CredentialListMappings.json',
      'get /2010-04-01/Accounts/AC[0-9a-f]+/IncomingPhoneNumbers.json',
      'post /2010-04-01/Accounts/AC[0-9a-f]+/IncomingPhoneNumbers/PN[0-9a-f]+.json',
    ]) {
      expect(log).toMatch(new RegExp(path.replace(/\./g, '\\.').replace(/\[0-9a-f\]\+/g, '[0-9a-fA-F]+')));
    }
    // The provider never buys or releases a number.
    expect(log).not.toMatch(/post \/2010-04-01\/Accounts\/AC[0-9a-fA-F]+\/IncomingPhoneNumbers\.json/);
    expect(log).not.toMatch(/delete \/2010-04-01\/Accounts\/AC[0-9a-fA-F]+\/IncomingPhoneNumbers/);
  });
});

/**
 * The plugin with no Twilio credentials at all, as CI's pull-request preview runs it (preview.yml
 * passes no Twilio secret): started as the engine starts it (plugin.ts) from an empty
 * environment, and driven over gRPC in the order a preview drives the default provider
 * (pulumi/pulumi pkg/resource/deploy/providers/registry.go: Check -> CheckConfig, Create ->
 * Configure "if we are running a preview", then each resource's Check and Diff). All of that
 * succeeds; the first operation that needs Twilio's API fails with what to set, and makes no
 * request.
 */
import { ScriptedTwilio } from './scripted';
import { ProviderClient, secret, startPlugin, urnOf, type Plugin } from './plugin';

const SD = 'SD' + '1'.repeat(32);
const URN = urnOf('sipline-twilio:index:SipDomain', 'sipline-domain');
const DOMAIN = { domainName: 'acme.sip.twilio.com', voiceUrl: 'https://a.example/voice/outbound', sipRegistration: true };
const HOW_TO =
  'set sipline-twilio:accountSid (or TWILIO_ACCOUNT_SID) with sipline-twilio:authToken (or TWILIO_AUTH_TOKEN), or with sipline-twilio:apiKey (or TWILIO_API_KEY) and sipline-twilio:apiSecret (or TWILIO_API_SECRET)';
const MISSING = `SipDomain sipline-domain ("acme.sip.twilio.com"): sipline-twilio cannot call Twilio: no Twilio credentials (sipline-twilio:accountSid and a credential not set): ${HOW_TO}`;

let srv: ScriptedTwilio;
let plugin: Plugin;
let c: ProviderClient;

beforeAll(async () => {
  srv = await ScriptedTwilio.start();
  // No TWILIO_* but the API's address, so that a request, were one made, would be recorded.
  plugin = await startPlugin({ environment: 'empty', env: { TWILIO_API_BASE_URL: srv.baseUrl } });
  c = new ProviderClient(plugin.client);
}, 90000);
afterAll(async () => {
  await plugin?.stop();
  await srv?.close();
});

describe('a preview with no Twilio credentials', () => {
  it('CheckConfig, Configure, Check and Diff succeed, as the engine runs them during a preview', async () => {
    expect(await c.checkConfig({})).toEqual({ inputs: {}, failures: [] });
    expect(await c.configure({})).toEqual({ acceptSecrets: true, supportsPreview: false });
    expect(await c.check(URN, DOMAIN)).toMatchObject({ failures: [] });
    expect(await c.diff(URN, SD, { ...DOMAIN, sid: SD }, { ...DOMAIN, voiceUrl: 'https://b.example/voice/outbound' })).toMatchObject({ changes: true, diffs: ['voiceUrl'] });
  });

  it('Create, Read, Update and Delete fail with what to set, before any request', async () => {
    await c.configure({});
    await expect(c.create(URN, DOMAIN)).rejects.toMatchObject({ code: 2, details: MISSING });
    await expect(c.read(URN, SD, { outputs: { ...DOMAIN, sid: SD }, inputs: DOMAIN })).rejects.toMatchObject({ details: MISSING });
    await expect(c.update(URN, SD, { ...DOMAIN, sid: SD }, { ...DOMAIN, voiceUrl: 'https://b.example/v' })).rejects.toMatchObject({ details: MISSING });
    await expect(c.delete(URN, SD, { ...DOMAIN, sid: SD })).rejects.toMatchObject({ details: MISSING });
    expect(srv.requests).toEqual([]);
  });

  it('names what is missing when only part is given', async () => {
    await c.configure({ accountSid: 'AC' + '0'.repeat(32) });
    await expect(c.create(URN, DOMAIN)).rejects.toMatchObject({ details: expect.stringContaining(`no Twilio credentials (a credential not set): ${HOW_TO}`) });
    await c.configure({ authToken: secret('token') });
    await expect(c.create(URN, DOMAIN)).rejects.toMatchObject({ details: expect.stringContaining('(sipline-twilio:accountSid not set)') });
    expect(srv.requests).toEqual([]);
  });

  it('a malformed value still fails CheckConfig and Configure, naming the key', async () => {
    expect((await c.checkConfig({ accountSid: 'nope' })).failures).toEqual([{ property: 'accountSid', reason: 'sipline-twilio:accountSid "nope" is not a AC sid (AC followed by 32 hex digits)' }]);
    expect((await c.checkConfig({ apiKey: 'SK' + '9'.repeat(32) })).failures).toEqual([
      { property: 'apiSecret', reason: 'sipline-twilio:apiKey is set but sipline-twilio:apiSecret (or TWILIO_API_SECRET) is not' },
    ]);
    await expect(c.configure({ accountSid: 'nope' })).rejects.toMatchObject({ code: 3, details: expect.stringContaining('sipline-twilio:accountSid "nope" is not a AC sid') });
  });
});

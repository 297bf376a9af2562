/**
 * The sipline-twilio provider's figures for `npm run bench`:
 * - state bytes per resource: its inputs and outputs as the engine stores them in the checkpoint
 *   (apitype.ResourceV3), secrets encrypted the way the passphrase secrets manager does ("v1:" + base64 nonce + ":" + base64
 *   AES-256-GCM ciphertext with its tag), for a credential, a number and the domain. The inputs
 *   are those the real program declares for the dev stack (under the mocks); the outputs are
 *   what the real plugin returns from Create over gRPC, against Twilio-shaped answers;
 * - the requests the plugin makes to create 100 credentials at once.
 *
 *   npx tsx scripts/bench-provider.ts
 */
import { randomBytes } from 'node:crypto';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { runSipline, type RecordedResource } from '../infra/mocks';
import { TWILIO_TYPES } from '../infra/twilio/types';
import { demoConfig, SECRET_KEYS } from '../test/infra/fixtures';
import { isSecret, ProviderClient, secret, startPlugin, urnOf } from '../test/twilio/plugin';
import { ScriptedTwilio } from '../test/twilio/scripted';

const AC = 'AC' + '0123456789abcdef'.repeat(2);
const API = `/2010-04-01/Accounts/${AC}`;
const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;
const SD = sid('SD', 1);
const CL = sid('CL', 2);
const CR = sid('CR', 3);
const PN = sid('PN', 4);

/** A secret as the engine writes it to the checkpoint with the passphrase secrets manager. */
function encrypted(value: unknown): Record<string, string> {
  const plaintext = Buffer.from(JSON.stringify(value));
  const ciphertext = Buffer.concat([randomBytes(plaintext.length), randomBytes(16)]);
  return { [specialSigKey]: specialSecretSig, ciphertext: `v1:${randomBytes(12).toString('base64')}:${ciphertext.toString('base64')}` };
}
const encryptSecrets = (props: Record<string, unknown>) => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, isSecret(v) ? encrypted(v.value) : v]));

/**
 * What a resource stores in the checkpoint of its own (apitype.ResourceV3's inputs and outputs),
 * as the engine writes them (indented JSON), secrets encrypted: what the provider decides. The
 * rest of its entry (URN, type, parent, provider reference, dependencies and property
 * dependencies) is the engine's, the same whatever the provider, and grows with what the inputs
 * depend on (the router's API, stage and permissions, for the webhook URLs).
 */
function stateEntry(inputs: Record<string, unknown>, outputs: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify({ inputs: encryptSecrets(inputs), outputs: encryptSecrets(outputs) }, null, 4));
}

export interface ProviderFigures {
  stateBytes: { credential: number; number: number; domain: number };
  requestsFor100Credentials: number;
  lookupsFor100Credentials: number;
}

export async function benchProvider(): Promise<ProviderFigures> {
  const { mocks } = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS });
  const srv = await ScriptedTwilio.start();
  const plugin = await startPlugin();
  try {
    const c = new ProviderClient(plugin.client);
    await c.configure({ accountSid: AC, authToken: secret('x'.repeat(32)), apiBaseUrl: srv.baseUrl });
    const checked = async (r: RecordedResource, inputs: Record<string, unknown>) => (await c.check(urnOf(r.type, r.name), inputs)).inputs;

    // The credential of the user with a configured password, as the program declares it.
    const cred = mocks.one(TWILIO_TYPES.credential, 'sipline-cred-alice');
    const credInputs = await checked(cred, { ...cred.inputs, credentialListSid: CL, password: secret(cred.inputs.password) });
    srv.on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`).reply(201, { sid: CR, account_sid: AC, credential_list_sid: CL, username: cred.inputs.username, date_created: 'Sat, 28 Nov 2026 16:00:00 +0000', date_updated: 'Sat, 28 Nov 2026 16:00:00 +0000', uri: `${API}/SIP/CredentialLists/${CL}/Credentials/${CR}.json` });
    const credCreated = await c.create(urnOf(cred.type, cred.name), credInputs);

    const num = mocks.one(TWILIO_TYPES.phoneNumber, 'sipline-number-14155550199');
    const numInputs = await checked(num, num.inputs);
    const live = { sid: PN, account_sid: AC, phone_number: num.inputs.phoneNumber, voice_url: 'https://old.example.com/voice', voice_method: 'POST', voice_fallback_url: '', voice_fallback_method: 'POST', status_callback: '', status_callback_method: 'POST', voice_application_sid: '', trunk_sid: null, friendly_name: '(415) 555-0199', sms_url: '', capabilities: { voice: true, sms: true, mms: true } };
    srv.on('GET', `${API}/IncomingPhoneNumbers.json`, { query: true }).reply(200, { incoming_phone_numbers: [live], next_page_uri: null });
    srv.on('POST', `${API}/IncomingPhoneNumbers/${PN}.json`).reply(200, { ...live, voice_url: num.inputs.voiceUrl, voice_fallback_url: num.inputs.voiceFallbackUrl, status_callback: num.inputs.statusCallback });
    const numCreated = await c.create(urnOf(num.type, num.name), numInputs);

    const dom = mocks.one(TWILIO_TYPES.sipDomain);
    const domInputs = await checked(dom, dom.inputs);
    srv.on('POST', `${API}/SIP/Domains.json`).reply(201, {
      sid: SD, account_sid: AC, domain_name: dom.inputs.domainName, friendly_name: dom.inputs.friendlyName, voice_url: dom.inputs.voiceUrl, voice_method: 'POST',
      voice_fallback_url: dom.inputs.voiceFallbackUrl, voice_fallback_method: 'POST', voice_status_callback_url: dom.inputs.voiceStatusCallbackUrl, voice_status_callback_method: 'POST',
      sip_registration: true, secure: true, emergency_calling_enabled: false, emergency_caller_sid: null, auth_type: '', byoc_trunk_sid: null,
    });
    const domCreated = await c.create(urnOf(dom.type, dom.name), domInputs);

    const stateBytes = {
      credential: stateEntry(credInputs, credCreated.outputs),
      number: stateEntry(numInputs, numCreated.outputs),
      domain: stateEntry(domInputs, domCreated.outputs),
    };

    // 100 credentials at once, as `pulumi up` creates a new stack's users in parallel.
    srv.reset();
    srv.on('POST', `${API}/SIP/CredentialLists/${CL}/Credentials.json`, { times: 100 }).reply(201, { sid: CR, account_sid: AC, credential_list_sid: CL, username: 'u' });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        c.create(urnOf(TWILIO_TYPES.credential, `sipline-cred-user${i}`), { credentialListSid: CL, username: `user${i}`, password: secret(`Bench-Password-${i}-x`) }),
      ),
    );
    srv.done();
    return {
      stateBytes,
      requestsFor100Credentials: srv.requests.length,
      lookupsFor100Credentials: srv.requests.filter((r) => r.method === 'GET').length,
    };
  } finally {
    await plugin.stop();
    await srv.close();
  }
}

if (require.main === module) {
  benchProvider()
    .then((f) => console.log(JSON.stringify(f, null, 2)))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(1);
    });
}

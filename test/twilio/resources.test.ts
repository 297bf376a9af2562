/**
 * The resource classes under Pulumi mocks: type tokens, the password kept secret, early
 * validation.
 */
import * as pulumi from '@pulumi/pulumi';
import { isRpcSecret, unwrapRpcSecret } from '@pulumi/pulumi/runtime/rpc';

const created: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      created.push(args);
      return { id: `${args.name}-id`, state: { ...args.inputs, sid: `${args.name}-sid` } };
    },
    call: (args) => {
      throw new Error(`unexpected call ${args.token}`);
    },
  },
  'sipline',
  'test',
);

// The mock monitor drops resource options; record what each registration asked for.
const secretOutputs = new Map<string, string[]>();
const monitor = (pulumi.runtime as unknown as { getMonitor(): { registerResource: (req: RegisterRequest, cb: unknown) => unknown } }).getMonitor();
interface RegisterRequest {
  getName(): string;
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
}
const deleteBeforeReplace = new Map<string, boolean>();
const register = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, cb) => {
  secretOutputs.set(req.getName(), req.getAdditionalsecretoutputsList());
  deleteBeforeReplace.set(req.getName(), req.getDeletebeforereplace());
  return register(req, cb);
};

const SD = 'SD' + '1'.repeat(32);
const CL = 'CL' + '2'.repeat(32);

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe('resource classes', () => {
  // Imported after setMocks, as Pulumi's testing guide requires.
  let tw: typeof import('../../infra/twilio');
  beforeAll(async () => {
    tw = await import('../../infra/twilio');
  });

  it('registers each resource under sipline-twilio:index:<Name>', async () => {
    const domain = new tw.SipDomain('d', { domainName: 'acme.sip.twilio.com', sipRegistration: true });
    const list = new tw.CredentialList('l', { friendlyName: 'sipline-test-phones' });
    new tw.Credential('c', { credentialListSid: list.sid, username: 'alice', password: pulumi.secret('Correct-Horse-9') });
    new tw.RegistrationCredentialListMapping('r', { domainSid: domain.sid, credentialListSid: list.sid });
    new tw.CallCredentialListMapping('k', { domainSid: domain.sid, credentialListSid: list.sid });
    new tw.PhoneNumberVoiceConfig('n', { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in' });
    await value(domain.sid);
    await new Promise((r) => setTimeout(r, 50));
    expect(created.map((c) => c.type).sort()).toEqual(
      ['CallCredentialListMapping', 'Credential', 'CredentialList', 'PhoneNumberVoiceConfig', 'RegistrationCredentialListMapping', 'SipDomain']
        .map((t) => `sipline-twilio:index:${t}`)
        .sort(),
    );
    const mapping = created.find((c) => c.name === 'k')!;
    expect(mapping.inputs).toMatchObject({ domainSid: 'd-sid', credentialListSid: 'l-sid' });
  });

  it("keeps a Credential's password secret even when given as a plain string", async () => {
    const cred = new tw.Credential('plain', { credentialListSid: CL, username: 'bob', password: 'Correct-Horse-9' });
    expect(await value(cred.username)).toBe('bob');
    expect(secretOutputs.get('plain')).toEqual(['password']);
    // The input is wrapped too, so the inputs stored in state are secret as well.
    const input = created.find((c) => c.name === 'plain')?.inputs.password;
    expect({ secret: isRpcSecret(input), value: unwrapRpcSecret(input) }).toEqual({ secret: true, value: 'Correct-Horse-9' });
  });

  // Valid arguments for each class: a class exported without an entry here fails the test below.
  const SAMPLE_ARGS: Record<string, object> = {
    SipDomain: { domainName: 'acme.sip.twilio.com' },
    CredentialList: { friendlyName: 'x' },
    Credential: { credentialListSid: CL, username: 'alice', password: 'Correct-Horse-9' },
    RegistrationCredentialListMapping: { domainSid: SD, credentialListSid: CL },
    CallCredentialListMapping: { domainSid: SD, credentialListSid: CL },
    PhoneNumberVoiceConfig: { phoneNumber: '+14155550100', voiceUrl: 'https://a.example/in' },
    VoiceDialingPermissions: { allowedCountries: ['US'] },
  };

  // `pulumi up --replace` (and a tainted resource) never asks the provider's Diff
  // (step_generator.go isTargetedReplace): only this option stops the engine from creating the
  // replacement first and then deleting the old object, whose delete would undo the new one
  // (restore the account's old dialing permissions, a number's old webhooks...).
  it('asks for delete-before-replace on every resource class it exports, and keeps the schema\'s secrets secret', async () => {
    const classes = Object.entries(tw).filter(([, v]) => typeof v === 'function' && v.prototype instanceof pulumi.CustomResource) as [string, new (name: string, args: object) => pulumi.CustomResource][];
    expect(classes.map(([n]) => n).sort()).toEqual(Object.keys(SAMPLE_ARGS).sort());
    for (const [className, Cls] of classes) {
      const res = new Cls(`dbr-${className}`, SAMPLE_ARGS[className]);
      await value(res.urn);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(Object.fromEntries(classes.map(([n]) => [n, deleteBeforeReplace.get(`dbr-${n}`)]))).toEqual(Object.fromEntries(classes.map(([n]) => [n, true])));
    // And keeps secret what the schema marks secret: the password, and nothing else.
    expect(Object.fromEntries(classes.map(([n]) => [n, secretOutputs.get(`dbr-${n}`)]))).toEqual(Object.fromEntries(classes.map(([n]) => [n, n === 'Credential' ? ['password'] : []])));
  });

  it('fails at construction, naming the resource and field, for bad plain values', () => {
    expect(() => new tw.SipDomain('bad', { domainName: 'acme.example.com' })).toThrow(/Invalid SipDomain "bad": domainName "acme.example.com" must end with/);
    expect(() => new tw.Credential('weak', { credentialListSid: CL, username: 'a', password: 'weak' })).toThrow(/Invalid Credential "weak": password breaks/);
    expect(() => new tw.CallCredentialListMapping('m', { domainSid: CL, credentialListSid: CL })).toThrow(/domainSid ".*" is not a SD sid/);
    expect(() => new tw.PhoneNumberVoiceConfig('p', { phoneNumber: '0415', voiceUrl: 'https://a.example/' })).toThrow(/not an E\.164 number/);
    expect(() => new tw.VoiceDialingPermissions('v', { allowedCountries: ['us'] })).toThrow(/Invalid VoiceDialingPermissions "v": allowedCountries: "us" is not an ISO 3166 alpha-2 code/);
  });

  it('leaves values not known yet (Outputs) to the provider check', () => {
    expect(() => new tw.CallCredentialListMapping('later', { domainSid: pulumi.output(SD), credentialListSid: pulumi.output('anything') })).not.toThrow();
  });
});

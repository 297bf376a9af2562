/**
 * The policy pack against the real program's resources (under mocks): the dev stack passes
 * every policy, and each policy catches the one field it guards when that field is broken.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { runSipline, type RecordedResource } from '../../infra/mocks';
import { resourcePolicies, stackPolicies, TYPES } from '../../policy/policies';
import { demoConfig, SECRET_KEYS, VOICEMAIL_SECRET_KEYS, voicemailConfig } from './fixtures';

let resources: RecordedResource[];
beforeAll(async () => {
  resources = (await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS })).mocks.resources.filter((r) => r.custom);
});

function asPolicyResource(r: RecordedResource, props = { ...r.state }): PolicyResource {
  return { type: r.type, props, urn: `urn:pulumi:dev::sipline::${r.type}::${r.name}`, name: r.name, opts: {} as PolicyResource['opts'] } as unknown as PolicyResource;
}

/** Runs every resource policy on one resource; returns "policy: message" lines. */
async function violationsOf(r: RecordedResource, props?: Record<string, unknown>): Promise<string[]> {
  const found: string[] = [];
  for (const policy of resourcePolicies) {
    const report: ReportViolation = (message) => found.push(`${policy.name}: ${message}`);
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) await validate!(asPolicyResource(r, props) as unknown as ResourceValidationArgs, report);
  }
  return found;
}

async function stackViolations(all: PolicyResource[]): Promise<string[]> {
  const found: string[] = [];
  for (const policy of stackPolicies) {
    await policy.validateStack({ resources: all } as unknown as StackValidationArgs, (message) => found.push(`${policy.name}: ${message}`));
  }
  return found;
}

const one = (type: string) => {
  const found = resources.filter((r) => r.type === type);
  expect(found.length).toBeGreaterThan(0);
  return found[0];
};

describe('the sipline policy pack', () => {
  it('passes every resource of the dev stack', async () => {
    for (const r of resources) expect(await violationsOf(r)).toEqual([]);
    expect(await stackViolations(resources.map((r) => asPolicyResource(r)))).toEqual([]);
  });

  it('passes every resource of a stack with voicemail to email, hunt groups and the dashboard', async () => {
    const all = (await runSipline({ config: voicemailConfig(), secretKeys: VOICEMAIL_SECRET_KEYS })).mocks.resources.filter((r) => r.custom);
    expect(all.filter((r) => r.type === 'aws:lambda/function:Function')).toHaveLength(3);
    for (const r of all) expect({ resource: r.name, violations: await violationsOf(r) }).toEqual({ resource: r.name, violations: [] });
    expect(await stackViolations(all.map((r) => asPolicyResource(r)))).toEqual([]);
  });

  it.each([
    ['a SIP domain without registration', TYPES.sipDomain, { sipRegistration: false }, 'sip-domain-registers-phones: SIP domain'],
    ['a SIP domain with an empty voice URL', TYPES.sipDomain, { voiceUrl: '' }, 'has no voiceUrl'],
    ['a SIP domain with an empty voice fallback URL', TYPES.sipDomain, { voiceFallbackUrl: '' }, 'twilio-fallback-url: SIP domain'],
    ['a number with an empty voice fallback URL', TYPES.numberVoiceConfig, { voiceFallbackUrl: '' }, 'twilio-fallback-url: Number voice config'],
    ['a SIP domain with an http voice fallback URL', TYPES.sipDomain, { voiceFallbackUrl: 'http://example.com/voice/fallback' }, 'twilio-webhooks-https'],
    ['a SIP domain with an http voice URL', TYPES.sipDomain, { voiceUrl: 'http://example.com/voice/outbound' }, 'twilio-webhooks-https'],
    ['a number with an http voice URL', TYPES.numberVoiceConfig, { voiceUrl: 'http://example.com/voice/inbound' }, 'twilio-webhooks-https'],
    ['a SIP domain without TLS', TYPES.sipDomain, { secure: false }, 'sip-domain-secure'],
    ['a Lambda on an old runtime', TYPES.lambda, { runtime: 'nodejs18.x' }, 'router-lambda-runtime: Lambda'],
    ['a Lambda on x86_64', TYPES.lambda, { architectures: ['x86_64'] }, 'should run on arm64'],
    ['a Lambda with the token in its environment', TYPES.lambda, { environment: { variables: { TWILIO_AUTH_TOKEN: 'x' } } }, 'no-secrets-in-lambda-environment'],
    ['a Lambda with the API key secret in its environment', TYPES.lambda, { environment: { variables: { TWILIO_API_KEY_SECRET: 'x' } } }, 'has TWILIO_API_KEY_SECRET in its environment'],
    ['a Lambda with a SIP password in its environment', TYPES.lambda, { environment: { variables: { SIP_PASSWORD: 'x' } } }, 'has SIP_PASSWORD in its environment'],
    ['a log group kept forever', TYPES.logGroup, { retentionInDays: 0 }, 'log-retention'],
  ])('reports %s, naming the resource', async (_what, type, change, expected) => {
    const r = one(type);
    const violations = await violationsOf(r, { ...r.state, ...change });
    expect(violations).toEqual([expect.stringContaining(expected)]);
    expect(violations[0]).toContain(r.name);
  });

  it.each([TYPES.sipDomain, TYPES.numberVoiceConfig])('lets a preview through: %s with its voice URLs not known yet (absent)', async (type) => {
    const r = one(type);
    const { voiceUrl: _u, voiceFallbackUrl: _f, ...preview } = r.state;
    expect(r.state.voiceFallbackUrl).toMatch(/^https:\/\/.+\/voice\/fallback$/);
    expect(await violationsOf(r, preview)).toEqual([]);
  });

  it.each([
    ['registrations', TYPES.registrationMapping],
    ['calls', TYPES.callMapping],
  ])('reports a SIP domain with no credential list mapped for %s', async (what, type) => {
    const without = resources.filter((r) => r.type !== type).map((r) => asPolicyResource(r));
    expect(await stackViolations(without)).toEqual([expect.stringContaining(`no credential list mapped for ${what}`)]);
  });
});

describe('sipline:secureSip false', () => {
  it('passes every mandatory policy, and the advisory one says what is in clear and which setting turns it back on', async () => {
    const insecure = (await runSipline({ config: demoConfig({ secureSip: 'false' }), secretKeys: SECRET_KEYS })).mocks.resources.filter((r) => r.custom);
    const found = (await Promise.all(insecure.map((r) => violationsOf(r)))).flat();
    const domain = insecure.find((r) => r.type === TYPES.sipDomain)!;
    expect(found).toEqual([
      `sip-domain-secure: SIP domain ${domain.name} does not require TLS and SRTP (sipline:secureSip is false): its phones' REGISTER digests and call audio cross the network in clear. Set sipline:secureSip to true once every phone can register over TLS.`,
    ]);
    expect(resourcePolicies.find((p) => p.name === 'sip-domain-secure')!.enforcementLevel).toBe('advisory');
  });
});

describe('the policy pack as `pulumi preview --policy-pack policy` loads it', () => {
  it('starts from policy/ with every policy, named sipline, versioned by policy/package.json', () => {
    const serve = jest.fn();
    const cwd = process.cwd();
    jest.isolateModules(() => {
      jest.doMock('@pulumi/policy/server', () => ({ serve }));
      // The analyzer runs the pack with policy/ as its working directory.
      process.chdir(`${__dirname}/../../policy`);
      try {
        require('../../policy/index');
      } finally {
        process.chdir(cwd);
      }
    });
    expect(serve).toHaveBeenCalledTimes(1);
    const [name, version, , args] = serve.mock.calls[0];
    expect(name).toBe('sipline');
    expect(version).toBe(require('../../policy/package.json').version);
    expect(args.policies.map((p: { name: string }) => p.name).sort()).toEqual([...resourcePolicies, ...stackPolicies].map((p) => p.name).sort());
  });
});

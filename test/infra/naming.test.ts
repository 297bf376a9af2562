import { LAMBDA_NAME_MAX, lambdaFunctionName, lambdaLogGroupName, registrarHost, registrationFor, REGISTRATION_EXPIRES, resourceSlug, resourceSlugs } from '../../infra/naming';

describe('resource names', () => {
  it('keep alphanumeric usernames as they are and drop the + of E.164 ones', () => {
    expect(resourceSlug('alice')).toBe('alice');
    expect(resourceSlug('front-desk.2_b')).toBe('front-desk.2_b');
    expect(resourceSlug('+14155550100')).toBe('14155550100');
  });

  it('depend on the username only, not on its position', () => {
    expect(resourceSlugs(['bob', 'alice'])).toEqual(['bob', 'alice']);
    expect(resourceSlugs(['alice', 'bob'])).toEqual(['alice', 'bob']);
  });

  it('reject two usernames that would share a name, naming both', () => {
    expect(() => resourceSlugs(['+14155550100', 'x', '14155550100'])).toThrow('users "+14155550100" and "14155550100" would share the resource name "14155550100"');
  });
});

describe('Lambda names', () => {
  it('are <prefix>-<role>-<suffix>, and log to /aws/lambda/<name> as Lambda would by default', () => {
    expect(lambdaFunctionName('sipline-dev', 'router', '1a2b3c4d')).toBe('sipline-dev-router-1a2b3c4d');
    expect(lambdaLogGroupName('sipline-dev-router-1a2b3c4d')).toBe('/aws/lambda/sipline-dev-router-1a2b3c4d');
  });

  it('turn what Lambda refuses in a stack name into "-"', () => {
    expect(lambdaFunctionName('sipline-eu.prod', 'router', '1a2b3c4d')).toBe('sipline-eu-prod-router-1a2b3c4d');
  });

  it("fit Lambda's 64 characters with a long stack name, keeping the suffix that makes them unique", () => {
    const name = lambdaFunctionName(`sipline-${'x'.repeat(100)}`, 'fallback', '1a2b3c4d');
    expect(name).toHaveLength(LAMBDA_NAME_MAX);
    expect(name).toMatch(/^sipline-x+-1a2b3c4d$/);
  });
});

describe('registrations', () => {
  it('register at the domain, or at its edge-specific host', () => {
    expect(registrarHost('acme')).toBe('acme.sip.twilio.com');
    expect(registrarHost('acme', 'sydney')).toBe('acme.sip.sydney.twilio.com');
  });

  it('use TLS on 5061 with SRTP on a secure domain, UDP on 5060 otherwise', () => {
    const user = { username: 'alice', password: 'pw' };
    expect(registrationFor(user, { domainLabel: 'acme', edge: 'dublin', secure: true })).toEqual({
      username: 'alice',
      authUsername: 'alice',
      password: 'pw',
      domain: 'acme.sip.twilio.com',
      registrar: 'acme.sip.dublin.twilio.com',
      transport: 'TLS',
      port: 5061,
      expires: 3600,
      srtp: true,
    });
    expect(registrationFor(user, { domainLabel: 'acme', secure: false })).toMatchObject({ transport: 'UDP', port: 5060, srtp: false });
  });

  it("re-register within Twilio's 600-3600 s window", () => {
    expect(REGISTRATION_EXPIRES).toBeGreaterThanOrEqual(600);
    expect(REGISTRATION_EXPIRES).toBeLessThanOrEqual(3600);
  });
});

import { registrarHost, registrationFor, REGISTRATION_EXPIRES, resourceSlug, resourceSlugs } from '../../infra/naming';

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

import {
  PASSWORD_POLICY,
  validateE164,
  validateFriendlyName,
  validateHttpMethod,
  validatePassword,
  validateSid,
  validateSipDomainName,
  validateUrl,
  validateUsername,
} from '../../infra/twilio';

describe('validateSipDomainName', () => {
  it.each(['acme.sip.twilio.com', 'dunder-mifflin-scranton.sip.twilio.com', 'a1.sip.twilio.com'])('accepts %s', (v) => {
    expect(validateSipDomainName(v)).toBeUndefined();
  });
  it.each([
    ['acme.example.com', /must end with "\.sip\.twilio\.com"/],
    ['acme', /must end with/],
    ['ac_me.sip.twilio.com', /only letters, digits and "-"/],
    ['a.b.sip.twilio.com', /only letters, digits and "-"/],
    ['-acme.sip.twilio.com', /not at either end/],
    ['.sip.twilio.com', /1 to 63 characters/],
    ['', /domainName is required/],
  ])('rejects %s, naming the field and the value', (v, message) => {
    const err = validateSipDomainName(v);
    expect(err).toMatch(message);
    expect(err).toMatch(/^domainName/);
    if (v) expect(err).toContain(`"${v}"`);
  });
});

describe('validateUsername', () => {
  it('accepts 32 characters', () => expect(validateUsername('a'.repeat(32))).toBeUndefined());
  it('rejects 33 characters', () => expect(validateUsername('a'.repeat(33))).toMatch(/username "a{33}" is 33 characters long; Twilio allows at most 32/));
  it.each(['al ice', 'alice@acme', 'a:b', ''])('rejects %j', (v) => expect(validateUsername(v)).toMatch(/^username/));
});

describe('validatePassword', () => {
  it('accepts a password meeting the policy', () => expect(validatePassword('Correct-Horse-9')).toBeUndefined());
  it.each([
    ['Short-Pass1', 'at least 12 characters'],
    ['no-upper-case-9', 'at least one upper case letter'],
    ['NO-LOWER-CASE-9', 'at least one lower case letter'],
    ['No-Digits-Here', 'at least one digit'],
  ])('names the broken rule, never the value', (v, rule) => {
    const err = validatePassword(v)!;
    expect(err).toContain(rule);
    expect(err).not.toContain(v);
    expect(err).toMatch(/^password breaks Twilio's password policy/);
  });
  it('exports the policy for the program to reuse', () => expect(PASSWORD_POLICY.minLength).toBe(12));
});

describe('validateE164', () => {
  it.each(['+14155550100', '+442071838750'])('accepts %s', (v) => expect(validateE164(v)).toBeUndefined());
  it.each(['4155550100', '+1 415 555 0100', '+0123', '+1234567890123456', ''])('rejects %j naming it', (v) =>
    expect(validateE164(v)).toContain(`phoneNumber "${v}" is not an E.164 number`),
  );
});

describe('validateUrl / validateHttpMethod / validateSid / validateFriendlyName', () => {
  it('accepts http and https URLs only', () => {
    expect(validateUrl('https://a.example/x')).toBeUndefined();
    expect(validateUrl('http://a.example/x')).toBeUndefined();
    expect(validateUrl('ftp://a.example/x', 'voiceUrl')).toBe('voiceUrl "ftp://a.example/x" is not an http(s) URL');
    expect(validateUrl('not a url', 'voiceUrl')).toMatch(/^voiceUrl "not a url"/);
  });
  it('accepts GET and POST only', () => {
    expect(validateHttpMethod('GET')).toBeUndefined();
    expect(validateHttpMethod('PUT', 'voiceMethod')).toBe('voiceMethod "PUT" must be one of GET, POST');
  });
  it('checks sid prefixes', () => {
    expect(validateSid('CL' + 'a'.repeat(32), 'CL', 'credentialListSid')).toBeUndefined();
    expect(validateSid('SD' + 'a'.repeat(32), 'CL', 'credentialListSid')).toMatch(/credentialListSid "SD.*" is not a CL sid/);
  });
  it('limits friendly names to 64 characters', () => {
    expect(validateFriendlyName('x'.repeat(64))).toBeUndefined();
    expect(validateFriendlyName('x'.repeat(65))).toMatch(/at most 64/);
  });
});

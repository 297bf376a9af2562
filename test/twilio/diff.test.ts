/**
 * Unit tests: each provider's `diff` for every input (what updates, what replaces), `check`,
 * and the pure validators. No requests are made.
 */
import {
  callCredentialListMappingProvider,
  credentialListProvider,
  credentialProvider,
  phoneNumberVoiceConfigProvider,
  registrationCredentialListMappingProvider,
  sipDomainProvider,
  UNKNOWN,
} from '../../infra/twilio';

const SD = 'SD' + '1'.repeat(32);
const CL = 'CL' + '2'.repeat(32);
const CR = 'CR' + '3'.repeat(32);
const PN = 'PN' + '4'.repeat(32);

const UPDATE = { changes: true, replaces: [], deleteBeforeReplace: false };
const NONE = { changes: false, replaces: [], deleteBeforeReplace: false };
const replace = (...fields: string[]) => ({ changes: true, replaces: fields, deleteBeforeReplace: true });

describe('SipDomain diff', () => {
  const olds = {
    sid: SD,
    domainName: 'acme.sip.twilio.com',
    friendlyName: 'Acme',
    voiceUrl: 'https://a.example/voice',
    voiceMethod: 'POST' as const,
    voiceFallbackUrl: 'https://a.example/fallback',
    voiceFallbackMethod: 'POST' as const,
    voiceStatusCallbackUrl: 'https://a.example/status',
    voiceStatusCallbackMethod: 'POST' as const,
    sipRegistration: true,
    secure: false,
    emergencyCallingEnabled: false,
    emergencyCallerSid: PN,
  };
  const { sid: _sid, ...inputs } = olds;

  it('reports no change for identical inputs', async () => {
    expect(await sipDomainProvider.diff!(SD, olds, inputs)).toEqual(NONE);
  });

  it('replaces the domain, deleting first, when domainName changes', async () => {
    expect(await sipDomainProvider.diff!(SD, olds, { ...inputs, domainName: 'other.sip.twilio.com' })).toEqual(replace('domainName'));
  });

  it('treats a domainName differing only in case as the same domain', async () => {
    expect(await sipDomainProvider.diff!(SD, olds, { ...inputs, domainName: 'ACME.sip.twilio.com' })).toEqual(NONE);
  });

  it.each([
    ['friendlyName', 'Acme 2'],
    ['voiceUrl', 'https://b.example/voice'],
    ['voiceMethod', 'GET'],
    ['voiceFallbackUrl', 'https://b.example/fallback'],
    ['voiceFallbackMethod', 'GET'],
    ['voiceStatusCallbackUrl', 'https://b.example/status'],
    ['voiceStatusCallbackMethod', 'GET'],
    ['sipRegistration', false],
    ['secure', true],
    ['emergencyCallingEnabled', true],
    ['emergencyCallerSid', 'PN' + '9'.repeat(32)],
  ])('updates in place when %s changes', async (field, value) => {
    expect(await sipDomainProvider.diff!(SD, olds, { ...inputs, [field]: value })).toEqual(UPDATE);
  });

  it('leaves an optional input that is not given unmanaged (no diff against the live value)', async () => {
    expect(await sipDomainProvider.diff!(SD, olds, { domainName: 'acme.sip.twilio.com' })).toEqual(NONE);
  });

  it('counts a value unknown during preview as a change', async () => {
    expect(await sipDomainProvider.diff!(SD, olds, { ...inputs, voiceUrl: UNKNOWN })).toEqual(UPDATE);
  });
});

describe('CredentialList diff', () => {
  it('updates in place when friendlyName changes, otherwise nothing', async () => {
    const olds = { sid: CL, friendlyName: 'a' };
    expect(await credentialListProvider.diff!(CL, olds, { friendlyName: 'b' })).toEqual(UPDATE);
    expect(await credentialListProvider.diff!(CL, olds, { friendlyName: 'a' })).toEqual(NONE);
  });
});

describe('Credential diff', () => {
  const olds = { sid: CR, credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' };
  const inputs = { credentialListSid: CL, username: 'alice', password: 'Secret-Pass-1' };

  it('reports no change for the same password as last applied', async () => {
    expect(await credentialProvider.diff!(CR, olds, inputs)).toEqual(NONE);
  });

  it('updates the password in place, comparing with the last applied value (Twilio never returns it)', async () => {
    expect(await credentialProvider.diff!(CR, olds, { ...inputs, password: 'Other-Pass-22' })).toEqual(UPDATE);
  });

  it('sets the password when state has none (e.g. state from before it was recorded)', async () => {
    const { password: _p, ...noPassword } = olds;
    expect(await credentialProvider.diff!(CR, noPassword as typeof olds, inputs)).toEqual(UPDATE);
  });

  it('replaces, deleting first, when the username changes', async () => {
    expect(await credentialProvider.diff!(CR, olds, { ...inputs, username: 'bob' })).toEqual(replace('username'));
  });

  it('replaces, deleting first, when the credential list changes', async () => {
    expect(await credentialProvider.diff!(CR, olds, { ...inputs, credentialListSid: 'CL' + '8'.repeat(32) })).toEqual(replace('credentialListSid'));
  });

  it('replaces on both identity fields at once, and counts the password too', async () => {
    expect(await credentialProvider.diff!(CR, olds, { credentialListSid: 'CL' + '8'.repeat(32), username: 'bob', password: 'Other-Pass-22' })).toEqual(
      replace('credentialListSid', 'username'),
    );
  });
});

describe.each([
  ['RegistrationCredentialListMapping', registrationCredentialListMappingProvider],
  ['CallCredentialListMapping', callCredentialListMappingProvider],
])('%s diff', (_kind, provider) => {
  const olds = { sid: CL, domainSid: SD, credentialListSid: CL };
  const inputs = { domainSid: SD, credentialListSid: CL };

  it('reports no change for the same pair', async () => {
    expect(await provider.diff!(CL, olds, inputs)).toEqual(NONE);
  });
  it('replaces when the domain changes', async () => {
    expect(await provider.diff!(CL, olds, { ...inputs, domainSid: 'SD' + '7'.repeat(32) })).toEqual(replace('domainSid'));
  });
  it('replaces when the credential list changes', async () => {
    expect(await provider.diff!(CL, olds, { ...inputs, credentialListSid: 'CL' + '7'.repeat(32) })).toEqual(replace('credentialListSid'));
  });
  it('refuses an in-place update (there is nothing Twilio can update)', async () => {
    await expect(provider.update!(CL, olds, inputs)).rejects.toThrow(/replace-only/);
  });
});

describe('PhoneNumberVoiceConfig diff', () => {
  const previous = { voiceUrl: '', voiceMethod: 'POST', voiceFallbackUrl: '', voiceFallbackMethod: 'POST', statusCallback: '', statusCallbackMethod: 'POST' };
  const inputs = {
    phoneNumber: '+14155550100',
    voiceUrl: 'https://a.example/in',
    voiceMethod: 'POST' as const,
    voiceFallbackUrl: 'https://a.example/fb',
    voiceFallbackMethod: 'POST' as const,
    statusCallback: 'https://a.example/st',
    statusCallbackMethod: 'POST' as const,
  };
  const olds = { ...inputs, sid: PN, previous };

  it('reports no change for identical inputs', async () => {
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, olds, inputs)).toEqual(NONE);
  });
  it('replaces (restoring the old number first) when phoneNumber changes', async () => {
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, olds, { ...inputs, phoneNumber: '+14155550199' })).toEqual(replace('phoneNumber'));
  });
  it.each([
    ['voiceUrl', 'https://b.example/in'],
    ['voiceMethod', 'GET'],
    ['voiceFallbackUrl', 'https://b.example/fb'],
    ['voiceFallbackMethod', 'GET'],
    ['statusCallback', 'https://b.example/st'],
    ['statusCallbackMethod', 'GET'],
  ])('updates in place when %s changes', async (field, value) => {
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, olds, { ...inputs, [field]: value })).toEqual(UPDATE);
  });
  it.each([
    ['voiceApplicationSid', 'AP' + '1'.repeat(32)],
    ['trunkSid', 'TK' + '2'.repeat(32)],
  ])('plans an update when a refresh found %s set (Twilio ignores voiceUrl): the update then fails, naming it', async (field, sid) => {
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, { ...olds, [field]: sid }, inputs)).toEqual(UPDATE);
  });
  it('still replaces when phoneNumber changes on a number with a trunk', async () => {
    expect(await phoneNumberVoiceConfigProvider.diff!(PN, { ...olds, trunkSid: 'TK' + '2'.repeat(32) }, { ...inputs, phoneNumber: '+14155550199' })).toEqual(replace('phoneNumber'));
  });
});

describe('check', () => {
  it('reports each bad field by name', async () => {
    const res = await sipDomainProvider.check!({} as never, { domainName: 'acme.example.com', voiceUrl: 'ftp://x', voiceMethod: 'PUT' as never, emergencyCallerSid: 'PN1' });
    expect(res.failures?.map((f) => f.property)).toEqual(['domainName', 'voiceUrl', 'voiceMethod', 'emergencyCallerSid']);
  });

  it('skips values unknown during preview (e.g. the sid of a list not created yet)', async () => {
    const res = await credentialProvider.check!({} as never, { credentialListSid: UNKNOWN, username: 'alice', password: UNKNOWN });
    expect(res.failures).toEqual([]);
  });

  it('requires the required fields', async () => {
    const res = await phoneNumberVoiceConfigProvider.check!({} as never, {} as never);
    expect(res.failures).toEqual([
      { property: 'phoneNumber', reason: 'phoneNumber is required' },
      { property: 'voiceUrl', reason: 'voiceUrl is required' },
    ]);
  });

  it('never echoes a password in its failure', async () => {
    const res = await credentialProvider.check!({} as never, { credentialListSid: CL, username: 'alice', password: 'alllowercase' });
    expect(res.failures).toHaveLength(1);
    expect(res.failures![0].reason).not.toContain('alllowercase');
  });
});

/**
 * sipline-twilio's resource type tokens, as its package schema (infra/provider/schema.json)
 * names them: the one list the program's classes, the provider, the mocks, the plan and the
 * policy pack use (test/twilio/schema.test.ts checks it against the schema). No import at all,
 * Pulumi's included: the policy pack (policy/) loads it too.
 */
export const TWILIO_TYPES = {
  sipDomain: 'sipline-twilio:index:SipDomain',
  credentialList: 'sipline-twilio:index:CredentialList',
  credential: 'sipline-twilio:index:Credential',
  registrationMapping: 'sipline-twilio:index:RegistrationCredentialListMapping',
  callMapping: 'sipline-twilio:index:CallCredentialListMapping',
  phoneNumber: 'sipline-twilio:index:PhoneNumberVoiceConfig',
  dialingPermissions: 'sipline-twilio:index:VoiceDialingPermissions',
} as const;

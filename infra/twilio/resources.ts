/**
 * The program's side of the sipline-twilio provider (infra/provider): one typed
 * `pulumi.CustomResource` class per resource in its package schema (infra/provider/schema.json,
 * token `sipline-twilio:index:<Name>`), with the same property names (test/twilio/schema.test.ts
 * checks them); which properties are outputs and which are secret is read from the schema
 * itself. Only these properties go into state: no code.
 *
 * Plain input values are validated in the constructor with the provider's own rules, so a bad
 * value fails `pulumi preview` at the line that declared it; values not known yet (Outputs) are
 * left to the provider's Check.
 */
import * as pulumi from '@pulumi/pulumi';
import schema from '../provider/schema.json';
import { TWILIO_TYPES } from './types';
import { assertValid, checkResource, CREDENTIAL, CREDENTIAL_LIST, CREDENTIAL_LIST_MAPPING, PHONE_NUMBER, SIP_DOMAIN, VOICE_DIALING_PERMISSIONS, type HttpMethod, type ResourceRules } from './validate';

interface SchemaResource {
  properties: Record<string, { type: string; secret?: boolean }>;
}
const SCHEMA_RESOURCES: Record<string, SchemaResource> = schema.resources;

/**
 * What every sipline Twilio resource class does on construction, so no class can leave a step
 * out:
 * - validates the plain values of `args` with the provider's own rules (Outputs and Promises are
 *   left to the provider's Check);
 * - declares every output property of the schema (undefined: the engine fills it in);
 * - keeps the properties the schema marks secret secret, as inputs too (state keeps inputs as
 *   well as outputs, and additionalSecretOutputs only covers the latter);
 * - asks for deleteBeforeReplace: creating the replacement first would adopt (or collide with)
 *   the very object Pulumi deletes next, whose delete would then undo it (a number's webhooks,
 *   the account's dialing permissions). Set as an option, not left to the provider's diff,
 *   because `pulumi up --replace` never consults the diff (step_generator.go isTargetedReplace).
 */
abstract class TwilioResource extends pulumi.CustomResource {
  protected constructor(token: string, name: string, args: object, rules: ResourceRules, opts: pulumi.CustomResourceOptions | undefined) {
    const kind = token.split(':').pop()!;
    assertValid(kind, name, checkResource(args, rules));
    const properties = SCHEMA_RESOURCES[token].properties;
    const secrets = Object.keys(properties).filter((k) => properties[k].secret);
    const inputs: Record<string, unknown> = { ...Object.fromEntries(Object.keys(properties).map((k) => [k, undefined])), ...args };
    for (const k of secrets) if (inputs[k] !== undefined) inputs[k] = pulumi.secret(inputs[k]);
    super(token, name, inputs, {
      deleteBeforeReplace: true,
      ...opts,
      ...(secrets.length ? { additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets] } : {}),
    });
  }
}

// ---------------------------------------------------------------- SipDomain

export interface SipDomainArgs {
  /** Full name, e.g. acme.sip.twilio.com. A change renames the domain in place. */
  domainName: pulumi.Input<string>;
  friendlyName?: pulumi.Input<string>;
  voiceUrl?: pulumi.Input<string>;
  voiceMethod?: pulumi.Input<HttpMethod>;
  voiceFallbackUrl?: pulumi.Input<string>;
  voiceFallbackMethod?: pulumi.Input<HttpMethod>;
  voiceStatusCallbackUrl?: pulumi.Input<string>;
  voiceStatusCallbackMethod?: pulumi.Input<HttpMethod>;
  sipRegistration?: pulumi.Input<boolean>;
  secure?: pulumi.Input<boolean>;
  emergencyCallingEnabled?: pulumi.Input<boolean>;
  /** PN... sid of an owned number used as the emergency call-back number. */
  emergencyCallerSid?: pulumi.Input<string>;
}


/** A Twilio SIP domain that phones register to and place calls through. Id: SD... */
export class SipDomain extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.sipDomain;
  declare readonly sid: pulumi.Output<string>;
  declare readonly domainName: pulumi.Output<string>;
  declare readonly friendlyName: pulumi.Output<string | undefined>;
  declare readonly voiceUrl: pulumi.Output<string | undefined>;
  declare readonly voiceMethod: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackMethod: pulumi.Output<string | undefined>;
  declare readonly voiceStatusCallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceStatusCallbackMethod: pulumi.Output<string | undefined>;
  declare readonly sipRegistration: pulumi.Output<boolean | undefined>;
  declare readonly secure: pulumi.Output<boolean | undefined>;
  declare readonly emergencyCallingEnabled: pulumi.Output<boolean | undefined>;
  declare readonly emergencyCallerSid: pulumi.Output<string | undefined>;

  constructor(name: string, args: SipDomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(SipDomain.__pulumiType, name, args, SIP_DOMAIN, opts);
  }
}

// ---------------------------------------------------------------- CredentialList

export interface CredentialListArgs {
  /** Adoption key: keep it unique within the account (prefix it with the stack name). */
  friendlyName: pulumi.Input<string>;
}

/** A list of SIP credentials that domains authenticate against. Id: CL... */
export class CredentialList extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.credentialList;
  declare readonly sid: pulumi.Output<string>;
  declare readonly friendlyName: pulumi.Output<string>;

  constructor(name: string, args: CredentialListArgs, opts?: pulumi.CustomResourceOptions) {
    super(CredentialList.__pulumiType, name, args, CREDENTIAL_LIST, opts);
  }
}

// ---------------------------------------------------------------- Credential

export interface CredentialArgs {
  /** CL... sid. A change replaces the credential. */
  credentialListSid: pulumi.Input<string>;
  /** Up to 32 characters, unique in the list. A change replaces the credential. */
  username: pulumi.Input<string>;
  /** Kept secret in state (inputs and outputs) even if given as plain text. Updates in place. */
  password: pulumi.Input<string>;
}

/** One SIP username and password in a CredentialList. Id: CL.../CR... */
export class Credential extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.credential;
  declare readonly sid: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;
  declare readonly username: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;

  constructor(name: string, args: CredentialArgs, opts?: pulumi.CustomResourceOptions) {
    super(Credential.__pulumiType, name, args, CREDENTIAL, opts);
  }
}

// ---------------------------------------------------------------- mappings

export interface CredentialListMappingArgs {
  /** SD... sid of the domain. A change replaces the mapping. */
  domainSid: pulumi.Input<string>;
  /** CL... sid of the credential list. A change replaces the mapping. */
  credentialListSid: pulumi.Input<string>;
}

/** Lets phones whose credentials are in the list REGISTER to the domain. Id: SD.../CL... */
export class RegistrationCredentialListMapping extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.registrationMapping;
  declare readonly domainSid: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;

  constructor(name: string, args: CredentialListMappingArgs, opts?: pulumi.CustomResourceOptions) {
    super(RegistrationCredentialListMapping.__pulumiType, name, args, CREDENTIAL_LIST_MAPPING, opts);
  }
}

/** Lets phones whose credentials are in the list place calls (INVITE) through the domain. Id: SD.../CL... */
export class CallCredentialListMapping extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.callMapping;
  declare readonly domainSid: pulumi.Output<string>;
  declare readonly credentialListSid: pulumi.Output<string>;

  constructor(name: string, args: CredentialListMappingArgs, opts?: pulumi.CustomResourceOptions) {
    super(CallCredentialListMapping.__pulumiType, name, args, CREDENTIAL_LIST_MAPPING, opts);
  }
}

// ---------------------------------------------------------------- PhoneNumberVoiceConfig

export interface PhoneNumberVoiceConfigArgs {
  /** E.164 number the account already owns. A change replaces (restores the old number). */
  phoneNumber: pulumi.Input<string>;
  voiceUrl: pulumi.Input<string>;
  voiceMethod?: pulumi.Input<HttpMethod>;
  voiceFallbackUrl?: pulumi.Input<string>;
  voiceFallbackMethod?: pulumi.Input<HttpMethod>;
  statusCallback?: pulumi.Input<string>;
  statusCallbackMethod?: pulumi.Input<HttpMethod>;
}


/**
 * Points an owned Twilio number's incoming calls at a webhook; on delete puts back the
 * settings it changed. Never buys or releases the number. Id: PN...
 */
export class PhoneNumberVoiceConfig extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.phoneNumber;
  declare readonly sid: pulumi.Output<string>;
  declare readonly phoneNumber: pulumi.Output<string>;
  declare readonly voiceUrl: pulumi.Output<string | undefined>;
  declare readonly voiceMethod: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackUrl: pulumi.Output<string | undefined>;
  declare readonly voiceFallbackMethod: pulumi.Output<string | undefined>;
  declare readonly statusCallback: pulumi.Output<string | undefined>;
  declare readonly statusCallbackMethod: pulumi.Output<string | undefined>;
  declare readonly voiceApplicationSid: pulumi.Output<string | undefined>;
  declare readonly trunkSid: pulumi.Output<string | undefined>;
  /** The value each managed setting had before sipline set it; restored on delete. */
  declare readonly previous: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PhoneNumberVoiceConfigArgs, opts?: pulumi.CustomResourceOptions) {
    super(PhoneNumberVoiceConfig.__pulumiType, name, args, PHONE_NUMBER, opts);
  }
}

// ---------------------------------------------------------------- VoiceDialingPermissions

export interface VoiceDialingPermissionsArgs {
  /** ISO 3166 alpha-2 codes: the only countries whose low-risk numbers phones may dial. */
  allowedCountries: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The whole account's Voice geographic permissions: exactly `allowedCountries` have low-risk
 * numbers enabled; high-risk special and toll-fraud numbers are disabled everywhere. Restored
 * on delete. Id: the account sid (one per account).
 */
export class VoiceDialingPermissions extends TwilioResource {
  static readonly __pulumiType = TWILIO_TYPES.dialingPermissions;
  declare readonly allowedCountries: pulumi.Output<string[]>;
  declare readonly lowRiskCountries: pulumi.Output<string[]>;
  declare readonly highRiskCountries: pulumi.Output<string[]>;
  declare readonly previous: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: VoiceDialingPermissionsArgs, opts?: pulumi.CustomResourceOptions) {
    super(VoiceDialingPermissions.__pulumiType, name, args, VOICE_DIALING_PERMISSIONS, opts);
  }
}

/**
 * Pure input validators, shared by the providers' `check`, the resource constructors (so
 * `pulumi preview` fails before any request) and the Pulumi program.
 *
 * Each returns an error message naming the field and the bad value, or undefined when the
 * value is valid. The password validator names the rule broken, never the value.
 * Rules come from Twilio's API reference (see /work/shared/reference/twilio-sip.md).
 */

// The placeholder the engine puts in place of values not known yet during preview: such a
// value is checked at `up` time.
import { unknownValue } from '@pulumi/pulumi/runtime/rpc';

export const PASSWORD_POLICY = {
  minLength: 12,
  rules: [
    { test: /[0-9]/, description: 'at least one digit' },
    { test: /[A-Z]/, description: 'at least one upper case letter' },
    { test: /[a-z]/, description: 'at least one lower case letter' },
  ],
  description: 'at least 12 characters with at least one digit, one upper case and one lower case letter',
} as const;

export const USERNAME_MAX_LENGTH = 32;
export const FRIENDLY_NAME_MAX_LENGTH = 64;
export const SIP_DOMAIN_SUFFIX = '.sip.twilio.com';
export const HTTP_METHODS = ['GET', 'POST'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export function validateSipDomainName(value: unknown, field = 'domainName'): string | undefined {
  if (typeof value !== 'string' || value === '') return `${field} is required (e.g. "acme${SIP_DOMAIN_SUFFIX}")`;
  if (!value.toLowerCase().endsWith(SIP_DOMAIN_SUFFIX)) {
    return `${field} "${value}" must end with "${SIP_DOMAIN_SUFFIX}" (give the full name, e.g. "acme${SIP_DOMAIN_SUFFIX}")`;
  }
  const label = value.slice(0, -SIP_DOMAIN_SUFFIX.length);
  // Twilio: letters, digits and "-". One DNS label, so at most 63 characters, and a hyphen
  // cannot start or end it (phones resolve the name in DNS).
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) {
    return `${field} "${value}": the part before "${SIP_DOMAIN_SUFFIX}" may contain only letters, digits and "-" (not at either end), 1 to 63 characters`;
  }
  return undefined;
}

export function validateUsername(value: unknown, field = 'username'): string | undefined {
  if (typeof value !== 'string' || value === '') return `${field} is required`;
  if (value.length > USERNAME_MAX_LENGTH) {
    return `${field} "${value}" is ${value.length} characters long; Twilio allows at most ${USERNAME_MAX_LENGTH}`;
  }
  // The username becomes the user part of sip:USER@DOMAIN; whitespace, "@", ":" and ";"
  // would break that URI in phones' configuration.
  if (!/^[\x21-\x7e]+$/.test(value) || /[@:;]/.test(value)) {
    return `${field} "${value}" may contain only printable ASCII characters other than space, "@", ":" and ";"`;
  }
  return undefined;
}

export function validatePassword(value: unknown, field = 'password'): string | undefined {
  if (typeof value !== 'string' || value === '') return `${field} is required`;
  const broken: string[] = [];
  if (value.length < PASSWORD_POLICY.minLength) broken.push(`at least ${PASSWORD_POLICY.minLength} characters`);
  for (const rule of PASSWORD_POLICY.rules) if (!rule.test.test(value)) broken.push(rule.description);
  return broken.length ? `${field} breaks Twilio's password policy: it needs ${broken.join(', ')}` : undefined;
}

export function validateE164(value: unknown, field = 'phoneNumber'): string | undefined {
  if (typeof value !== 'string' || !/^\+[1-9][0-9]{1,14}$/.test(value)) {
    return `${field} "${String(value)}" is not an E.164 number ("+" then country code and number, digits only, e.g. "+14155550100")`;
  }
  return undefined;
}

export function validateUrl(value: unknown, field = 'url'): string | undefined {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return `${field} "${String(value)}" is not an http(s) URL`;
  }
  return undefined;
}

export function validateHttpMethod(value: unknown, field = 'method'): string | undefined {
  return HTTP_METHODS.includes(value as HttpMethod) ? undefined : `${field} "${String(value)}" must be one of ${HTTP_METHODS.join(', ')}`;
}

/** Twilio sids: two-letter prefix + 32 hex digits (e.g. CL..., SD..., PN...). */
export function validateSid(value: unknown, prefix: string, field: string): string | undefined {
  return typeof value === 'string' && new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value)
    ? undefined
    : `${field} "${String(value)}" is not a ${prefix} sid (${prefix} followed by 32 hex digits)`;
}

export function validateFriendlyName(value: unknown, field = 'friendlyName', required = false): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') return `${field} is required`;
  if (value.length > FRIENDLY_NAME_MAX_LENGTH) {
    return `${field} "${value}" is ${value.length} characters long; Twilio allows at most ${FRIENDLY_NAME_MAX_LENGTH}`;
  }
  return undefined;
}

export function validateBoolean(value: unknown, field: string): string | undefined {
  return typeof value === 'boolean' ? undefined : `${field} "${String(value)}" must be true or false`;
}

// ---- plumbing shared by the providers and resource constructors ----

export type FieldRule = (value: unknown, field: string) => string | undefined;

export interface FieldFailure {
  property: string;
  reason: string;
}

/**
 * Applies `rules` to the known values of `inputs`; a rule for an absent optional field is
 * skipped unless the field is listed in `required`.
 */
export function checkFields(
  values: object,
  rules: Record<string, FieldRule>,
  required: readonly string[] = [],
): FieldFailure[] {
  const inputs = values as Record<string, unknown>;
  const failures: FieldFailure[] = [];
  for (const [field, rule] of Object.entries(rules)) {
    const value = inputs[field];
    if (value === unknownValue || isPulumiOutputLike(value)) continue;
    if (value === undefined && !required.includes(field)) continue;
    const reason = value === undefined ? `${field} is required` : rule(value, field);
    if (reason) failures.push({ property: field, reason });
  }
  return failures;
}

/** Throws one Error listing every failure (used before requests and in constructors). */
export function assertValid(kind: string, name: string, failures: FieldFailure[]): void {
  if (failures.length) throw new Error(`Invalid ${kind} "${name}": ${failures.map((f) => f.reason).join('; ')}`);
}

// Inputs handed to a resource constructor may be Outputs/Promises: only plain values are
// checked there; the provider's `check` sees the resolved values.
function isPulumiOutputLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (typeof (value as { then?: unknown }).then === 'function' || typeof (value as { apply?: unknown }).apply === 'function');
}

// ---- each resource's rules, shared by the provider's Check (infra/provider) and the program's
// resource classes (resources.ts), which check plain values at construction ----

export interface ResourceRules {
  rules: Record<string, FieldRule>;
  required: string[];
}

// SIP_DOMAIN and PHONE_NUMBER keep their field names in their type (`satisfies`): the provider
// derives the fields it sends and reads (infra/provider/resources) from them.
export const SIP_DOMAIN = {
  rules: {
    domainName: validateSipDomainName,
    friendlyName: (v, f) => validateFriendlyName(v, f),
    voiceUrl: validateUrl,
    voiceMethod: validateHttpMethod,
    voiceFallbackUrl: validateUrl,
    voiceFallbackMethod: validateHttpMethod,
    voiceStatusCallbackUrl: validateUrl,
    voiceStatusCallbackMethod: validateHttpMethod,
    sipRegistration: validateBoolean,
    secure: validateBoolean,
    emergencyCallingEnabled: validateBoolean,
    emergencyCallerSid: (v, f) => validateSid(v, 'PN', f),
  },
  required: ['domainName'],
} satisfies ResourceRules;

export const CREDENTIAL_LIST: ResourceRules = {
  rules: { friendlyName: (v, f) => validateFriendlyName(v, f, true) },
  required: ['friendlyName'],
};

export const CREDENTIAL: ResourceRules = {
  rules: { credentialListSid: (v, f) => validateSid(v, 'CL', f), username: validateUsername, password: validatePassword },
  required: ['credentialListSid', 'username', 'password'],
};

export const CREDENTIAL_LIST_MAPPING: ResourceRules = {
  rules: { domainSid: (v, f) => validateSid(v, 'SD', f), credentialListSid: (v, f) => validateSid(v, 'CL', f) },
  required: ['domainSid', 'credentialListSid'],
};

export const PHONE_NUMBER = {
  rules: {
    phoneNumber: validateE164,
    voiceUrl: validateUrl,
    voiceMethod: validateHttpMethod,
    voiceFallbackUrl: validateUrl,
    voiceFallbackMethod: validateHttpMethod,
    statusCallback: validateUrl,
    statusCallbackMethod: validateHttpMethod,
  },
  required: ['phoneNumber', 'voiceUrl'],
} satisfies ResourceRules;

export function validateCountryList(value: unknown, field = 'allowedCountries'): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return `${field} must list at least one ISO 3166 alpha-2 country code`;
  const bad = value.filter((c) => c !== unknownValue && (typeof c !== 'string' || !/^[A-Z]{2}$/.test(c)));
  return bad.length ? `${field}: ${bad.map((c) => JSON.stringify(c)).join(', ')} is not an ISO 3166 alpha-2 code (like US)` : undefined;
}

export const VOICE_DIALING_PERMISSIONS: ResourceRules = {
  rules: { allowedCountries: validateCountryList },
  required: ['allowedCountries'],
};

/** Every failure of `values` against a resource's rules (optionally with other required fields). */
export const checkResource = (values: object, r: ResourceRules, required: string[] = r.required): FieldFailure[] => checkFields(values, r.rules, required);

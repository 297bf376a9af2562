/**
 * Phone numbers, countries and emergency short codes: everything the router and the stack
 * config need to know about numbering plans, in one place.
 *
 * Built on libphonenumber-js's `core` entry with its `max` metadata passed in explicitly: `max`
 * is the only metadata that carries number types (premium rate, shared cost...), which the
 * toll-fraud guard needs. The Lambda bundle reads that metadata, without its formatting rules,
 * from a JSON file beside the bundle, parsed once at cold start (phone-metadata.json,
 * lambda/build.ts): data kept out of the code V8 compiles, every number type kept.
 */
import {
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type MetadataJson,
  type NumberType,
} from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

const metadata = metadataJson as unknown as MetadataJson;

export type { CountryCode, NumberType };

/** A number normalized to E.164, with what the numbering plan says about it. */
export interface NormalizedNumber {
  e164: string;
  /** ISO 3166 alpha-2 country, or undefined for non-geographic numbers (+800, +881...). */
  country?: CountryCode;
  callingCode: string;
  type?: NumberType;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/** True for an ISO 3166 alpha-2 code that the numbering-plan metadata knows (US, GB, CA...). */
export function isKnownCountry(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code as CountryCode, metadata);
}

/**
 * The main country of the calling code that digits of a global number start with: `44...` →
 * GB, `1415...` → US (calling codes are prefix-free, 1 to 3 digits). Undefined for a code of
 * no country (+800, +881...) or none at all.
 */
export function countryOfGlobalDigits(digits: string): CountryCode | undefined {
  const codes = (metadata as unknown as { country_calling_codes: Record<string, CountryCode[]> }).country_calling_codes;
  for (let length = 1; length <= 3 && length <= digits.length; length++) {
    const countries = codes[digits.slice(0, length)];
    if (countries) return countries[0];
  }
  return undefined;
}

/** Dialed digits parsed to E.164; what the numbering plan says of them is asked separately. */
export interface DialedNumber {
  e164: string;
  /** The full check against the numbering plan: undefined unless valid and complete. */
  classify(): NormalizedNumber | undefined;
}

/**
 * Parses dialed digits (E.164, national format, or an international prefix such as 011/00)
 * with `defaultCountry` for national input. Parsing alone is enough to look a number up among
 * registered ones; the costlier validity and type check runs only when `classify()` is asked.
 */
export function parseDialed(input: string, defaultCountry: CountryCode): DialedNumber | undefined {
  const parsed = parsePhoneNumberFromString(input, defaultCountry, metadata);
  if (!parsed) return undefined;
  return {
    e164: parsed.number,
    classify() {
      // With `max` metadata, isValid() is exactly "getType() finds a type" (libphonenumber-js
      // isValid.js), and each runs every type pattern of the country: ask once, not twice.
      const type = parsed.getType();
      if (type === undefined && !parsed.isValid()) return undefined;
      return { e164: parsed.number, country: parsed.country, callingCode: parsed.countryCallingCode, type };
    },
  };
}

/** Parses and checks dialed digits; undefined for anything that is not a valid, complete number. */
export function normalizeNumber(input: string, defaultCountry: CountryCode): NormalizedNumber | undefined {
  return parseDialed(input, defaultCountry)?.classify();
}

/** Strict E.164 check for configuration: `+` and digits, and a valid number in its country. */
export function parseE164(value: string): NormalizedNumber | undefined {
  if (!E164.test(value)) return undefined;
  const parsed = normalizeNumber(value, 'US');
  return parsed && parsed.e164 === value ? parsed : undefined;
}

/**
 * Emergency short codes by country. libphonenumber-js does not carry short-number metadata, so
 * this table is explicit. 112 and 911 are listed for every country because GSM handsets treat
 * both as emergency numbers everywhere, and a caller under stress dials what they know.
 */
const EMERGENCY_CODES: Readonly<Record<string, readonly string[]>> = {
  US: ['911'], CA: ['911'], MX: ['911'], PR: ['911'],
  GB: ['999'], IE: ['999'], HK: ['999'], MY: ['999'], SG: ['995', '999'],
  AU: ['000', '106'], NZ: ['111'], ZA: ['10111', '10177'],
  IN: ['100', '101', '102', '108'], JP: ['110', '119'], CN: ['110', '119', '120'], KR: ['119'],
  BR: ['190', '192', '193'], AR: ['107', '101', '100'],
  DE: ['110'], FR: ['15', '17', '18'], IT: ['113', '115', '118'], ES: ['091', '061', '080'],
  NL: [], BE: ['101'], CH: ['117', '118', '144'], AT: ['122', '133', '144'],
  SE: [], NO: ['110', '113'], DK: [], FI: [], PL: ['997', '998', '999'], PT: [],
};
const UNIVERSAL_EMERGENCY_CODES = ['112', '911'];

/** The emergency short codes a caller in `country` may dial. */
export function emergencyCodesFor(country: string | undefined): ReadonlySet<string> {
  return new Set([...UNIVERSAL_EMERGENCY_CODES, ...((country && EMERGENCY_CODES[country]) || [])]);
}

/**
 * Calling codes whose numbers are satellite services: Inmarsat (+870), Global Mobile Satellite
 * System incl. Iridium and Globalstar (+881), and International Networks (+882), which carries
 * Thuraya. These are the classic toll-fraud destinations and are never dialed.
 */
export const SATELLITE_CALLING_CODES: ReadonlySet<string> = new Set(['870', '881', '882']);

/**
 * The number types phones may dial on the PSTN: an allow-list, so that premium-rate,
 * shared-cost and personal numbers (UK 070, a classic revenue-share fraud destination), pagers
 * and voicemail access numbers are refused, and so is any type a future metadata adds.
 */
export const DIALABLE_NUMBER_TYPES: ReadonlySet<NumberType> = new Set<NumberType>([
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'VOIP',
  'UAN',
]);

/** Why the toll-fraud guard refuses a valid number (the rest of the reasons are lambda/dialPlan.ts's). */
export type PstnRefusal = 'satellite' | 'country-not-allowed' | 'number-type-not-allowed';

/**
 * The toll-fraud guard on a valid number: satellite services never, only the allowed
 * countries, only the dialable number types. One rule for what phones dial and for the
 * numbers the stack forwards unanswered calls to (checked at deploy time and per call).
 */
export function pstnRefusalOf(number: NormalizedNumber, allowedCountries: ReadonlySet<string>): PstnRefusal | undefined {
  if (SATELLITE_CALLING_CODES.has(number.callingCode)) return 'satellite';
  if (!number.country || !allowedCountries.has(number.country)) return 'country-not-allowed';
  if (!number.type || !DIALABLE_NUMBER_TYPES.has(number.type)) return 'number-type-not-allowed';
  return undefined;
}

/**
 * The emergency number Twilio routes to a PSAP, by the country of the caller ID (the call-back
 * number) of the call. Twilio's emergency calling for SIP domains covers these countries only,
 * and the number dialed must be an emergency number of the call-back number's country; so
 * whichever emergency code a caller dials (112, 911, 999...), this is what is dialed.
 * (twilio.com/docs/voice/sip/emergency-calling)
 */
export const TWILIO_EMERGENCY_NUMBERS: Readonly<Record<string, string>> = {
  US: '911',
  CA: '911',
  GB: '999',
  AU: '000',
  IE: '112',
  FR: '112',
  DE: '112',
  AT: '112',
};

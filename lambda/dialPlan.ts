/**
 * The routing decision, as a pure function of the directory and a call's addresses.
 *
 * Everything the directory allows is indexed once, when the DialPlan is built at cold start;
 * per call there are only map look-ups and, for digits that are no registered number, one
 * libphonenumber parse.
 */
import { numberOf, type DirectoryUser, type RouterDirectory } from './directory';
import {
  DIALABLE_NUMBER_TYPES,
  countryOfGlobalDigits,
  SATELLITE_CALLING_CODES,
  TWILIO_EMERGENCY_NUMBERS,
  emergencyCodesFor,
  isKnownCountry,
  normalizeNumber,
  parseDialed,
  type CountryCode,
} from './phone';
import { dialedAddressOf, globalPrefixOf, sipDomainHostPattern } from './sipUri';

/** Why a call was not connected; each is logged as `refused:<reason>` and has a spoken message (messages.ts). */
export type RefusalReason =
  | 'malformed-request'
  /** An outbound request without `SipUsername`: no credential vouches for the caller. */
  | 'no-sip-username'
  /** A `SipUsername` that is no user of the directory. */
  | 'unknown-caller'
  /** A `SipDomain` that is not the directory's domain (or none). */
  | 'foreign-domain'
  | 'malformed-destination'
  | 'unknown-user'
  | 'invalid-number'
  | 'country-not-allowed'
  | 'number-type-not-allowed'
  | 'satellite'
  | 'no-caller-id'
  | 'emergency-disabled'
  | 'emergency-no-callback-number'
  | 'emergency-unsupported-country'
  | 'not-in-service';

export type Decision =
  /** A registered user dialed a PSTN number. */
  | { flow: 'pstn'; number: string; callerId: string }
  /** A registered user dialed another registered user, by name or by number: 2 legs, no PSTN. */
  | { flow: 'sip-user'; username: string; callerId: string }
  /** An emergency code: Twilio's emergency number for the call-back number's country. */
  | { flow: 'emergency'; number: string; callerId: string }
  /** A PSTN caller reached one of the account's numbers, which rings its user. */
  | { flow: 'inbound'; username: string }
  | { flow: 'refused'; reason: RefusalReason };

/** A registered user with what routing needs about it, derived once. */
interface IndexedUser {
  username: string;
  /** Caller ID on the PSTN: the user's number, else the directory's default caller ID. */
  pstnCallerId?: string;
  /**
   * The call-back number of an emergency call: the user's own, else the default caller ID,
   * whose registered emergency address is then where this phone is taken to be.
   */
  emergencyCallerId?: string;
  /** The user's own number, whose country's emergency codes the user may dial. */
  ownNumber?: string;
}

/**
 * What the router reads of a call placed by a registered phone (the SIP domain's voice URL).
 * `From` is not here: it is the INVITE's From header, which the phone writes; the caller is
 * the user whose credential passed Twilio's challenge, `SipUsername`.
 */
export interface OutboundCall {
  /** `SipUsername`: the username of the credential that authenticated the INVITE. */
  sipUsername?: string;
  /** `SipDomain`: the SIP domain the INVITE was sent to. */
  sipDomain?: string;
  /** `To`: the address the phone dialed. */
  to?: string;
}

// Visual separators people type in numbers: 1-415-555-0100, (415) 555.0100.
const SEPARATORS = /[().-]/g;
const DIAL_STRING = /^\+?[0-9]+$/;

export class DialPlan {
  readonly domain: string;
  readonly defaultCountry: CountryCode;
  /** The directory's domain as a phone may reach it: acme.sip.twilio.com, or via an edge. */
  private readonly domainHosts: RegExp;
  private readonly users = new Map<string, IndexedUser>();
  private readonly usersByNumber = new Map<string, string>();
  private readonly allowedCountries: ReadonlySet<string>;
  private readonly emergencyEnabled: boolean;
  private readonly emergencyCodes = new Map<string, ReadonlySet<string>>();
  /** Countries of users' numbers, worked out on first need (emergency calls only). */
  private readonly countriesOfNumbers = new Map<string, CountryCode | undefined>();

  constructor(directory: RouterDirectory) {
    this.domain = directory.domain;
    this.domainHosts = sipDomainHostPattern(directory.domain);
    this.defaultCountry = directory.defaultCountry as CountryCode;
    this.allowedCountries = new Set(directory.allowedCountries ?? [directory.defaultCountry]);
    this.emergencyEnabled = directory.emergency.enabled;
    for (const user of directory.users) this.index(user, directory.defaultCallerId);
  }

  private index(user: DirectoryUser, defaultCallerId: string | undefined): void {
    // Only map inserts here: a 1,000-user directory must not cost 1,000 number parses at
    // cold start (the stack validated every number at deploy time).
    const own = numberOf(user);
    this.users.set(user.username, {
      username: user.username,
      pstnCallerId: own ?? defaultCallerId,
      emergencyCallerId: own ?? defaultCallerId,
      ownNumber: own,
    });
    if (own) this.usersByNumber.set(own, user.username);
    if (user.number && user.username.startsWith('+')) this.usersByNumber.set(user.username, user.username);
  }

  /** The request's default country: `?defaultCountry=GB` when it is a known country. */
  countryFor(override: string | undefined): CountryCode {
    return override && isKnownCountry(override) ? override : this.defaultCountry;
  }

  private emergencyCodesOf(country: string | undefined): ReadonlySet<string> {
    const key = country ?? '';
    let codes = this.emergencyCodes.get(key);
    if (!codes) this.emergencyCodes.set(key, (codes = emergencyCodesFor(country)));
    return codes;
  }

  private countryOfNumber(e164: string | undefined): CountryCode | undefined {
    if (!e164) return undefined;
    if (!this.countriesOfNumbers.has(e164)) this.countriesOfNumbers.set(e164, normalizeNumber(e164, this.defaultCountry)?.country);
    return this.countriesOfNumbers.get(e164);
  }

  /**
   * Short codes only (up to 5 digits): the request's country's, the phone-context's country's
   * when the phone said where it dialed, and the caller's home country's.
   */
  private isEmergency(digits: string, caller: IndexedUser, country: CountryCode, contextCountry: CountryCode | undefined): boolean {
    if (digits.length > 5) return false;
    if (this.emergencyCodesOf(country).has(digits)) return true;
    if (contextCountry !== undefined && this.emergencyCodesOf(contextCountry).has(digits)) return true;
    const home = this.countryOfNumber(caller.ownNumber);
    return home !== undefined && home !== country && this.emergencyCodesOf(home).has(digits);
  }

  /** A call placed by a registered phone (the SIP domain's voice URL). */
  outbound(call: OutboundCall, country: CountryCode = this.defaultCountry): Decision {
    // Who calls is settled before what was dialed: nothing reaches the PSTN or a user
    // without a credential of this directory's domain behind it.
    if (!call.sipDomain || !this.domainHosts.test(call.sipDomain)) return refused('foreign-domain');
    if (!call.sipUsername) return refused('no-sip-username');
    const caller = this.users.get(call.sipUsername);
    if (!caller) return refused('unknown-caller');
    const { to } = call;
    if (to === undefined) return refused('malformed-request');
    const destination = destinationOf(to);
    if (!destination) return refused('malformed-destination');
    const { target, local } = destination;

    // Emergency codes come first, before any username: 911 must never ring a user named "911".
    if (local !== undefined && this.isEmergency(local, caller, country, destination.contextCountry)) {
      if (!this.emergencyEnabled) return refused('emergency-disabled');
      if (!caller.emergencyCallerId) return refused('emergency-no-callback-number');
      const emergencyNumber = TWILIO_EMERGENCY_NUMBERS[this.countryOfNumber(caller.emergencyCallerId) ?? ''];
      if (!emergencyNumber) return refused('emergency-unsupported-country');
      return { flow: 'emergency', number: emergencyNumber, callerId: caller.emergencyCallerId };
    }
    if (this.users.has(target)) return { flow: 'sip-user', username: target, callerId: caller.username };
    const digits = target.replace(SEPARATORS, '');
    if (!DIAL_STRING.test(digits)) {
      return refused(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target) ? 'unknown-user' : 'malformed-destination');
    }

    // A registered number is dialed as its user over SIP: 2 legs, never through the PSTN.
    const exact = this.usersByNumber.get(digits);
    if (exact) return { flow: 'sip-user', username: exact, callerId: caller.username };
    const dialed = parseDialed(digits, country);
    const registered = dialed && this.usersByNumber.get(dialed.e164);
    if (registered) return { flow: 'sip-user', username: registered, callerId: caller.username };
    const number = dialed?.classify();
    if (!number) return refused('invalid-number');

    if (SATELLITE_CALLING_CODES.has(number.callingCode)) return refused('satellite');
    if (!number.country || !this.allowedCountries.has(number.country)) return refused('country-not-allowed');
    if (!number.type || !DIALABLE_NUMBER_TYPES.has(number.type)) return refused('number-type-not-allowed');
    if (!caller.pstnCallerId) return refused('no-caller-id');
    return { flow: 'pstn', number: number.e164, callerId: caller.pstnCallerId };
  }

  /** A call to one of the account's numbers (the numbers' voice URL). */
  inbound(to: string | undefined, country: CountryCode = this.defaultCountry): Decision {
    const destination = destinationOf(to);
    if (!destination) return refused('malformed-request');
    const digits = destination.target.replace(SEPARATORS, '');
    const username = this.usersByNumber.get(digits) ?? (DIAL_STRING.test(digits) ? this.usersByNumber.get(parseDialed(digits, country)?.e164 ?? '') : undefined);
    return username ? { flow: 'inbound', username } : refused('not-in-service');
  }
}

/** What was dialed, once an RFC 3966 phone-context is applied. */
interface Destination {
  /** A username, or a dial string: a global number when a phone-context gave its prefix. */
  target: string;
  /** The digits dialed locally (no `+`): these may be an emergency code. */
  local?: string;
  /** The country of a global phone-context (+44: GB), whose emergency codes count too. */
  contextCountry?: CountryCode;
}

/**
 * Reads a `To`. A local number in a global phone-context (`2079460000;phone-context=+44`) is
 * the context's digits followed by the local ones (RFC 3966 5.1.5), then treated as any
 * E.164 input: +44 20 7946 0000, never +1 207 946 0000. A context that is a domain name, or one
 * on anything but local digits, cannot be dialed: malformed, never dialed as a local number.
 */
function destinationOf(address: string | undefined): Destination | undefined {
  const dialed = dialedAddressOf(address);
  if (!dialed) return undefined;
  const digits = dialed.user.replace(SEPARATORS, '');
  if (dialed.phoneContext === undefined) {
    return DIAL_STRING.test(digits) && !digits.startsWith('+') ? { target: dialed.user, local: digits } : { target: dialed.user };
  }
  const prefix = globalPrefixOf(dialed.phoneContext);
  if (prefix === undefined || !/^[0-9]+$/.test(digits)) return undefined;
  return { target: `+${prefix}${digits}`, local: digits, contextCountry: countryOfGlobalDigits(prefix) };
}

function refused(reason: RefusalReason): Decision {
  return { flow: 'refused', reason };
}

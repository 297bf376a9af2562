/**
 * The routing decision, as a pure function of the directory and a call's addresses.
 *
 * Everything the directory allows is indexed once, when the DialPlan is built at cold start;
 * per call there are only map look-ups and, for digits that are no registered number, one
 * libphonenumber parse.
 */
import { numberOf, type DirectoryGroup, type DirectoryUser, type NoAnswer, type RouterDirectory } from './directory';
import {
  countryOfGlobalDigits,
  TWILIO_EMERGENCY_NUMBERS,
  emergencyCodesFor,
  isKnownCountry,
  normalizeNumber,
  parseDialed,
  pstnRefusalOf,
  type CountryCode,
  type PstnRefusal,
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
  | PstnRefusal
  | 'no-caller-id'
  | 'emergency-disabled'
  | 'emergency-no-callback-number'
  | 'emergency-unsupported-country'
  /** A phone's transfer button aimed at an emergency number: emergency calls are placed, never transferred. */
  | 'emergency-transfer'
  /** A transfer to a phone already on the call (the transferring one, the party's), or to a group of no one else. */
  | 'already-on-call'
  | 'not-in-service';

export type Decision =
  /** A registered user dialed a PSTN number. */
  | { flow: 'pstn'; number: string; callerId: string }
  /** A registered user dialed another registered user, by name or by number: 2 legs, no PSTN. */
  | { flow: 'sip-user'; username: string; callerId: string }
  /** A hunt group was called: by name or number from a phone (callerId: the caller), or from the PSTN. */
  | { flow: 'group'; group: string; callerId?: string }
  /** An emergency code: Twilio's emergency number for the call-back number's country. */
  | { flow: 'emergency'; number: string; callerId: string }
  /** A PSTN caller reached one of the account's numbers, which rings its user. */
  | { flow: 'inbound'; username: string }
  | { flow: 'refused'; reason: RefusalReason };

/** Where a transfer goes: a user, a group, a PSTN number, or a refusal (never an emergency call). */
export type TransferDecision = Extract<Decision, { flow: 'pstn' | 'sip-user' | 'group' | 'refused' }>;

/** Who places a call, with what routing needs about it, derived once: a user, or a group transferring a call. */
interface Caller {
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

/** What a name phones dial rings: one user's phones, or a hunt group's members. */
export type RingTarget = { kind: 'user'; user: DirectoryUser } | { kind: 'group'; group: DirectoryGroup };

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
  readonly defaultCallerId: string | undefined;
  /** The directory's domain as a phone may reach it: acme.sip.twilio.com, or via an edge. */
  private readonly domainHosts: RegExp;
  private readonly users = new Map<string, Caller>();
  /** Users and groups by name (one namespace: the schema keeps them apart). */
  private readonly targets = new Map<string, RingTarget>();
  /** The user or group each number rings, by name. */
  private readonly namesByNumber = new Map<string, string>();
  private readonly allowedCountries: ReadonlySet<string>;
  private readonly emergencyEnabled: boolean;
  private readonly emergencyCodes = new Map<string, ReadonlySet<string>>();
  /** Countries of users' numbers, worked out on first need (emergency calls only). */
  private readonly countriesOfNumbers = new Map<string, CountryCode | undefined>();

  constructor(directory: RouterDirectory) {
    this.domain = directory.domain;
    this.domainHosts = sipDomainHostPattern(directory.domain);
    this.defaultCountry = directory.defaultCountry as CountryCode;
    this.defaultCallerId = directory.defaultCallerId;
    this.allowedCountries = new Set(directory.allowedCountries ?? [directory.defaultCountry]);
    this.emergencyEnabled = directory.emergency.enabled;
    for (const user of directory.users) this.index(user, directory.defaultCallerId);
    for (const group of directory.groups ?? []) {
      this.targets.set(group.name, { kind: 'group', group });
      if (group.number) this.namesByNumber.set(group.number, group.name);
    }
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
    this.targets.set(user.username, { kind: 'user', user });
    if (own) this.namesByNumber.set(own, user.username);
    if (user.number && user.username.startsWith('+')) this.namesByNumber.set(user.username, user.username);
  }

  /** The user or group a name rings (a username, or a group's name). */
  ringTarget(name: string): RingTarget | undefined {
    return this.targets.get(name);
  }

  /** What happens when `name` (a user or group) does not answer, as the directory says. */
  noAnswerOf(name: string): Omit<NoAnswer, 'ringSeconds'> | undefined {
    const target = this.targets.get(name);
    return target?.kind === 'user' ? target.user.noAnswer : target?.group.noAnswer;
  }

  /** Whether a number is valid in its numbering plan (a caller's number before it becomes a caller ID). */
  isValidNumber(e164: string): boolean {
    return normalizeNumber(e164, this.defaultCountry) !== undefined;
  }

  /** The number of a user or a group: the caller ID that stands for it on the PSTN. */
  numberOf(name: string): string | undefined {
    const target = this.targets.get(name);
    return target?.kind === 'user' ? numberOf(target.user) : target?.group.number;
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
  private isEmergency(digits: string, caller: Caller, country: CountryCode, contextCountry: CountryCode | undefined): boolean {
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
    return this.route(caller, call.to, country);
  }

  /**
   * Where a phone's transfer button sends the call it holds (`ReferTransferTarget`, the REFER's
   * Refer-To): through the same dial plan as a call `by` placed, so the toll-fraud guard and
   * `by`'s caller ID apply. `by` is the transferring user, or the group whose call it was.
   * The Refer-To's host is not read: a phone writes whatever proxy it knows, and only this
   * directory's users or the PSTN are ever dialed. Emergency codes are refused: a call for
   * help is placed by whoever needs it, so the dispatcher gets their call-back number.
   */
  transfer(by: string | undefined, referTo: string | undefined, country: CountryCode = this.defaultCountry): TransferDecision {
    const caller = by === undefined ? undefined : (this.users.get(by) ?? this.groupCaller(by));
    if (!caller) return refused('unknown-caller');
    const target = referTargetOf(referTo);
    if (target === undefined) return refused('malformed-destination');
    const decision = this.route(caller, target, country);
    return decision.flow === 'emergency' || (decision.flow === 'refused' && decision.reason.startsWith('emergency-')) ? refused('emergency-transfer') : decision;
  }

  /** A group as the caller of a transfer: its number stands for it on the PSTN. */
  private groupCaller(name: string): Caller | undefined {
    const target = this.targets.get(name);
    if (target?.kind !== 'group') return undefined;
    const own = target.group.number;
    const callerId = own ?? this.defaultCallerId;
    return { username: name, pstnCallerId: callerId, emergencyCallerId: callerId, ownNumber: own };
  }

  /** A call from a user (or group) of the directory to what it dialed. */
  private route(caller: Caller, to: string | undefined, country: CountryCode): Exclude<Decision, { flow: 'inbound' }> {
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
    if (this.targets.has(target)) return this.ring(target, caller.username);
    const digits = target.replace(SEPARATORS, '');
    if (!DIAL_STRING.test(digits)) {
      return refused(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(target) ? 'unknown-user' : 'malformed-destination');
    }

    // A registered number is dialed as its user (or group) over SIP: 2 legs, never through the PSTN.
    const exact = this.namesByNumber.get(digits);
    if (exact) return this.ring(exact, caller.username);
    const dialed = parseDialed(digits, country);
    const registered = dialed && this.namesByNumber.get(dialed.e164);
    if (registered) return this.ring(registered, caller.username);
    const number = dialed?.classify();
    if (!number) return refused('invalid-number');
    const guarded = pstnRefusalOf(number, this.allowedCountries);
    if (guarded) return refused(guarded);
    if (!caller.pstnCallerId) return refused('no-caller-id');
    return { flow: 'pstn', number: number.e164, callerId: caller.pstnCallerId };
  }

  /** Ringing a name of the directory from a phone: its user, or its group. */
  private ring(name: string, callerId: string): Extract<Decision, { flow: 'group' | 'sip-user' }> {
    return this.targets.get(name)?.kind === 'group' ? { flow: 'group', group: name, callerId } : { flow: 'sip-user', username: name, callerId };
  }

  /** A call to one of the account's numbers (the numbers' voice URL). */
  inbound(to: string | undefined, country: CountryCode = this.defaultCountry): Decision {
    const destination = destinationOf(to);
    if (!destination) return refused('malformed-request');
    const digits = destination.target.replace(SEPARATORS, '');
    const name = this.namesByNumber.get(digits) ?? (DIAL_STRING.test(digits) ? this.namesByNumber.get(parseDialed(digits, country)?.e164 ?? '') : undefined);
    if (!name) return refused('not-in-service');
    return this.targets.get(name)?.kind === 'group' ? { flow: 'group', group: name } : { flow: 'inbound', username: name };
  }

  /**
   * The toll-fraud guard on a number the directory forwards calls to: the stack checked it at
   * deploy time, and it is checked again per call, so a hand-edited directory cannot forward
   * to a premium-rate number either.
   */
  forwardRefusal(e164: string): RefusalReason | undefined {
    const number = parseDialed(e164, this.defaultCountry)?.classify();
    return number ? pstnRefusalOf(number, this.allowedCountries) : 'invalid-number';
  }
}

/**
 * The address a REFER's Refer-To names: `<sip:bob@acme.sip.twilio.com>`, with or without the
 * angle brackets and a display name, `tel:+14155551234`, and URI headers (`?X-Info=...`, which
 * phones may add) dropped.
 */
function referTargetOf(referTo: string | undefined): string | undefined {
  if (referTo === undefined) return undefined;
  const trimmed = referTo.trim();
  const bracketed = /<([^<>]*)>/.exec(trimmed);
  const uri = bracketed ? bracketed[1] : trimmed;
  const withoutHeaders = uri.split('?', 1)[0];
  return withoutHeaders === '' ? undefined : withoutHeaders;
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

function refused(reason: RefusalReason): Extract<Decision, { flow: 'refused' }> {
  return { flow: 'refused', reason };
}

/**
 * The routing directory: the one source of truth for its schema.
 *
 * The stack (infra/) derives it from `Pulumi.<stack>.yaml` at deploy time and validates it
 * here; the router (lambda/) reads it at cold start and validates it here again, so a file
 * edited by hand can never make the router misroute a call.
 */
import { emergencyCodesFor, isKnownCountry, normalizeNumber, parseE164, pstnRefusalOf } from './phone';
import { EMAIL_ADDRESS } from './voicemail/job';

/** Where a call nobody answered goes to voicemail: what the caller hears, where it is emailed. */
export interface VoicemailSettings {
  /** Said before the beep; default: "You have reached <name>. Please leave a message after the beep." */
  greeting?: string;
  /** Where each voicemail is emailed; absent: the recording stays in Twilio, emailed to no one. */
  email?: string;
}

/** What happens to a call that rings a user and is not answered: `forwardTo` or `voicemail`, or a spoken goodbye. */
export interface NoAnswer {
  /** How long the user's phones ring first (`<Dial timeout>`), DEFAULT_RING_SECONDS when absent. */
  ringSeconds?: number;
  /** An E.164 number the call is forwarded to, through the toll-fraud guard. */
  forwardTo?: string;
  voicemail?: VoicemailSettings;
}

/** A registered SIP user. An E.164 username is its own number unless `number` says otherwise. */
export interface DirectoryUser {
  username: string;
  /** The account's Twilio number bound to this user: inbound calls ring it; its caller ID. */
  number?: string;
  noAnswer?: NoAnswer;
}

export type GroupStrategy = 'sequential' | 'simultaneous';

/**
 * A hunt group: a name (dialed like a username) and a number that ring several users, one
 * after another (`sequential`) or all at once (`simultaneous`, one <Dial> with a <Sip> noun per
 * member, which needs Twilio's Enhanced Programmable SIP Features: `enhancedSip`).
 */
export interface DirectoryGroup {
  name: string;
  number?: string;
  /** Usernames, in the order a sequential group rings them. */
  members: string[];
  strategy: GroupStrategy;
  /** How long each member rings (sequential), or all of them (simultaneous). */
  ringSeconds?: number;
  /** What happens when no member answered; its ring time is the group's own ringSeconds. */
  noAnswer?: Omit<NoAnswer, 'ringSeconds'>;
}

export interface RouterDirectory {
  /** Host of registered users' SIP URIs, e.g. `acme.sip.twilio.com`. */
  domain: string;
  /** ISO 3166 alpha-2 country for national-format numbers. */
  defaultCountry: string;
  /** Caller ID for PSTN calls of users that have no number of their own. */
  defaultCallerId?: string;
  /** Countries a phone may dial on the PSTN; absent means only `defaultCountry`. */
  allowedCountries?: string[];
  emergency: { enabled: boolean };
  /** Whether the account has Twilio's Enhanced Programmable SIP Features (simultaneous groups need them). */
  enhancedSip?: boolean;
  users: DirectoryUser[];
  groups?: DirectoryGroup[];
}

/** One thing wrong with a directory: where (`users[2].number`), the value, and the rule. */
export interface DirectoryProblem {
  path: string;
  value: unknown;
  message: string;
  /** What the field holds when it is not text (then a YAML number or boolean there is no lost quote). */
  expects?: 'number' | 'boolean' | 'object' | 'list';
  /** For a key the schema does not know: the keys it does, so a message can suggest one. */
  known?: readonly string[];
}

export class DirectoryError extends Error {
  override name = 'DirectoryError';
  constructor(readonly problems: DirectoryProblem[], describe: (p: DirectoryProblem) => string = describeProblem) {
    super(`Invalid routing directory:\n${problems.map((p) => `  - ${describe(p)}`).join('\n')}`);
  }
}

export function describeProblem(p: DirectoryProblem): string {
  return `${p.path}: ${JSON.stringify(p.value)} ${p.message}`;
}

/** Twilio credential usernames are at most 32 characters. */
export const MAX_USERNAME_LENGTH = 32;
/** Twilio allows 1,000 credentials per credential list, and sipline uses one list. */
export const MAX_USERS = 1000;
const SIP_DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.sip\.twilio\.com$/;
// Characters that are safe unescaped in a SIP URI's user part and in a Twilio credential.
const ALPHANUMERIC_USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isE164Username(username: string): boolean {
  return username.startsWith('+');
}

/** The number a user answers on and calls from: its bound number, else its E.164 username. */
export function numberOf(user: DirectoryUser): string | undefined {
  return user.number ?? (isE164Username(user.username) ? user.username : undefined);
}

export const E164_SHAPE = /^\+[1-9]\d{1,14}$/;

/**
 * How deep the checks go: `numberingPlan` (deploy time) parses each number and checks every
 * value; `shape` (the router's cold start) only matches E.164, and skips the text checked where
 * it is used (ValidateOptions.numbers).
 */
export type NumberCheck = 'numberingPlan' | 'shape';

function isE164(value: unknown, check: NumberCheck): boolean {
  return typeof value === 'string' && (check === 'shape' ? E164_SHAPE.test(value) : parseE164(value) !== undefined);
}

/** Checks one username against sipline's rules; returns the broken rule or undefined. */
export function usernameProblem(username: unknown, check: NumberCheck = 'numberingPlan'): string | undefined {
  if (typeof username !== 'string' || username === '') return 'must be a non-empty string';
  if (username.length > MAX_USERNAME_LENGTH) return `is longer than Twilio's limit of ${MAX_USERNAME_LENGTH} characters`;
  if (isE164Username(username)) {
    return isE164(username, check) ? undefined : 'is not a valid E.164 phone number (like +14155550100)';
  }
  return ALPHANUMERIC_USERNAME.test(username)
    ? undefined
    : 'must be an E.164 number or start with a letter or digit and use only letters, digits, ".", "_" and "-"';
}

export interface ValidateOptions {
  /** How problems are worded, e.g. named after the stack config keys. */
  describe?: (p: DirectoryProblem) => string;
  /**
   * The stack checks every number against its numbering plan at deploy time; the router only
   * checks the shape at cold start, and leaves voicemail greetings and email addresses to where
   * they are used (each is checked there), which keeps a 1,000-user directory's init short.
   */
  numbers?: NumberCheck;
}

// Codes ISO 3166 reserves for a country whose code is another (ISO 3166-1 "exceptionally
// reserved"): the United Kingdom is GB, Greece GR.
const RESERVED_COUNTRY_CODES: Record<string, string> = { UK: 'GB', EL: 'GR' };

function countryProblem(code: unknown): string {
  const upper = typeof code === 'string' ? code.toUpperCase() : '';
  if (RESERVED_COUNTRY_CODES[upper]) return `is not an ISO 3166 alpha-2 country code: did you mean ${RESERVED_COUNTRY_CODES[upper]}? (ISO 3166 only reserves ${upper})`;
  return isKnownCountry(upper) ? `is not an ISO 3166 alpha-2 country code: write it in upper case, ${upper}` : 'is not an ISO 3166 alpha-2 country code (like US or GB)';
}

/** How long phones ring before a call counts as unanswered, when noAnswer does not say. */
export const DEFAULT_RING_SECONDS = 20;
/**
 * ringSeconds' bounds: Twilio's <Dial timeout> takes 5 to 600 seconds (and adds about 5 of
 * its own), but past two minutes a caller has long hung up, and a sequential group rings each
 * member that long, so a larger value is a typo more often than a wish.
 */
export const RING_SECONDS = { min: 5, max: 120 } as const;
/** A group rings 1 to 10 members: Twilio dials at most 10 <Sip> nouns at once, and a caller waits through a sequential one. */
export const MAX_GROUP_MEMBERS = 10;
/** Twilio adds about 5 seconds to every <Dial timeout> ("a five-second timeout buffer", twilio.com/docs/voice/twiml/dial#timeout). */
const TWILIO_RING_BUFFER_SECONDS = 5;
/**
 * How long a group may ring in all before its noAnswer: 3 minutes. That is SIP's INVITE timer C
 * (RFC 3261 16.6: "greater than 3 minutes"), after which a proxy on the caller's path that has
 * heard nothing new may cancel a call still ringing; and callers hang up well before. A group's
 * voicemail or forward must come while the caller is still on the line.
 */
export const MAX_GROUP_RING_SECONDS = 180;
/** A greeting is said in full before the beep: 500 characters are about 30 seconds of speech. */
export const MAX_GREETING_LENGTH = 500;
const GROUP_STRATEGIES: readonly GroupStrategy[] = ['sequential', 'simultaneous'];

// Text that needs no escaping in an XML text node, so a greeting goes into a <Say> shape as
// written (lambda/twiml.ts): no &, < or >, and no control, format, private-use, surrogate or
// unassigned code point (xmlbuilder refuses some of those, and none is speakable), except the
// zero-width (non-)joiners that Persian or Hindi words need.
// Built on first use: a Unicode property class costs a fraction of a millisecond to compile,
// which a cold start that says no greeting should not pay.
let speakable: RegExp | undefined;

/** True for a greeting the router can say: 1 to MAX_GREETING_LENGTH characters of plain text, not all blank. */
export function isSpeakableText(value: unknown): value is string {
  speakable ??= /^(?:[^\p{C}&<>]|[\u200c\u200d])+$/u;
  return typeof value === 'string' && value.length <= MAX_GREETING_LENGTH && speakable.test(value) && value.trim() !== '';
}

const NO_ANSWER_KEYS = ['ringSeconds', 'forwardTo', 'voicemail'] as const;
const GROUP_NO_ANSWER_KEYS = ['forwardTo', 'voicemail'] as const;
const VOICEMAIL_KEYS = ['greeting', 'email'] as const;
const GROUP_KEYS = ['name', 'number', 'members', 'strategy', 'ringSeconds', 'noAnswer'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Fail = (path: string, value: unknown, message: string, extra?: Pick<DirectoryProblem, 'expects' | 'known'>) => void;

/** Every key of `value` that is not one of `known`, as a problem naming the key. */
function unknownKeys(at: string, value: Record<string, unknown>, known: readonly string[], what: string, fail: Fail, hint = `${what} has ${known.join(', ')}`): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`${at}.${key}`, value[key], `is not a setting of ${what} (${hint})`, { known });
  }
}

function ringSecondsProblem(at: string, value: unknown, fail: Fail): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || (value as number) < RING_SECONDS.min || (value as number) > RING_SECONDS.max) {
    fail(at, value, `must be a whole number of seconds from ${RING_SECONDS.min} to ${RING_SECONDS.max}`, { expects: 'number' });
  }
}

/** What the whole directory knows when one entry is checked. */
interface Context {
  check: NumberCheck;
  allowedCountries: ReadonlySet<string>;
  fail: Fail;
}

/**
 * A noAnswer: ringSeconds in bounds, forwardTo or voicemail (not both), the forward through the
 * toll-fraud guard (at deploy time, where numbers are checked against their numbering plan).
 */
function checkNoAnswer(at: string, value: unknown, known: readonly string[], ctx: Context): void {
  const { fail } = ctx;
  if (!isObject(value)) return fail(at, value, `must be an object with ${known.join(', ')}`, { expects: 'object' });
  const ofGroup = !known.includes('ringSeconds');
  unknownKeys(at, value, known, 'noAnswer', fail, ofGroup ? "a group's noAnswer has forwardTo and voicemail; the group rings for its own ringSeconds" : undefined);
  if (!ofGroup) ringSecondsProblem(`${at}.ringSeconds`, value.ringSeconds, fail);
  if (value.forwardTo !== undefined && value.voicemail !== undefined) {
    fail(at, ['forwardTo', 'voicemail'], 'are both set: an unanswered call goes to one of them, so keep forwardTo or voicemail');
  }
  if (value.forwardTo !== undefined) {
    if (!isE164(value.forwardTo, ctx.check)) {
      fail(`${at}.forwardTo`, value.forwardTo, 'is not a valid E.164 phone number (like +14155550123)');
    } else if (ctx.check === 'numberingPlan') {
      const refusal = pstnRefusalOf(parseE164(value.forwardTo as string)!, ctx.allowedCountries);
      if (refusal) fail(`${at}.forwardTo`, value.forwardTo, `is refused by the toll-fraud guard: ${FORWARD_REFUSALS[refusal]}`);
    }
  }
  if (value.voicemail !== undefined) {
    const v = value.voicemail;
    if (!isObject(v)) return fail(`${at}.voicemail`, v, 'must be an object (voicemail: {} for the default greeting), with greeting and email', { expects: 'object' });
    unknownKeys(`${at}.voicemail`, v, VOICEMAIL_KEYS, 'voicemail', fail);
    // Text the router only passes on is checked at deploy time, and again where it is used (not
    // at cold start): a greeting when it is put into TwiML (lambda/twiml.ts refuses one it could
    // not say as written), an address in each voicemail job (lambda/voicemail/job.ts).
    if (ctx.check === 'shape') return;
    if (v.greeting !== undefined && !isSpeakableText(v.greeting)) {
      fail(
        `${at}.voicemail.greeting`,
        v.greeting,
        `must be 1 to ${MAX_GREETING_LENGTH} characters of plain text on one line: no &, < or > (write "and" for &), no line breaks or control characters`,
      );
    }
    if (v.email !== undefined && (typeof v.email !== 'string' || v.email.length > 254 || !EMAIL_ADDRESS.test(v.email))) {
      fail(`${at}.voicemail.email`, v.email, 'is not a plain email address (like alice@example.com)');
    }
  }
}

const FORWARD_REFUSALS: Readonly<Record<ReturnType<typeof pstnRefusalOf> & string, string>> = {
  satellite: 'satellite numbers are never dialed',
  'country-not-allowed': 'its country is not in sipline:allowedCountries',
  'number-type-not-allowed': 'only fixed-line, mobile, toll-free, VoIP and UAN numbers are dialed',
};

/**
 * Validates a parsed directory and returns it typed, or throws a DirectoryError listing every
 * problem at once (a user fixing config should not have to iterate one error at a time).
 */
export function validateDirectory(value: unknown, options: ValidateOptions = {}): RouterDirectory {
  const { describe, numbers: check = 'numberingPlan' } = options;
  const problems: DirectoryProblem[] = [];
  const fail: Fail = (path, v, message, extra) => problems.push({ path, value: v, message, ...extra });
  if (!isObject(value)) {
    throw new DirectoryError([{ path: '(root)', value, message: 'must be an object' }], describe);
  }
  const d = value;

  if (typeof d.domain !== 'string' || !SIP_DOMAIN.test(d.domain)) {
    fail('domain', d.domain, 'must be a SIP domain name: lower-case letters, digits and "-", ending in .sip.twilio.com');
  }
  if (typeof d.defaultCountry !== 'string' || !isKnownCountry(d.defaultCountry)) {
    fail('defaultCountry', d.defaultCountry, countryProblem(d.defaultCountry));
  }
  if (d.defaultCallerId !== undefined && !isE164(d.defaultCallerId, check)) {
    fail('defaultCallerId', d.defaultCallerId, 'is not a valid E.164 phone number (like +14155550123)');
  }
  if (d.allowedCountries !== undefined) {
    if (!Array.isArray(d.allowedCountries) || d.allowedCountries.length === 0) {
      fail('allowedCountries', d.allowedCountries, 'must be a non-empty list of country codes');
    } else {
      d.allowedCountries.forEach((c, i) => {
        if (typeof c !== 'string' || !isKnownCountry(c)) fail(`allowedCountries[${i}]`, c, countryProblem(c));
      });
    }
  }
  const emergency = d.emergency as Record<string, unknown> | undefined;
  if (typeof emergency !== 'object' || emergency === null || typeof emergency.enabled !== 'boolean') {
    fail('emergency.enabled', emergency?.enabled, 'must be true or false');
  }
  if (d.enhancedSip !== undefined && typeof d.enhancedSip !== 'boolean') {
    fail('enhancedSip', d.enhancedSip, 'must be true or false', { expects: 'boolean' });
  }

  const countries = Array.isArray(d.allowedCountries) ? d.allowedCountries : [d.defaultCountry];
  const ctx: Context = { check, allowedCountries: new Set(countries.filter((c): c is string => typeof c === 'string')), fail };
  // Dialing an emergency code always reaches emergency services (lambda/dialPlan.ts), so a
  // username or group name that is one of the directory's countries' codes could never be called.
  const emergencyCodes = new Set<string>();
  for (const country of [d.defaultCountry, ...countries]) {
    if (typeof country === 'string') emergencyCodesFor(country).forEach((code) => emergencyCodes.add(code));
  }
  /** Names dialed by phones (usernames and group names, one namespace): where each was first given. */
  const names = new Map<string, string>();
  /** Numbers that ring someone: by the user or group that claimed them first. */
  const numbers = new Map<string, string>();
  /** A number reaches exactly one user or group (`at`): as an E.164 username or as a bound number. */
  const claim: Claim = (at, key, num) => {
    if (typeof num !== 'string') return;
    const owner = numbers.get(num);
    if (owner) fail(`${at}.${key}`, num, `is already the number of ${owner}`);
    else numbers.set(num, at);
  };
  /** Forwards, checked once every number is claimed: [path, number]. */
  const forwards: Array<[string, unknown]> = [];
  /** A name phones dial: a valid one, no emergency code, no digits that dial a real number. */
  const checkName = (path: string, name: unknown, broken: string | undefined): boolean => {
    if (broken) {
      fail(path, name, broken);
      return false;
    }
    const n = name as string;
    if (names.has(n)) {
      fail(path, n, `duplicates ${names.get(n)} (users and groups share one namespace: phones dial both by name)`);
      return false;
    }
    names.set(n, path);
    if (emergencyCodes.has(n)) {
      fail(path, n, 'is an emergency number: phones dialing it reach emergency services, never this user');
    } else if (check === 'numberingPlan' && /^\d+$/.test(n) && typeof d.defaultCountry === 'string' && isKnownCountry(d.defaultCountry)) {
      // Digits that dial a real number would shadow it: write such a user in E.164.
      const asNumber = normalizeNumber(n, d.defaultCountry);
      if (asNumber) fail(path, n, `is a phone number (${asNumber.e164}): write it in E.164 so that dialing the number reaches this user`);
    }
    return true;
  };

  const usernames = new Set<string>();
  if (!Array.isArray(d.users)) {
    fail('users', d.users, 'must be a list of users');
  } else {
    if (d.users.length > MAX_USERS) fail('users', `${d.users.length} users`, `exceeds Twilio's limit of ${MAX_USERS} credentials per list`);
    d.users.forEach((u: unknown, i) => {
      const at = `users[${i}]`;
      if (!isObject(u)) return fail(at, u, 'must be an object with a username');
      const named = checkName(`${at}.username`, u.username, usernameProblem(u.username, check));
      if (named) usernames.add(u.username as string);
      if (u.number !== undefined && !isE164(u.number, check)) {
        fail(`${at}.number`, u.number, 'is not a valid E.164 phone number (like +14155550199)');
      }
      if (typeof u.username === 'string' && isE164Username(u.username)) claim(at, 'username', u.username);
      if (u.number !== u.username) claim(at, 'number', u.number);
      if (u.noAnswer !== undefined) {
        checkNoAnswer(`${at}.noAnswer`, u.noAnswer, NO_ANSWER_KEYS, ctx);
        if (isObject(u.noAnswer)) forwards.push([`${at}.noAnswer.forwardTo`, u.noAnswer.forwardTo]);
      }
    });
  }

  if (d.groups !== undefined) {
    if (!Array.isArray(d.groups)) fail('groups', d.groups, 'must be a list of groups', { expects: 'list' });
    else {
      d.groups.forEach((g: unknown, j) => {
        checkGroup(`groups[${j}]`, g, usernames, d.enhancedSip === true, ctx, checkName, claim);
        if (isObject(g) && isObject(g.noAnswer)) forwards.push([`groups[${j}].noAnswer.forwardTo`, g.noAnswer.forwardTo]);
      });
    }
  }

  // After every user and group: a forward to a number that rings one of them would call it
  // back through the PSTN (4 legs); a group is the way to ring another user.
  for (const [path, forwardTo] of forwards) {
    const owner = typeof forwardTo === 'string' ? numbers.get(forwardTo) : undefined;
    if (owner) fail(path, forwardTo, `is the number of ${owner}: forwarding would call it back through the PSTN; put both in a group instead`);
  }

  if (problems.length > 0) throw new DirectoryError(problems, describe);
  return value as unknown as RouterDirectory;
}

/** Claims a number for the user or group at `at`, or reports `at.key` when another has it. */
type Claim = (at: string, key: 'username' | 'number', num: unknown) => void;

function checkGroup(
  at: string,
  g: unknown,
  usernames: ReadonlySet<string>,
  enhancedSip: boolean,
  ctx: Context,
  checkName: (path: string, name: unknown, broken: string | undefined) => boolean,
  claim: Claim,
): void {
  const { fail } = ctx;
  if (!isObject(g)) return fail(at, g, 'must be an object with a name, members and a strategy', { expects: 'object' });
  unknownKeys(at, g, GROUP_KEYS, 'a group', fail);
  const broken =
    typeof g.name === 'string' && isE164Username(g.name) ? 'must be a name (like sales): give the group its number with number' : usernameProblem(g.name, ctx.check);
  checkName(`${at}.name`, g.name, broken);
  if (g.number !== undefined) {
    if (!isE164(g.number, ctx.check)) fail(`${at}.number`, g.number, 'is not a valid E.164 phone number (like +14155550150)');
    else claim(at, 'number', g.number);
  }
  if (!GROUP_STRATEGIES.includes(g.strategy as GroupStrategy)) {
    fail(`${at}.strategy`, g.strategy, `must be ${GROUP_STRATEGIES.join(' or ')}`);
  } else if (g.strategy === 'simultaneous' && !enhancedSip) {
    fail(
      `${at}.strategy`,
      g.strategy,
      "needs enhancedSip: true: ringing several phones in one <Dial> takes Twilio's Enhanced Programmable SIP Features (Console: Voice, Settings, General); enable them and set enhancedSip, or use strategy: sequential",
    );
  }
  ringSecondsProblem(`${at}.ringSeconds`, g.ringSeconds, fail);
  if (!Array.isArray(g.members) || g.members.length === 0 || g.members.length > MAX_GROUP_MEMBERS) {
    fail(`${at}.members`, g.members, `must be a list of 1 to ${MAX_GROUP_MEMBERS} usernames`, { expects: 'list' });
  } else {
    const seen = new Set<unknown>();
    g.members.forEach((m, k) => {
      if (seen.has(m)) fail(`${at}.members[${k}]`, m, 'is listed twice');
      else if (typeof m !== 'string' || !usernames.has(m)) fail(`${at}.members[${k}]`, m, 'is not the username of a user');
      seen.add(m);
    });
  }
  if (g.noAnswer !== undefined) checkNoAnswer(`${at}.noAnswer`, g.noAnswer, GROUP_NO_ANSWER_KEYS, ctx);
  checkGroupRingTime(at, g, fail);
}

/**
 * How long a caller waits before the group's noAnswer: every member's ring (sequential) or one
 * ring (simultaneous), each with the seconds Twilio adds, within MAX_GROUP_RING_SECONDS. Checked
 * once the members and the ring are valid (their own problems say what is wrong otherwise).
 */
function checkGroupRingTime(at: string, g: Record<string, unknown>, fail: Fail): void {
  const ring = g.ringSeconds ?? DEFAULT_RING_SECONDS;
  const members = g.members;
  if (!Number.isInteger(ring) || (ring as number) < RING_SECONDS.min || (ring as number) > RING_SECONDS.max) return;
  if (!Array.isArray(members) || members.length === 0 || members.length > MAX_GROUP_MEMBERS) return;
  const rounds = g.strategy === 'simultaneous' ? 1 : members.length;
  const total = rounds * ((ring as number) + TWILIO_RING_BUFFER_SECONDS);
  if (total <= MAX_GROUP_RING_SECONDS) return;
  const longest = Math.floor(MAX_GROUP_RING_SECONDS / rounds) - TWILIO_RING_BUFFER_SECONDS;
  fail(
    `${at}.ringSeconds`,
    ring,
    `${g.ringSeconds === undefined ? '(the default) ' : ''}rings ${rounds} members one after another for ${total} s in all ` +
      `(${rounds} × (${ring as number} s + the ${TWILIO_RING_BUFFER_SECONDS} s Twilio adds to each ring)) before the group's noAnswer, ` +
      `over the ${MAX_GROUP_RING_SECONDS} s a caller can be kept ringing (SIP's INVITE timer C; callers hang up sooner): ` +
      `set ringSeconds to ${longest} or less, list fewer members, or ring them all at once (strategy: simultaneous)`,
    { expects: 'number' },
  );
}

/** Reads a directory file and validates it (`shape`: numbers by shape, greetings and emails where used); errors name the file. */
export function readDirectoryFile(file: string, readFile: (f: string) => string): RouterDirectory {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(file));
  } catch (e) {
    throw new DirectoryError([{ path: file, value: undefined, message: `could not be read as JSON: ${(e as Error).message}` }], (p) => `${p.path} ${p.message}`);
  }
  try {
    return validateDirectory(parsed, { numbers: 'shape' });
  } catch (e) {
    if (e instanceof DirectoryError) throw new DirectoryError(e.problems, (p) => `${file}: ${describeProblem(p)}`);
    throw e;
  }
}

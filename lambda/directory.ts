/**
 * The routing directory: the one source of truth for its schema.
 *
 * The stack (infra/) derives it from `Pulumi.<stack>.yaml` at deploy time and validates it
 * here; the router (lambda/) reads it at cold start and validates it here again, so a file
 * edited by hand can never make the router misroute a call.
 */
import { emergencyCodesFor, isKnownCountry, normalizeNumber, parseE164 } from './phone';

/** A registered SIP user. An E.164 username is its own number unless `number` says otherwise. */
export interface DirectoryUser {
  username: string;
  /** The account's Twilio number bound to this user: inbound calls ring it; its caller ID. */
  number?: string;
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
  users: DirectoryUser[];
}

/** One thing wrong with a directory: where (`users[2].number`), the value, and the rule. */
export interface DirectoryProblem {
  path: string;
  value: unknown;
  message: string;
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

const E164_SHAPE = /^\+[1-9]\d{1,14}$/;

/** How deep the number checks go: `numberingPlan` parses each number, `shape` only matches E.164. */
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
   * checks the shape at cold start, which keeps a 1,000-user directory's init in microseconds.
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

/**
 * Validates a parsed directory and returns it typed, or throws a DirectoryError listing every
 * problem at once (a user fixing config should not have to iterate one error at a time).
 */
export function validateDirectory(value: unknown, options: ValidateOptions = {}): RouterDirectory {
  const { describe, numbers: check = 'numberingPlan' } = options;
  const problems: DirectoryProblem[] = [];
  const fail = (path: string, v: unknown, message: string) => problems.push({ path, value: v, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DirectoryError([{ path: '(root)', value, message: 'must be an object' }], describe);
  }
  const d = value as Record<string, unknown>;

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

  // Dialing an emergency code always reaches emergency services (lambda/dialPlan.ts), so a
  // username that is one of the directory's countries' codes could never be called.
  const emergencyCodes = new Set<string>();
  for (const country of [d.defaultCountry, ...(Array.isArray(d.allowedCountries) ? d.allowedCountries : [])]) {
    if (typeof country === 'string') emergencyCodesFor(country).forEach((code) => emergencyCodes.add(code));
  }

  if (!Array.isArray(d.users)) {
    fail('users', d.users, 'must be a list of users');
  } else {
    if (d.users.length > MAX_USERS) fail('users', `${d.users.length} users`, `exceeds Twilio's limit of ${MAX_USERS} credentials per list`);
    const usernames = new Map<string, number>();
    const numbers = new Map<string, string>();
    d.users.forEach((u: unknown, i) => {
      const at = `users[${i}]`;
      if (typeof u !== 'object' || u === null) return fail(at, u, 'must be an object with a username');
      const user = u as Record<string, unknown>;
      const broken = usernameProblem(user.username, check);
      if (broken) fail(`${at}.username`, user.username, broken);
      else if (usernames.has(user.username as string)) {
        fail(`${at}.username`, user.username, `duplicates users[${usernames.get(user.username as string)}].username`);
      } else usernames.set(user.username as string, i);
      if (!broken && emergencyCodes.has(user.username as string)) {
        fail(`${at}.username`, user.username, 'is an emergency number: phones dialing it reach emergency services, never this user');
      } else if (!broken && check === 'numberingPlan' && /^\d+$/.test(user.username as string) && typeof d.defaultCountry === 'string' && isKnownCountry(d.defaultCountry)) {
        // Digits that dial a real number would shadow it: write such a user in E.164.
        const asNumber = normalizeNumber(user.username as string, d.defaultCountry);
        if (asNumber) fail(`${at}.username`, user.username, `is a phone number (${asNumber.e164}): write it in E.164 so that dialing the number reaches this user`);
      }
      if (user.number !== undefined && !isE164(user.number, check)) {
        fail(`${at}.number`, user.number, 'is not a valid E.164 phone number (like +14155550199)');
      }
      // A number reaches exactly one user: as an E.164 username or as a bound number.
      const claimed: Array<[string, unknown]> = [];
      if (typeof user.username === 'string' && isE164Username(user.username)) claimed.push([`${at}.username`, user.username]);
      if (typeof user.number === 'string' && user.number !== user.username) claimed.push([`${at}.number`, user.number]);
      for (const [path, num] of claimed) {
        const owner = numbers.get(num as string);
        if (owner) fail(path, num, `is already the number of ${owner}`);
        else numbers.set(num as string, at);
      }
    });
  }

  if (problems.length > 0) throw new DirectoryError(problems, describe);
  return value as RouterDirectory;
}

/** Reads a directory file and validates it (numbers by shape only); errors name the file. */
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

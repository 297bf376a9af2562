/**
 * The stack's configuration (`sipline:*` keys of `Pulumi.<stack>.yaml`): parsing, validation,
 * and the routing directory derived from it.
 *
 * Both the Pulumi program (infra/index.ts) and the local router (scripts/local-server.ts) call
 * `parseStackConfig` and `routerDirectoryFrom`, so what runs locally is what deploys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import leven from 'leven';
import { parseDocument } from 'yaml';
import {
  DirectoryError,
  numberOf,
  validateDirectory,
  type DirectoryGroup,
  type DirectoryProblem,
  type NoAnswer,
  type RouterDirectory,
} from '../lambda/directory';
import { isKnownCountry, normalizeNumber, parseE164, TWILIO_EMERGENCY_NUMBERS } from '../lambda/phone';
import { SIP_EDGES } from '../lambda/sipUri';
import { ACCOUNT_SID, API_KEY_SID, MIN_API_KEY_SECRET_LENGTH } from '../lambda/voicemail/apiKey';
import { EMAIL_ADDRESS } from '../lambda/voicemail/job';
import { checkTimeZone } from '../lambda/voicemail/timeZone';
import { validatePassword } from './twilio/validate';

export const CONFIG_NAMESPACE = 'sipline';

/** Every `sipline:*` key the program reads. Any other is reported by configKeyWarnings. */
export const CONFIG_KEYS = [
  'domainName',
  'defaultCountry',
  'defaultCallerId',
  'allowedCountries',
  'emergencyCalling',
  'secureSip',
  'manageDialingPermissions',
  'users',
  'groups',
  'enhancedSip',
  'twilioAuthToken',
  'edge',
  'alarmEmail',
  'voicemailFrom',
  'twilioAccountSid',
  'voicemailApiKeySid',
  'voicemailApiKeySecret',
  'deleteVoicemailAfterEmail',
  'voicemailTimeZone',
  'voicemailSenderIdentity',
] as const;

/** The keys of one `sipline:users` entry. */
const USER_KEYS = ['username', 'number', 'password', 'noAnswer'];

/** Edges where phones can register (`DOMAIN.sip.EDGE.twilio.com`): the router's list (lambda/sipUri.ts). */
export { SIP_EDGES };
export type SipEdge = (typeof SIP_EDGES)[number];

export interface UserConfig {
  username: string;
  number?: string;
  /** Plain text here; the Pulumi program wraps it in `pulumi.secret` at once. Absent: generated. */
  password?: string;
  /** What an unanswered call does (lambda/directory.ts NoAnswer). */
  noAnswer?: NoAnswer;
}

export interface SiplineConfig {
  /** The SIP domain's own label, e.g. `acme`. */
  domainName: string;
  /** The full SIP domain, e.g. `acme.sip.twilio.com`. */
  sipDomain: string;
  defaultCountry: string;
  defaultCallerId?: string;
  allowedCountries: string[];
  emergencyCalling: boolean;
  /**
   * Whether the SIP domain requires TLS signalling (port 5061) and SRTP media. Off only for
   * phones that cannot do TLS: their REGISTER digests and call audio then cross the network in clear.
   */
  secureSip: boolean;
  /** Whether the stack sets the account's Voice dialing permissions to allowedCountries (account-wide). */
  manageDialingPermissions: boolean;
  users: UserConfig[];
  /** Hunt groups (lambda/directory.ts DirectoryGroup); none: []. */
  groups: DirectoryGroup[];
  /** Whether the Twilio account has Enhanced Programmable SIP Features (simultaneous groups need them). */
  enhancedSip: boolean;
  edge?: SipEdge;
  alarmEmail?: string;
  /** How voicemails reach their mailboxes' email; present when some mailbox has an email. */
  voicemailDelivery?: VoicemailDelivery;
}

/**
 * The stack's settings for emailing voicemails (infra/components/voicemail.ts). The API key's
 * secret (`sipline:voicemailApiKeySecret`) is read by the program as a Pulumi secret, not here.
 */
export interface VoicemailDelivery {
  /** sipline:voicemailFrom: the address voicemails come from (an SES identity the stack declares). */
  from: string;
  /** sipline:twilioAccountSid: the account the recordings belong to (AC…). */
  accountSid: string;
  /** sipline:voicemailApiKeySid: the API key the worker fetches recordings with (SK…). */
  apiKeySid: string;
  /** sipline:deleteVoicemailAfterEmail (default true): the recording is personal data. */
  deleteAfterEmail: boolean;
  /** sipline:voicemailTimeZone (default UTC): the time zone of the time shown in the email. */
  timeZone: string;
  /**
   * sipline:voicemailSenderIdentity: `address` (the default) has the stack declare `from` as an
   * SES email identity; `existing` says the address, or its domain, already is a verified
   * identity of this account and region, which the stack leaves alone.
   */
  senderIdentity: VoicemailSenderIdentity;
}

const VOICEMAIL_SENDER_IDENTITIES = ['address', 'existing'] as const;
export type VoicemailSenderIdentity = (typeof VOICEMAIL_SENDER_IDENTITIES)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Directory fields are named after the stack config keys they come from. */
const CONFIG_KEY_OF: Record<string, string> = {
  domain: 'domainName',
  defaultCountry: 'defaultCountry',
  defaultCallerId: 'defaultCallerId',
  allowedCountries: 'allowedCountries',
  'emergency.enabled': 'emergencyCalling',
  enhancedSip: 'enhancedSip',
  users: 'users',
  groups: 'groups',
};

function configKey(directoryPath: string): string {
  const [head, rest] = directoryPath.match(/^([A-Za-z.]+?)(\[.*)?$/)?.slice(1) ?? [directoryPath];
  return `${CONFIG_NAMESPACE}:${CONFIG_KEY_OF[head] ?? head}${rest ?? ''}`;
}

function describeConfigProblem(p: DirectoryProblem, rawDomain: unknown, defaultCountry: unknown): string {
  if (p.path === 'domain' && (rawDomain === undefined || rawDomain === null || rawDomain === '')) {
    return `${CONFIG_NAMESPACE}:domainName is required: the SIP domain's label (acme for acme.sip.twilio.com), unique across Twilio`;
  }
  if (p.path === 'domain') {
    return `${CONFIG_NAMESPACE}:domainName: ${JSON.stringify(rawDomain)} must be lower-case letters, digits and "-" (acme for acme.sip.twilio.com)`;
  }
  const key = configKey(p.path);
  if (p.known !== undefined) {
    const name = p.path.slice(p.path.lastIndexOf('.') + 1);
    const meant = closestName(name, p.known);
    return `${key}: unknown key (${meant ? `did you mean ${meant}? ` : ''}${p.message.replace(/^is not a setting of .*? \((.*)\)$/, '$1')})`;
  }
  if (p.expects === undefined && (typeof p.value === 'number' || typeof p.value === 'boolean')) return notTextInYaml(key, p.value, defaultCountry);
  if (/^users\[\d+\]\.username$/.test(p.path) && (p.value === undefined || p.value === null)) {
    return `${key.replace(/\.username$/, '')} has no username: every user needs one, a name (username: alice) or an E.164 number (username: "+14155550100")`;
  }
  if (/^groups\[\d+\]\.name$/.test(p.path) && (p.value === undefined || p.value === null)) {
    return `${key.replace(/\.name$/, '')} has no name: every group needs one, which phones dial like a username (name: sales)`;
  }
  if (/^users\[\d+\]$/.test(p.path) && typeof p.value === 'string') {
    return `${key}: ${JSON.stringify(p.value)} must be an object with a username: write it as - username: ${JSON.stringify(p.value)}`;
  }
  const plusLost = typeof p.value === 'string' && p.message.startsWith('is not a valid E.164') ? lostPlus(p.value) : undefined;
  if (plusLost) {
    return `${key}: ${JSON.stringify(p.value)} has no "+" (written unquoted, ${plusLost} is a number in YAML, which drops the "+"): quote it, "${plusLost}"`;
  }
  const national = typeof p.value === 'string' && p.message.startsWith('is not a valid E.164') ? nationalNumber(p.value, defaultCountry) : undefined;
  if (national) return `${key}: ${JSON.stringify(p.value)} is a national number of ${defaultCountry} (the default country), not E.164: write it "${national}"`;
  return `${key}: ${JSON.stringify(p.value)} ${p.message}`;
}

/** `+digits` when the digits, with a "+", are a valid E.164 number: what an unquoted `+14155550100` becomes in YAML. */
function lostPlus(digits: string): string | undefined {
  return /^\d+$/.test(digits) && parseE164(`+${digits}`) !== undefined ? `+${digits}` : undefined;
}

/** The E.164 form of digits that are a valid national number of the default country (`4155550199`, US: +14155550199). */
function nationalNumber(digits: string, defaultCountry: unknown): string | undefined {
  if (!/^\d+$/.test(digits) || typeof defaultCountry !== 'string' || !isKnownCountry(defaultCountry)) return undefined;
  return normalizeNumber(digits, defaultCountry)?.e164;
}

/**
 * A value YAML read as a number or a boolean where sipline wants text: `username: 1001`, or
 * `username: +14155550100`, which YAML reads as the number 14155550100 (the "+" is a sign).
 * Pulumi hands lists to the program as JSON, so `pulumi preview` sees the same number as a
 * local read of the file, and says the same.
 */
function notTextInYaml(key: string, value: number | boolean, defaultCountry: unknown): string {
  const kind = typeof value === 'number' ? 'a number' : 'a boolean';
  const withPlus = typeof value === 'number' ? lostPlus(String(value)) : undefined;
  if (withPlus) return `${key}: ${value} is ${kind} in YAML (the "+" was lost): quote it, "${withPlus}"`;
  // Quoted as it is, a national number would be refused next: say the E.164 form at once.
  const national = typeof value === 'number' ? nationalNumber(String(value), defaultCountry) : undefined;
  if (national) return `${key}: ${value} is ${kind} in YAML, and a national number of ${defaultCountry} (the default country): write it in E.164, quoted, "${national}"`;
  return `${key}: ${value} is ${kind} in YAML: quote it, "${value}"`;
}

/** The known name a mistyped one most likely meant: the same letters in another case, else a few edits away. */
function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = known.find((k) => k.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const [nearest] = known
    .map((k) => ({ k, distance: leven(lower, k.toLowerCase()) }))
    .filter(({ k, distance }) => distance <= Math.max(2, Math.floor(k.length / 5)))
    .sort((a, b) => a.distance - b.distance);
  return nearest?.k;
}

/** Pulumi hands scalars over as strings; YAML read locally keeps their types. Accept both. */
function asBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`${CONFIG_NAMESPACE}:${key}: ${JSON.stringify(value)} must be true or false`);
}

/** Pulumi hands lists (and objects) over as JSON text: the value it stands for, else the text itself. */
function fromJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** A list as YAML gives it or as Pulumi hands it over (JSON text); a value that is no list is reported, and read as `fallback`. */
function asList(key: string, value: unknown, problems: string[], fallback: unknown): unknown {
  const list = fromJsonText(value);
  if (Array.isArray(list)) return list;
  // For `users`, the type, not the value: it may hold passwords, which Pulumi has decrypted.
  const shown = key !== 'users' ? JSON.stringify(value) : list === null ? 'null' : typeof list === 'object' ? 'an object' : `a ${typeof list}`;
  problems.push(`${CONFIG_NAMESPACE}:${key}: ${shown} must be a list`);
  return fallback;
}

function optionalString(value: unknown): unknown {
  return value === '' || value === null ? undefined : value;
}

/**
 * An object of the config with its `ringSeconds` read as a number when it was written as one in
 * quotes (`ringSeconds: "30"`); anything else is left for the directory's check to report.
 */
function withSeconds(value: unknown): unknown {
  if (!isMap(value) || typeof value.ringSeconds !== 'string' || !/^\d{1,4}$/.test(value.ringSeconds)) return value;
  return { ...value, ringSeconds: Number(value.ringSeconds) };
}

/** A group as the directory keeps it: `strategy` defaults to sequential (no Enhanced SIP needed). */
function groupOf(value: unknown): unknown {
  if (!isMap(value)) return value;
  const group = withSeconds(value) as Record<string, unknown>;
  return group.strategy === undefined || group.strategy === null ? { ...group, strategy: 'sequential' } : group;
}

/**
 * Validates the `sipline:*` config values (keys without the namespace) and returns them typed.
 * Throws a ConfigError listing every bad key with its value; passwords are never echoed.
 */
export function parseStackConfig(values: Record<string, unknown>): SiplineConfig {
  const problems: string[] = [];
  const rawDomain = values.domainName;
  const domainName = typeof rawDomain === 'string' ? rawDomain.replace(/\.sip\.twilio\.com$/, '') : '';
  const rawUsers = values.users === undefined || values.users === null ? [] : (asList('users', values.users, problems, []) as unknown[]);
  if (values.users === undefined || values.users === null) {
    problems.push(`${CONFIG_NAMESPACE}:users is required: the SIP users, each with a username (see README, Configuration)`);
  } else if (rawUsers.length === 0 && (Array.isArray(values.users) || values.users === '[]')) {
    problems.push(`${CONFIG_NAMESPACE}:users: [] must list at least one user`);
  }
  const rawCountries = values.allowedCountries === undefined ? undefined : asList('allowedCountries', values.allowedCountries, problems, undefined);
  const defaultCountry = values.defaultCountry ?? 'US';

  const users: UserConfig[] = [];
  rawUsers.forEach((u: unknown, i) => {
    if (typeof u !== 'object' || u === null) {
      users.push(u as UserConfig); // reported by the directory check, at its own index
      return;
    }
    const { username, number, password, noAnswer } = u as Record<string, unknown>;
    for (const extra of Object.keys(u).filter((k) => !USER_KEYS.includes(k))) {
      const meant = closestName(extra, USER_KEYS);
      problems.push(`${CONFIG_NAMESPACE}:users[${i}].${extra}: unknown key (${meant ? `did you mean ${meant}? ` : ''}a user has username, number, password and noAnswer)`);
    }
    if (password !== undefined && password !== null) {
      // The Credential provider's own rule (Twilio's policy), named after the config key.
      const key = `${CONFIG_NAMESPACE}:users[${i}].password${typeof username === 'string' ? ` (user ${JSON.stringify(username)})` : ''}`;
      if (typeof password === 'string') {
        const broken = validatePassword(password, key);
        if (broken) problems.push(broken);
      } else {
        // Never the value, even a number: it is a password.
        const kind = typeof password === 'number' ? 'is a number in YAML' : 'is not text';
        problems.push(`${key} ${kind}: it must be a string, best encrypted: pulumi config set --secret --path 'users[${i}].password' (it prompts for the value, which then stays out of your shell history)`);
      }
    }
    users.push({
      username: username as string,
      ...(number === undefined || number === null ? {} : { number: number as string }),
      ...(typeof password === 'string' ? { password } : {}),
      ...(noAnswer === undefined || noAnswer === null ? {} : { noAnswer: withSeconds(noAnswer) as NoAnswer }),
    });
  });

  const rawGroups = values.groups === undefined || values.groups === null || values.groups === '' ? [] : (asList('groups', values.groups, problems, []) as unknown[]);
  const groups = rawGroups.map(groupOf) as DirectoryGroup[];

  const edge = optionalString(values.edge);
  if (edge !== undefined && !SIP_EDGES.includes(edge as SipEdge)) {
    problems.push(`${CONFIG_NAMESPACE}:edge: ${JSON.stringify(edge)} is not a Twilio edge; use one of ${SIP_EDGES.join(', ')}`);
  }
  const alarmEmail = optionalString(values.alarmEmail);
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))) {
    problems.push(`${CONFIG_NAMESPACE}:alarmEmail: ${JSON.stringify(alarmEmail)} is not an email address`);
  }

  // Each reported with the rest, not thrown: one preview lists every bad key.
  const flag = (key: string, fallback: boolean): boolean => {
    try {
      return asBoolean(key, values[key], fallback);
    } catch (e) {
      problems.push((e as Error).message);
      return fallback;
    }
  };
  const emergencyCalling = flag('emergencyCalling', false);
  const secureSip = flag('secureSip', true);
  const manageDialingPermissions = flag('manageDialingPermissions', false);
  const enhancedSip = flag('enhancedSip', false);

  const config: SiplineConfig = {
    domainName,
    sipDomain: `${domainName}.sip.twilio.com`,
    defaultCountry: defaultCountry as string,
    ...(optionalString(values.defaultCallerId) === undefined ? {} : { defaultCallerId: values.defaultCallerId as string }),
    allowedCountries: (rawCountries ?? [defaultCountry]) as string[],
    emergencyCalling,
    secureSip,
    manageDialingPermissions,
    users,
    groups,
    enhancedSip,
    ...(edge === undefined ? {} : { edge: edge as SipEdge }),
    ...(alarmEmail === undefined ? {} : { alarmEmail: alarmEmail as string }),
  };

  if (emergencyCalling) problems.push(...emergencyProblems(config));
  const delivery = voicemailDelivery(values, config, flag('deleteVoicemailAfterEmail', true), problems);
  if (delivery !== undefined) config.voicemailDelivery = delivery;

  // The routing rules (countries, numbers, usernames, duplicates) live with the directory schema.
  try {
    validateDirectory(routerDirectoryFrom(config), { describe: (p) => describeConfigProblem(p, rawDomain, defaultCountry) });
  } catch (e) {
    if (!(e instanceof DirectoryError)) throw e;
    // Left out, allowedCountries is [defaultCountry]: a bad default country is reported once, as itself.
    const written = e.problems.filter((p) => rawCountries !== undefined || !p.path.startsWith('allowedCountries'));
    problems.push(...written.map((p) => describeConfigProblem(p, rawDomain, defaultCountry)));
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid stack configuration:\n${[...new Set(problems)].map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}

/** Where voicemails are emailed, each named by the config key that asks for it. */
export function voicemailEmails(config: Pick<SiplineConfig, 'users' | 'groups'>): Array<{ key: string; email: string }> {
  const asked: Array<{ key: string; email: string }> = [];
  const add = (key: string, noAnswer: NoAnswer | undefined) => {
    const email = noAnswer?.voicemail?.email;
    if (typeof email === 'string' && email !== '') asked.push({ key: `${CONFIG_NAMESPACE}:${key}.noAnswer.voicemail.email`, email });
  };
  config.users.forEach((u, i) => add(`users[${i}]`, isMap(u) ? (u as UserConfig).noAnswer : undefined));
  config.groups.forEach((g, i) => add(`groups[${i}]`, isMap(g) ? (g as DirectoryGroup).noAnswer : undefined));
  return asked;
}

const VOICEMAIL_SETTINGS = {
  voicemailFrom: { rule: EMAIL_ADDRESS, what: 'an email address SES can send from', example: 'voicemail@example.com' },
  twilioAccountSid: { rule: ACCOUNT_SID, what: 'a Twilio account sid (AC followed by 32 hex digits)', example: 'AC0123…' },
  voicemailApiKeySid: { rule: API_KEY_SID, what: 'a Twilio API key sid (SK followed by 32 hex digits)', example: 'SK0123…' },
} as const;

/**
 * The voicemail-to-email settings, read only when a mailbox asks for email: a value given is
 * checked wherever the config is read (a local run too), but only a deploy needs them all
 * (missingVoicemailSettings): `npm start` writes jobs to a folder and emails nothing.
 */
function voicemailDelivery(values: Record<string, unknown>, config: SiplineConfig, deleteAfterEmail: boolean, problems: string[]): VoicemailDelivery | undefined {
  if (voicemailEmails(config).length === 0) return undefined;
  const given: Partial<Record<keyof typeof VOICEMAIL_SETTINGS, string>> = {};
  for (const [key, { rule, what, example }] of Object.entries(VOICEMAIL_SETTINGS) as Array<[keyof typeof VOICEMAIL_SETTINGS, (typeof VOICEMAIL_SETTINGS)[keyof typeof VOICEMAIL_SETTINGS]]>) {
    const value = optionalString(values[key]);
    if (value === undefined) continue;
    if (typeof value === 'string' && rule.test(value)) given[key] = value;
    else problems.push(`${CONFIG_NAMESPACE}:${key}: ${JSON.stringify(value)} is not ${what} (like ${example})`);
  }
  const zone = optionalString(values.voicemailTimeZone) ?? 'UTC';
  let timeZone = 'UTC';
  try {
    timeZone = checkTimeZone(String(zone));
  } catch {
    problems.push(`${CONFIG_NAMESPACE}:voicemailTimeZone: ${JSON.stringify(zone)} is not an IANA time zone (like Europe/London or America/New_York)`);
  }
  const identity = optionalString(values.voicemailSenderIdentity) ?? 'address';
  if (!VOICEMAIL_SENDER_IDENTITIES.includes(identity as VoicemailSenderIdentity)) {
    problems.push(
      `${CONFIG_NAMESPACE}:voicemailSenderIdentity: ${JSON.stringify(identity)} must be address (the stack declares voicemailFrom as an SES identity) or existing (it, or its domain, already is one)`,
    );
  }
  const senderIdentity = identity as VoicemailSenderIdentity;
  const { voicemailFrom: from, twilioAccountSid: accountSid, voicemailApiKeySid: apiKeySid } = given;
  return from && accountSid && apiKeySid ? { from, accountSid, apiKeySid, deleteAfterEmail, timeZone, senderIdentity } : undefined;
}

/**
 * What a deploy still needs for voicemail to email, all at once: one message per missing
 * setting, naming the key that asks for email, and the API key's secret (`apiKeySecret`, the
 * value Pulumi decrypted: checked, never echoed). [] when no mailbox asks for email, or when
 * everything is given.
 */
export function missingVoicemailSettings(values: Record<string, unknown>, config: SiplineConfig, apiKeySecret: string | undefined): string[] {
  const asked = voicemailEmails(config);
  if (asked.length === 0) return [];
  const because = `${asked[0].key} asks for voicemail by email`;
  const missing = (Object.entries(VOICEMAIL_SETTINGS) as Array<[string, { what: string; example: string }]>)
    .filter(([key]) => optionalString(values[key]) === undefined)
    .map(([key, { what, example }]) => `${CONFIG_NAMESPACE}:${key} is required: ${because} (${what}, like ${example})`);
  const set = 'pulumi config set --secret voicemailApiKeySecret (it prompts for the value)';
  if (!apiKeySecret) missing.push(`${CONFIG_NAMESPACE}:voicemailApiKeySecret is required: ${because} (the API key's secret, which the worker fetches recordings with): ${set}`);
  else if (apiKeySecret.trim().length < MIN_API_KEY_SECRET_LENGTH) {
    missing.push(`${CONFIG_NAMESPACE}:voicemailApiKeySecret is too short to be an API key secret (Twilio's have 32 characters): ${set}`);
  }
  return missing;
}

/**
 * With emergency calling on, every user needs a call-back number (its own, else the default
 * caller ID) in a country where Twilio routes emergency calls from SIP domains: otherwise that
 * phone's 911 would be refused at the worst moment. Found at deploy time instead.
 */
function emergencyProblems(config: SiplineConfig): string[] {
  const problems: string[] = [];
  config.users.forEach((user, i) => {
    if (!user || typeof user.username !== 'string') return;
    const callback = numberOf(user) ?? config.defaultCallerId;
    if (callback === undefined) {
      problems.push(`${CONFIG_NAMESPACE}:users[${i}] ("${user.username}") has no call-back number for emergency calls: give it a number, or set ${CONFIG_NAMESPACE}:defaultCallerId`);
      return;
    }
    const country = parseE164(callback)?.country;
    if (country !== undefined && !TWILIO_EMERGENCY_NUMBERS[country]) {
      problems.push(
        `${CONFIG_NAMESPACE}:emergencyCalling is true, but users[${i}] ("${user.username}") calls back from ${callback} (${country}), where Twilio routes no emergency calls from SIP domains (${Object.keys(TWILIO_EMERGENCY_NUMBERS).join(', ')} only)`,
      );
    }
  });
  return problems;
}

/** The routing directory the router reads, derived from a validated config. No secrets in it. */
export function routerDirectoryFrom(config: SiplineConfig): RouterDirectory {
  return {
    domain: config.sipDomain,
    defaultCountry: config.defaultCountry,
    ...(config.defaultCallerId === undefined ? {} : { defaultCallerId: config.defaultCallerId }),
    allowedCountries: config.allowedCountries,
    emergency: { enabled: config.emergencyCalling },
    ...(config.enhancedSip ? { enhancedSip: true } : {}),
    // A user that is no object stays as written, for the directory's check to report at its index.
    users: config.users.map((u) =>
      u && typeof u === 'object' ? { username: u.username, ...(u.number === undefined ? {} : { number: u.number }), ...(u.noAnswer === undefined ? {} : { noAnswer: u.noAnswer }) } : u,
    ),
    ...(config.groups.length > 0 ? { groups: config.groups } : {}),
  };
}

/**
 * Every number the stack points at the router: users' (bound numbers and E.164 usernames) and
 * hunt groups'. Each gets the inbound voice URL and the status callback.
 */
export function boundNumbers(config: SiplineConfig): string[] {
  return [...config.users.map(numberOf), ...config.groups.map((g) => g.number)].filter((n): n is string => n !== undefined);
}

/** `Pulumi.<stack>.yaml` at the project's root, wherever the caller runs from (the Pulumi CLI runs
 * the program from infra/, the directory of Pulumi.yaml's `main`). */
export function stackConfigPath(stack: string): string {
  return path.resolve(__dirname, '..', `Pulumi.${stack}.yaml`);
}

/** A stack file as Pulumi reads it: its `config:` map, every key with its namespace, secrets still `{ secure }`; and its `environment:`. */
export interface StackFile {
  name: string;
  config: Record<string, unknown>;
  /** Its `environment:`, as written: the Pulumi ESC environments whose config Pulumi merges in. Absent: none. */
  environment?: unknown;
}

/**
 * Reads a `Pulumi.<stack>.yaml` once, as the Pulumi CLI reads it: a missing file, a YAML
 * error (with its line) or a key Pulumi cannot parse is a clear error naming the file.
 */
export function readStackFile(file: string): StackFile {
  const shown = path.relative(process.cwd(), file);
  if (!fs.existsSync(file)) throw new ConfigError(`${shown} not found: a stack's config lives in Pulumi.<stack>.yaml (see README, Configuration)`);
  const doc = parseDocument(fs.readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) {
    // yaml's message carries the line, the column and the offending text.
    throw new ConfigError(`${shown} is not valid YAML (Pulumi cannot read it either): ${doc.errors[0].message.trimEnd()}`);
  }
  const root = doc.toJS() as unknown;
  const written = root === null || root === undefined ? undefined : isMap(root) ? root.config : root;
  if (written !== undefined && written !== null && !isMap(written)) {
    throw new ConfigError(`${shown}: ${isMap(root) ? 'config' : 'the file'} must be a map of keys and values, like config: { sipline:domainName: acme }`);
  }
  const config: Record<string, unknown> = {};
  const writtenAs = new Map<string, string>();
  for (const [key, value] of Object.entries(written ?? {})) {
    const full = pulumiConfigKey(key, shown);
    const twin = writtenAs.get(full);
    if (twin !== undefined) {
      // Pulumi rewrites one onto the other while iterating a Go map: which one wins is random.
      throw new ConfigError(`${shown} sets both ${twin} and ${key}, which Pulumi reads as the same key, ${full}, keeping either one: remove one`);
    }
    writtenAs.set(full, key);
    config[full] = value;
  }
  const environment = isMap(root) ? root.environment : undefined;
  return { name: path.basename(file), config, ...(environment === undefined || environment === null ? {} : { environment }) };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A stack file's key as Pulumi reads it. Without a namespace, the project's: Pulumi rewrites
 * `allowedCountries` to `sipline:allowedCountries` (workspace/loaders.go,
 * stackConfigNamespacedWithProject; the project is Pulumi.yaml's `name`, sipline). The old
 * spelling `sipline:config:name` is `sipline:name`; anything else with colons is refused, as
 * config/key.go ParseKey refuses it.
 */
function pulumiConfigKey(key: string, file: string): string {
  const parts = key.split(':');
  if (parts.length === 1) return `${CONFIG_NAMESPACE}:${key}`;
  if (parts.length === 2) return key;
  if (parts.length === 3 && parts[1] === 'config') return `${parts[0]}:${parts[2]}`;
  throw new ConfigError(`${file}: ${key} is not a config key Pulumi can read: write namespace:name, like ${CONFIG_NAMESPACE}:domainName`);
}

/**
 * A stack file's values by full key, as Pulumi hands them to the program: a scalar as text
 * (YAML's number 14155550123 as "14155550123", true as "true"), lists and objects as they are
 * (Pulumi sends them as JSON; parseStackConfig reads both). Values Pulumi encrypted
 * (`secure: v1:...`) cannot be read without the stack's key and are left out: nothing that
 * reads the file locally needs a secret.
 */
export function configValues(stack: StackFile): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stack.config)) {
    if (isEncrypted(value)) continue;
    values[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : withoutSecrets(value);
  }
  return values;
}

/** The `sipline:*` values of configValues, keys without the namespace. */
export function siplineValues(stack: StackFile): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(Object.entries(configValues(stack)).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}

/**
 * Whether a user or group asks for voicemail by email, in `sipline:*` values (keys without the
 * namespace) as Pulumi hands them or as siplineValues reads them: lists as YAML or JSON text,
 * read as parseStackConfig reads them, before any validation. The deploy then needs the
 * voicemail settings and the API key's secret (missingVoicemailSettings).
 */
export function asksForVoicemailEmail(values: Record<string, unknown>): boolean {
  const listOf = (value: unknown) => {
    const list = fromJsonText(value);
    return Array.isArray(list) ? list : [];
  };
  return voicemailEmails({ users: listOf(values.users), groups: listOf(values.groups) } as Pick<SiplineConfig, 'users' | 'groups'>).length > 0;
}

/** readStackFile + siplineValues. */
export function readStackConfigFile(file: string): Record<string, unknown> {
  return siplineValues(readStackFile(file));
}

/**
 * Warnings for config keys sipline does not read: `sipline:defaultCallerID` (keys are
 * case-sensitive), `sipline:allowedCountry`, `Sipline:domainName`. Given the keys Pulumi hands
 * the program (`pulumi preview`), or those readStackFile read (`npm start`): the same words.
 */
export function configKeyWarnings(keys: Iterable<string>): string[] {
  const warnings: string[] = [];
  const known: readonly string[] = CONFIG_KEYS;
  for (const key of keys) {
    const [namespace, name = ''] = key.split(':');
    if (namespace === CONFIG_NAMESPACE) {
      if (known.includes(name)) continue;
      const meant = closestName(name, known);
      warnings.push(
        `${key} is not a sipline setting and is ignored: ${meant ? `did you mean ${CONFIG_NAMESPACE}:${meant}?` : `the settings are ${known.join(', ')}`}`,
      );
    } else if (closestName(namespace, [CONFIG_NAMESPACE])) {
      warnings.push(`${key} is not a sipline setting and is ignored: did you mean ${CONFIG_NAMESPACE}:${closestName(name, known) ?? name}?`);
    }
  }
  return warnings;
}

/**
 * Secrets written in clear text in a stack file (a password or the auth token not set with
 * `pulumi config set --secret`): they would sit in git. One warning per value, naming the key
 * and the command that fixes it, never the value.
 */
export function clearTextSecretWarnings(stack: StackFile): string[] {
  const warnings: string[] = [];
  for (const key of ['twilioAuthToken', 'voicemailApiKeySecret']) {
    const value = stack.config[`${CONFIG_NAMESPACE}:${key}`];
    if (value !== undefined && !isEncrypted(value)) {
      warnings.push(`${CONFIG_NAMESPACE}:${key} is in clear text in ${stack.name}: pulumi config set --secret ${key} (it prompts for the value, which then stays out of your shell history)`);
    }
  }
  const users = stack.config[`${CONFIG_NAMESPACE}:users`];
  if (Array.isArray(users)) {
    users.forEach((u: unknown, i) => {
      const password = (u as Record<string, unknown> | null)?.password;
      if (password !== undefined && password !== null && !isEncrypted(password)) {
        warnings.push(`${CONFIG_NAMESPACE}:users[${i}].password is in clear text in ${stack.name}: pulumi config set --secret --path 'users[${i}].password' (it prompts for the value, which then stays out of your shell history)`);
      }
    });
  }
  return warnings;
}

/** What `pulumi config set --secret` writes: a map with one key, `secure`. */
export function isEncrypted(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'secure' in value;
}

function withoutSecrets(value: unknown): unknown {
  if (isEncrypted(value)) return undefined;
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => !isEncrypted(v)).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

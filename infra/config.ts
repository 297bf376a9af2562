/**
 * The stack's configuration (`sipline:*` keys of `Pulumi.<stack>.yaml`): parsing, validation,
 * and the routing directory derived from it.
 *
 * Both the Pulumi program (infra/index.ts) and the local router (scripts/local-server.ts) call
 * `parseStackConfig` and `routerDirectoryFrom`, so what runs locally is what deploys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  numberOf,
  validateDirectory,
  type DirectoryProblem,
  type RouterDirectory,
} from '../lambda/directory';
import { parseE164, TWILIO_EMERGENCY_NUMBERS } from '../lambda/phone';
import { validatePassword } from './twilio/validate';

export const CONFIG_NAMESPACE = 'sipline';

/** Edges where phones can register (`DOMAIN.sip.EDGE.twilio.com`), from Twilio's edge list. */
export const SIP_EDGES = ['ashburn', 'dublin', 'frankfurt', 'sao-paulo', 'singapore', 'sydney', 'tokyo', 'umatilla'] as const;
export type SipEdge = (typeof SIP_EDGES)[number];

export interface UserConfig {
  username: string;
  number?: string;
  /** Plain text here; the Pulumi program wraps it in `pulumi.secret` at once. Absent: generated. */
  password?: string;
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
  /** Whether the stack sets the account's Voice dialing permissions to allowedCountries (account-wide). */
  manageDialingPermissions: boolean;
  users: UserConfig[];
  edge?: SipEdge;
  alarmEmail?: string;
}

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
  users: 'users',
};

function configKey(directoryPath: string): string {
  const [head, rest] = directoryPath.match(/^([A-Za-z.]+?)(\[.*)?$/)?.slice(1) ?? [directoryPath];
  return `${CONFIG_NAMESPACE}:${CONFIG_KEY_OF[head] ?? head}${rest ?? ''}`;
}

function describeConfigProblem(p: DirectoryProblem, rawDomain: unknown): string {
  if (p.path === 'domain' && (rawDomain === undefined || rawDomain === null || rawDomain === '')) {
    return `${CONFIG_NAMESPACE}:domainName is required: the SIP domain's label (acme for acme.sip.twilio.com), unique across Twilio`;
  }
  if (p.path === 'domain') {
    return `${CONFIG_NAMESPACE}:domainName: ${JSON.stringify(rawDomain)} must be lower-case letters, digits and "-" (acme for acme.sip.twilio.com)`;
  }
  return `${configKey(p.path)}: ${JSON.stringify(p.value)} ${p.message}`;
}

/** Pulumi hands scalars over as strings; YAML read locally keeps their types. Accept both. */
function asBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`${CONFIG_NAMESPACE}:${key}: ${JSON.stringify(value)} must be true or false`);
}

/** Pulumi hands lists over as JSON text; a value that is no list is reported, and read as `fallback`. */
function asList(key: string, value: unknown, problems: string[], fallback: unknown): unknown {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      list = value;
    }
  }
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
  {
    rawUsers.forEach((u: unknown, i) => {
      if (typeof u !== 'object' || u === null) return; // reported by the directory check
      const { username, number, password } = u as Record<string, unknown>;
      const known = new Set(['username', 'number', 'password']);
      for (const extra of Object.keys(u).filter((k) => !known.has(k))) {
        problems.push(`${CONFIG_NAMESPACE}:users[${i}].${extra}: unknown key (a user has username, number and password)`);
      }
      if (password !== undefined && password !== null) {
        // The Credential provider's own rule (Twilio's policy), named after the config key.
        const key = `${CONFIG_NAMESPACE}:users[${i}].password (user ${JSON.stringify(username)})`;
        const broken = typeof password === 'string' ? validatePassword(password, key) : `${key} must be a string`;
        if (broken) problems.push(broken);
      }
      users.push({
        username: username as string,
        ...(number === undefined || number === null ? {} : { number: number as string }),
        ...(typeof password === 'string' ? { password } : {}),
      });
    });
  }

  const edge = optionalString(values.edge);
  if (edge !== undefined && !SIP_EDGES.includes(edge as SipEdge)) {
    problems.push(`${CONFIG_NAMESPACE}:edge: ${JSON.stringify(edge)} is not a Twilio edge; use one of ${SIP_EDGES.join(', ')}`);
  }
  const alarmEmail = optionalString(values.alarmEmail);
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))) {
    problems.push(`${CONFIG_NAMESPACE}:alarmEmail: ${JSON.stringify(alarmEmail)} is not an email address`);
  }

  let emergencyCalling = false;
  try {
    emergencyCalling = asBoolean('emergencyCalling', values.emergencyCalling, false);
  } catch (e) {
    problems.push((e as Error).message);
  }
  let manageDialingPermissions = false;
  try {
    manageDialingPermissions = asBoolean('manageDialingPermissions', values.manageDialingPermissions, false);
  } catch (e) {
    problems.push((e as Error).message);
  }

  const config: SiplineConfig = {
    domainName,
    sipDomain: `${domainName}.sip.twilio.com`,
    defaultCountry: defaultCountry as string,
    ...(optionalString(values.defaultCallerId) === undefined ? {} : { defaultCallerId: values.defaultCallerId as string }),
    allowedCountries: (rawCountries ?? [defaultCountry]) as string[],
    emergencyCalling,
    manageDialingPermissions,
    users,
    ...(edge === undefined ? {} : { edge: edge as SipEdge }),
    ...(alarmEmail === undefined ? {} : { alarmEmail: alarmEmail as string }),
  };

  if (emergencyCalling) problems.push(...emergencyProblems(config));

  // The routing rules (countries, numbers, usernames, duplicates) live with the directory schema.
  try {
    validateDirectory(routerDirectoryFrom(config), { describe: (p) => describeConfigProblem(p, rawDomain) });
  } catch (e) {
    const message = (e as Error).message;
    problems.push(...message.split('\n').slice(1).map((line) => line.replace(/^\s*-\s*/, '')));
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid stack configuration:\n${[...new Set(problems)].map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
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
    users: Array.isArray(config.users)
      ? config.users.map((u) => (u && typeof u === 'object' ? { username: u.username, ...(u.number === undefined ? {} : { number: u.number }) } : u))
      : config.users,
  };
}

/** `Pulumi.<stack>.yaml` at the project's root, wherever the caller runs from (the Pulumi CLI runs
 * the program from infra/, the directory of Pulumi.yaml's `main`). */
export function stackConfigPath(stack: string): string {
  return path.resolve(__dirname, '..', `Pulumi.${stack}.yaml`);
}

/** A stack file as written: its `config:` map, keys with their namespace, secrets still `{ secure }`. */
export interface StackFile {
  name: string;
  config: Record<string, unknown>;
}

/** Reads a `Pulumi.<stack>.yaml` once; a missing file is a clear error. */
export function readStackFile(file: string): StackFile {
  if (!fs.existsSync(file)) throw new ConfigError(`${path.relative(process.cwd(), file)} not found: a stack's config lives in Pulumi.<stack>.yaml (see README, Configuration)`);
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
  return { name: path.basename(file), config: doc?.config ?? {} };
}

/**
 * The `sipline:*` values of a stack file, keys without the namespace. Values Pulumi encrypted
 * (`secure: v1:...`) cannot be read without the stack's key and are left out: nothing that
 * reads the file locally needs a secret.
 */
export function siplineValues(stack: StackFile): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stack.config)) {
    if (key.startsWith(`${CONFIG_NAMESPACE}:`)) values[key.slice(CONFIG_NAMESPACE.length + 1)] = withoutSecrets(value);
  }
  return values;
}

/** readStackFile + siplineValues. */
export function readStackConfigFile(file: string): Record<string, unknown> {
  return siplineValues(readStackFile(file));
}

/**
 * Secrets written in clear text in a stack file (a password or the auth token not set with
 * `pulumi config set --secret`): they would sit in git. One warning per value, naming the key
 * and the command that fixes it, never the value.
 */
export function clearTextSecretWarnings(stack: StackFile): string[] {
  const warnings: string[] = [];
  const token = stack.config[`${CONFIG_NAMESPACE}:twilioAuthToken`];
  if (token !== undefined && !isEncrypted(token)) {
    warnings.push(`${CONFIG_NAMESPACE}:twilioAuthToken is in clear text in ${stack.name}: pulumi config set --secret twilioAuthToken <token>`);
  }
  const users = stack.config[`${CONFIG_NAMESPACE}:users`];
  if (Array.isArray(users)) {
    users.forEach((u: unknown, i) => {
      const password = (u as Record<string, unknown> | null)?.password;
      if (password !== undefined && password !== null && !isEncrypted(password)) {
        warnings.push(`${CONFIG_NAMESPACE}:users[${i}].password is in clear text in ${stack.name}: pulumi config set --secret --path 'users[${i}].password' <password>`);
      }
    });
  }
  return warnings;
}

function isEncrypted(value: unknown): boolean {
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

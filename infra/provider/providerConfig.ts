/**
 * The provider's configuration: `sipline-twilio:accountSid`, `apiKey`, `apiSecret` (secret),
 * `authToken` (secret) and `apiBaseUrl`, each falling back to the TWILIO_* environment variable
 * of the `pulumi` process (which the engine passes on to the plugin), so CI keeps working with
 * environment secrets. Values from the environment are never put into state: CheckConfig
 * returns only what the stack config gave, and Configure resolves the fallback in memory.
 *
 * Credentials, in order of preference: an API key (apiKey + apiSecret, revocable), else the
 * account's auth token. apiBaseUrl (e.g. a proxy, or a local stand-in in tests) replaces the
 * scheme and host of every request.
 */
import { validateSid, validateUrl } from '../twilio/validate';
import schema from './schema.json';

export interface TwilioConfig {
  accountSid: string;
  apiKey?: string;
  apiSecret?: string;
  authToken?: string;
  apiBaseUrl?: string;
}

/** The package schema's config variables, and those it marks secret. */
const VARIABLES: Record<ConfigKey, { type: string; secret?: boolean }> = schema.config.variables;
export type ConfigKey = keyof typeof schema.config.variables;
export const CONFIG_KEYS = Object.keys(VARIABLES) as ConfigKey[];
export const SECRET_CONFIG_KEYS = CONFIG_KEYS.filter((k) => VARIABLES[k].secret);

const ENV_VARS: Record<ConfigKey, string> = {
  accountSid: 'TWILIO_ACCOUNT_SID',
  apiKey: 'TWILIO_API_KEY',
  apiSecret: 'TWILIO_API_SECRET',
  authToken: 'TWILIO_AUTH_TOKEN',
  apiBaseUrl: 'TWILIO_API_BASE_URL',
};

const PACKAGE = 'sipline-twilio';
const keyName = (key: ConfigKey) => `${PACKAGE}:${key}`;
const source = (key: ConfigKey) => `${keyName(key)} (or ${ENV_VARS[key]})`;

interface ConfigFailure {
  property: string;
  reason: string;
}

/** Config values as given (strings; absent keys omitted), plus the environment where they are absent. */
function resolve(given: Partial<Record<ConfigKey, unknown>>, env: NodeJS.ProcessEnv): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = given[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
    else if (env[ENV_VARS[key]]) out[key] = env[ENV_VARS[key]];
  }
  return out;
}

const HOW_TO = `set ${source('accountSid')} with ${source('authToken')}, or with ${source('apiKey')} and ${source('apiSecret')}`;

/**
 * Every malformed setting, each naming the key and its environment variable; never a secret's
 * value. Used by CheckConfig and Configure, so `pulumi preview` fails on a bad value before any
 * request.
 *
 * MISSING credentials are not a failure here: the engine runs CheckConfig and Configure on the
 * default provider during `pulumi preview` too (pulumi/pulumi
 * pkg/resource/deploy/providers/registry.go: Check calls CheckConfig, Create configures the
 * provider "if we are running a preview"), and a preview calls only Check and Diff, which need no
 * API. So a preview runs with no Twilio credential at all (CI's pull-request preview gets none),
 * and the first operation that needs the API says what is missing (missingCredentials). Half of
 * an API key is a mistake, not an absence, and fails here.
 */
export function configFailures(given: Partial<Record<ConfigKey, unknown>>, env: NodeJS.ProcessEnv = process.env): ConfigFailure[] {
  const failures: ConfigFailure[] = [];
  for (const key of CONFIG_KEYS) {
    const value = given[key];
    if (value !== undefined && typeof value !== 'string') failures.push({ property: key, reason: `${keyName(key)} must be a string` });
  }
  const c = resolve(given, env);
  if (c.accountSid) {
    // Not a secret: naming it helps spot an API key sid in the wrong place.
    const bad = validateSid(c.accountSid, 'AC', keyName('accountSid'));
    if (bad) failures.push({ property: 'accountSid', reason: bad });
  }
  if (c.apiKey && !c.apiSecret) failures.push({ property: 'apiSecret', reason: `${keyName('apiKey')} is set but ${source('apiSecret')} is not` });
  else if (c.apiSecret && !c.apiKey) failures.push({ property: 'apiKey', reason: `${keyName('apiSecret')} is set but ${source('apiKey')} is not` });
  const badUrl = c.apiBaseUrl ? validateUrl(c.apiBaseUrl, keyName('apiBaseUrl')) : undefined;
  if (badUrl) failures.push({ property: 'apiBaseUrl', reason: `${badUrl} (like https://api.twilio.com)` });
  return failures;
}

/** What is missing for an API request (the account, or any credential), and what to set; undefined when nothing is. */
function missingCredentials(c: Partial<Record<ConfigKey, string>>): string | undefined {
  const missing = [...(c.accountSid ? [] : [keyName('accountSid')]), ...(c.apiKey || c.authToken ? [] : ['a credential'])];
  return missing.length ? `no Twilio credentials (${missing.join(' and ')} not set): ${HOW_TO}` : undefined;
}

/**
 * What Configure leaves the provider with: the credentials, or the reason there are none (a
 * preview needs none; Read, Create, Update and Delete report it).
 */
export type ProviderSettings = { credentials: TwilioConfig } | { missing: string };

/** The configuration the provider runs with; throws one error listing every malformed setting. */
export function resolveConfig(given: Partial<Record<ConfigKey, unknown>>, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const failures = configFailures(given, env);
  if (failures.length) throw new Error(`Invalid ${PACKAGE} configuration: ${failures.map((f) => f.reason).join('; ')}`);
  const c = resolve(given, env);
  const missing = missingCredentials(c);
  if (missing) return { missing };
  return {
    credentials: {
      accountSid: c.accountSid!,
      ...(c.apiKey ? { apiKey: c.apiKey, apiSecret: c.apiSecret } : { authToken: c.authToken }),
      ...(c.apiBaseUrl ? { apiBaseUrl: c.apiBaseUrl } : {}),
    },
  };
}

/**
 * The deprecated `variables` map of a ConfigureRequest is keyed `<package>:config:<key>`
 * (provider_plugin.go Configure); read it when the request carries no `args`.
 */
export function fromVariables(variables: Iterable<[string, string]>): Partial<Record<ConfigKey, string>> {
  const out: Partial<Record<ConfigKey, string>> = {};
  for (const [k, v] of variables) {
    const key = k.replace(`${PACKAGE}:config:`, '') as ConfigKey;
    if (CONFIG_KEYS.includes(key)) out[key] = v;
  }
  return out;
}

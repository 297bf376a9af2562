/**
 * What `npm start`, `npm run call` and the end-to-end tests share: the routing directory from a
 * stack's config file, the bundle loaded as Lambda would load it, and each local server's state.
 *
 * A server keeps its state in dist/local/<port>/ (the bundle, the directory beside it as in
 * Lambda, and the auth token it generated), written only once it holds its port: a second
 * `npm start` that fails (port taken, bad PORT, bad config) changes nothing a running one uses,
 * and servers on two ports share no file. `npm run call` finds a server's state by its PORT.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getExampleNumber, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import metadataJson from 'libphonenumber-js/metadata.max.json';
import {
  clearTextSecretWarnings,
  configKeyWarnings,
  parseStackConfig,
  readStackFile,
  routerDirectoryFrom,
  siplineValues,
  stackConfigPath,
} from '../infra/config';
import { loadAuthToken } from '../lambda/authToken';
import { writeRouterBundle } from '../lambda/build';
import { isE164Username, numberOf, type RouterDirectory } from '../lambda/directory';
import { DEFAULT_PORT } from './cli';
import type { PayloadV2Handler } from './localAdapter';

const PROJECT_ROOT = path.resolve(__dirname, '..');
const LOCAL_STATE_ROOT = path.join(PROJECT_ROOT, 'dist', 'local');

/** One local server's files, by port. */
export function localState(port: number): { dir: string; bundle: string; directory: string; token: string; voicemail: string } {
  const dir = path.join(LOCAL_STATE_ROOT, String(port));
  return {
    dir,
    bundle: path.join(dir, 'index.js'),
    directory: path.join(dir, 'router-config.json'),
    token: path.join(dir, 'auth-token'),
    // Voicemail jobs, one JSON file each, where the router would queue them for email.
    voicemail: path.join(dir, 'voicemail'),
  };
}

/** Ports that have a local server's state (possibly stale: a killed server leaves its own). */
export function localStatePorts(): number[] {
  if (!fs.existsSync(LOCAL_STATE_ROOT)) return [];
  return fs
    .readdirSync(LOCAL_STATE_ROOT)
    .filter((name) => /^\d+$/.test(name) && fs.existsSync(localState(Number(name)).directory))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The routing directory of `Pulumi.<stack>.yaml`, read and validated as `pulumi preview` would,
 * with the same warnings (unknown keys, secrets in clear text).
 */
export function stackDirectory(stack: string): { directory: RouterDirectory; warnings: string[] } {
  const file = readStackFile(stackConfigPath(stack));
  const warnings = [...configKeyWarnings(Object.keys(file.config)), ...clearTextSecretWarnings(file)];
  try {
    return { directory: routerDirectoryFrom(parseStackConfig(siplineValues(file))), warnings };
  } catch (e) {
    // A mistyped key often explains the error (`domainNme` leaves domainName unset): say it first.
    for (const warning of warnings) console.warn(`warning: ${warning}`);
    throw e;
  }
}

/**
 * The local auth token: TWILIO_AUTH_TOKEN if set (then never printed nor saved: it may be a
 * real account's), else a fresh random one in Twilio's format. Nothing is written here.
 */
export async function localAuthToken(): Promise<{ token: string; generated: boolean }> {
  // The router's own check (lambda/authToken.ts), so a token it would refuse on every call
  // (503) is refused now, once, with its message.
  const fromEnv = process.env.TWILIO_AUTH_TOKEN;
  if (fromEnv) return { token: await loadAuthToken({ TWILIO_AUTH_TOKEN: fromEnv }), generated: false };
  return { token: randomBytes(16).toString('hex'), generated: true };
}

/** Builds the bundle to `bundle` and loads it with the given environment, as the Lambda runtime would. */
export async function loadBundledRouter(env: Record<string, string>, bundle: string): Promise<PayloadV2Handler> {
  await writeRouterBundle(bundle);
  Object.assign(process.env, env);
  delete require.cache[bundle];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(bundle) as { handler: PayloadV2Handler }).handler;
}

const metadata = metadataJson as unknown as MetadataJson;

/**
 * Calls a person can paste to try the stack being served: a user with a caller ID dials a
 * mobile number of an allowed country, a user dials another by name, and a PSTN caller dials a
 * bound number. Each line is a command with what it shows; a call the stack cannot make (no
 * user with a caller ID, a single user, no bound number) is left out.
 */
export function sampleCalls(directory: RouterDirectory, port: number): Array<{ command: string; shows: string }> {
  const run = (from: string, to: string) => `${port === DEFAULT_PORT ? '' : `PORT=${port} `}npm run call -- ${from} ${to}`;
  const uri = (username: string) => `sip:${username}@${directory.domain}`;
  const { users } = directory;
  const numbers = new Set(users.map(numberOf).filter((n) => n !== undefined));
  const samples: Array<{ command: string; shows: string }> = [];

  const allowed = directory.allowedCountries ?? [directory.defaultCountry];
  const country = (allowed.includes(directory.defaultCountry) ? directory.defaultCountry : allowed[0]) as CountryCode;
  const mobile = getExampleNumber(country, mobileExamples, metadata);
  // A named user reads best: alice dials out, bob (no number) dials alice by name.
  const named = users.filter((u) => !isE164Username(u.username));
  const caller = [...named, ...users].find((u) => numberOf(u) !== undefined) ?? (directory.defaultCallerId ? users[0] : undefined);
  if (mobile && caller && !numbers.has(mobile.number)) {
    // National digits for the default country, as a phone would dial them; E.164 for another.
    const dialed = country === directory.defaultCountry ? mobile.formatNational().replace(/\D/g, '') : mobile.number;
    samples.push({ command: run(uri(caller.username), dialed), shows: `${caller.username} dials the PSTN (caller ID ${numberOf(caller) ?? directory.defaultCallerId})` });
  }

  const from = users.find((u) => numberOf(u) === undefined) ?? users.find((u) => u !== caller) ?? users[0];
  const callee = [...named, ...users].find((u) => u !== from);
  if (from && callee) samples.push({ command: run(uri(from.username), callee.username), shows: `${from.username} dials ${callee.username}, over SIP` });

  const bound = users.find((u) => u.number !== undefined) ?? users.find((u) => numberOf(u) !== undefined);
  if (bound && mobile && !numbers.has(mobile.number)) {
    samples.push({ command: run(mobile.number, numberOf(bound) as string), shows: `the PSTN calls ${numberOf(bound)}, which rings ${bound.username}` });
  }

  // What an unanswered call does, where the stack says: the first user with a number and a noAnswer.
  const diverting = users.find((u) => numberOf(u) !== undefined && (u.noAnswer?.voicemail !== undefined || u.noAnswer?.forwardTo !== undefined));
  if (diverting && mobile && !numbers.has(mobile.number)) {
    const next = diverting.noAnswer?.voicemail !== undefined ? `${diverting.username}'s voicemail` : `forwarded to ${diverting.noAnswer?.forwardTo}`;
    samples.push({ command: `${run(mobile.number, numberOf(diverting) as string)} --status no-answer`, shows: `nobody answers: ${next}` });
  }
  return samples;
}

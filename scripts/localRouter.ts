/**
 * What `npm start` and the end-to-end tests share: build the bundle, derive the routing
 * directory from a stack's config file beside it, and load the bundle as Lambda would.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { clearTextSecretWarnings, parseStackConfig, readStackFile, routerDirectoryFrom, siplineValues, stackConfigPath } from '../infra/config';
import { BUNDLE_PATH, writeFileAtomically, writeRouterBundle } from '../lambda/build';
import type { PayloadV2Handler } from './localAdapter';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const LOCAL_TOKEN_FILE = path.join(PROJECT_ROOT, 'dist', 'local', 'auth-token');
export const DIRECTORY_PATH = path.join(path.dirname(BUNDLE_PATH), 'router-config.json');

/** Writes the directory derived from `Pulumi.<stack>.yaml` where the bundle looks for it. */
export function writeDirectory(stack: string): string {
  const file = readStackFile(stackConfigPath(stack));
  for (const warning of clearTextSecretWarnings(file)) console.warn(`warning: ${warning}`);
  const directory = routerDirectoryFrom(parseStackConfig(siplineValues(file)));
  writeFileAtomically(DIRECTORY_PATH, `${JSON.stringify(directory, null, 2)}\n`);
  return DIRECTORY_PATH;
}

/**
 * The local auth token: TWILIO_AUTH_TOKEN if set (then never printed nor saved: it may be a
 * real account's), else a fresh random one, saved for `npm run call`.
 */
export function localAuthToken(): { token: string; generated: boolean } {
  fs.rmSync(LOCAL_TOKEN_FILE, { force: true });
  if (process.env.TWILIO_AUTH_TOKEN) return { token: process.env.TWILIO_AUTH_TOKEN, generated: false };
  const token = randomBytes(16).toString('hex');
  writeFileAtomically(LOCAL_TOKEN_FILE, token, 0o600);
  return { token, generated: true };
}

/** Builds the bundle and loads it with the given environment, as the Lambda runtime would. */
export async function loadBundledRouter(env: Record<string, string>): Promise<PayloadV2Handler> {
  await writeRouterBundle();
  Object.assign(process.env, env);
  delete require.cache[BUNDLE_PATH];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(BUNDLE_PATH) as { handler: PayloadV2Handler }).handler;
}

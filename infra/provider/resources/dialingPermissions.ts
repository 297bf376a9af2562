import type { Twilio } from 'twilio';
import { TWILIO_TYPES } from '../../twilio/types';
import { checkResource, VOICE_DIALING_PERMISSIONS } from '../../twilio/validate';
import { type Context, type Diff, type ResourceType } from '../common';
import { PartialFailure } from '../errors';
import { isTransient, withRetry, type RetryPolicy } from '../retry';

/**
 * A country's voice dialing permissions as three flags: low-risk numbers, high-risk special
 * services numbers, high-risk toll-fraud numbers; "1" enabled, "0" disabled (e.g. "100").
 * Compact on purpose: `previous` may hold a few hundred countries in state.
 */
type Flags = string;
const SAFE: Flags = '100';
const BLOCKED: Flags = '000';

export interface DialingPermissionsInputs extends Record<string, unknown> {
  /** ISO 3166 alpha-2 codes: the only countries whose low-risk numbers phones may dial. */
  allowedCountries: string[];
}
export interface DialingPermissionsOutputs extends DialingPermissionsInputs {
  /** Countries whose low-risk numbers are enabled, as Twilio reports them (drift shows here). */
  lowRiskCountries: string[];
  /** Countries with high-risk special or toll-fraud numbers enabled: should be none. */
  highRiskCountries: string[];
  /** Each country's flags before sipline changed them, restored on delete. */
  previous: Record<string, Flags>;
}

interface CountryFlags {
  isoCode: string;
  lowRiskNumbersEnabled: boolean;
  highRiskSpecialNumbersEnabled: boolean;
  highRiskTollfraudNumbersEnabled: boolean;
}
const flagsOf = (c: CountryFlags): Flags =>
  [c.lowRiskNumbersEnabled, c.highRiskSpecialNumbersEnabled, c.highRiskTollfraudNumbersEnabled].map((b) => (b ? '1' : '0')).join('');

/** GET /v1/DialingPermissions/Countries, every page: flags by ISO code. */
async function readAll(client: Twilio, retry: RetryPolicy): Promise<Map<string, Flags>> {
  const countries = await withRetry(() => client.voice.v1.dialingPermissions.countries.list({ pageSize: 1000 }), retry);
  return new Map(countries.map((c) => [c.isoCode, flagsOf(c)]));
}

/**
 * POST /v1/DialingPermissions/BulkCountryUpdates UpdateRequest=[...]: setting a country's flags
 * to given values is idempotent, so it is retried like any update. 100 countries per request;
 * `applied` hears of each request Twilio accepted.
 */
async function apply(client: Twilio, retry: RetryPolicy, changes: Map<string, Flags>, applied: (batch: [string, Flags][]) => void = () => undefined): Promise<void> {
  const all = [...changes];
  for (let i = 0; i < all.length; i += 100) {
    const batch = all.slice(i, i + 100);
    const updates = batch.map(([iso, f]) => ({
      iso_code: iso,
      low_risk_numbers_enabled: String(f[0] === '1'),
      high_risk_special_numbers_enabled: String(f[1] === '1'),
      high_risk_tollfraud_numbers_enabled: String(f[2] === '1'),
    }));
    await withRetry(() => client.voice.v1.dialingPermissions.bulkCountryUpdates.create({ updateRequest: JSON.stringify(updates) }), retry);
    applied(batch);
  }
}

/** What every country should be: allowed ones "100", every other "000". */
function wanted(live: Map<string, Flags>, allowed: string[]): Map<string, Flags> {
  const changes = new Map<string, Flags>();
  for (const [iso, flags] of live) {
    const target = allowed.includes(iso) ? SAFE : BLOCKED;
    if (flags !== target) changes.set(iso, target);
  }
  return changes;
}

function outputsOf(live: Map<string, Flags>, allowed: string[], previous: Record<string, Flags>): DialingPermissionsOutputs {
  const where = (test: (f: Flags) => boolean) => [...live].filter(([, f]) => test(f)).map(([iso]) => iso).sort();
  return { allowedCountries: [...allowed].sort(), lowRiskCountries: where((f) => f[0] === '1'), highRiskCountries: where((f) => f[1] === '1' || f[2] === '1'), previous };
}

/**
 * Sets every country as wanted. `previous` gets each changed country's flags before any request,
 * so a failure after some requests went through (more than 100 countries take several) still
 * hands the engine the flags of every country that may have changed: a PartialFailure, whose
 * outputs the engine records (errors.ts), so destroy restores them all and the next update
 * does not take already-changed flags for the previous ones.
 */
async function converge(ctx: Context, id: string, allowed: string[], recorded: Record<string, Flags>): Promise<DialingPermissionsOutputs> {
  const live = await readAll(ctx.client, ctx.retry);
  const unknown = allowed.filter((iso) => !live.has(iso));
  if (unknown.length) throw new Error(`Twilio has no voice dialing permissions for ${unknown.join(', ')}: check allowedCountries`);
  const changes = wanted(live, allowed);
  const previous = { ...recorded };
  for (const iso of changes.keys()) if (!(iso in previous)) previous[iso] = live.get(iso)!;
  let done = 0;
  try {
    await apply(ctx.client, ctx.retry, changes, (batch) => {
      for (const [iso, f] of batch) live.set(iso, f);
      done += batch.length;
    });
  } catch (err) {
    // Nothing changed only if no request went through and the failed one was refused (a 4xx):
    // one that failed with a 5xx or a dropped connection may have been applied all the same.
    if (done === 0 && !isTransient(err)) throw err;
    const applied = done === 0 ? `the failed request may have applied some of the ${changes.size} country changes` : `Twilio had applied ${done} of the ${changes.size} country changes before it`;
    throw new PartialFailure(
      `${applied}; the state keeps the previous permissions of every country this changes, so pulumi up applies the rest and pulumi destroy restores them all`,
      id,
      outputsOf(live, allowed, previous),
      err,
    );
  }
  return outputsOf(live, allowed, previous);
}

/**
 * The id is the account whose permissions these are: read, update and delete go to the account
 * the credentials reach, so any other id would read or restore the wrong account's.
 */
function assertAccount(ctx: Context, id: string): void {
  if (id !== ctx.accountSid) {
    throw new Error(
      `these are the voice dialing permissions of Twilio account ${id}, but sipline-twilio's credentials are for account ${ctx.accountSid}: ` +
        `configure sipline-twilio for ${id}, or (pulumi import) give ${ctx.accountSid} as the id`,
    );
  }
}

const sameSet = (a: unknown, b: unknown) => JSON.stringify([...((a as string[]) ?? [])].sort()) === JSON.stringify([...((b as string[]) ?? [])].sort());

/**
 * Twilio Voice geographic permissions of the whole account, /v1/DialingPermissions (the second
 * fence behind the router's own country check). Id: the account sid (one per account): every
 * operation checks it is the account the credentials reach.
 * - create/update: GET Countries (all pages), then POST BulkCountryUpdates for every country
 *   not yet as wanted: allowedCountries "low-risk on, high-risk special and toll-fraud off",
 *   every other country all off. Each changed country's flags before the change are kept in
 *   `previous`.
 * - read: GET Countries; drift shows in lowRiskCountries and highRiskCountries.
 * - delete: POST BulkCountryUpdates with `previous`.
 */
export const voiceDialingPermissions: ResourceType<DialingPermissionsInputs, DialingPermissionsOutputs> = {
  token: TWILIO_TYPES.dialingPermissions,
  idParts: ['AC'],
  identity: (_p, id) => id ?? 'the account',

  check: (_olds, news) => checkResource(news, VOICE_DIALING_PERMISSIONS),

  diff(olds, news): Diff {
    const diffs = [
      ...(sameSet(olds.allowedCountries, news.allowedCountries) ? [] : ['allowedCountries']),
      ...(sameSet(olds.lowRiskCountries, news.allowedCountries) ? [] : ['lowRiskCountries']),
      ...((olds.highRiskCountries ?? []).length ? ['highRiskCountries'] : []),
    ];
    return { changes: diffs.length > 0, replaces: [], diffs, deleteBeforeReplace: false };
  },

  async create(ctx, inputs) {
    ctx.log('info', `setting the voice dialing permissions of the whole account ${ctx.accountSid}: ${inputs.allowedCountries.join(', ')}`);
    return { id: ctx.accountSid, outputs: await converge(ctx, ctx.accountSid, inputs.allowedCountries, {}) };
  },

  async read(ctx, id, state) {
    assertAccount(ctx, id);
    const live = await readAll(ctx.client, ctx.retry);
    if (state) return { id, outputs: outputsOf(live, state.allowedCountries ?? [], state.previous ?? {}) };
    // An import: the countries open today are what sipline manages; nothing to restore.
    const open = [...live].filter(([, f]) => f[0] === '1').map(([iso]) => iso).sort();
    return { id, outputs: outputsOf(live, open, {}), inputs: { allowedCountries: open } };
  },

  async update(ctx, id, olds, news) {
    assertAccount(ctx, id);
    return converge(ctx, id, news.allowedCountries, olds.previous ?? {});
  },

  async delete(ctx, id, state) {
    assertAccount(ctx, id);
    await apply(ctx.client, ctx.retry, new Map(Object.entries(state.previous ?? {})));
  },
};

/**
 * What every resource type in this provider implements, and the helpers they share.
 */
import type { Twilio } from 'twilio';
import { validateSid, type FieldFailure } from '../twilio/validate';
import { isNotFound, statusOf } from './errors';
import type { RetryPolicy } from './retry';

export type Props = Record<string, unknown>;

/** What a resource method gets besides its properties. */
export interface Context {
  client: Twilio;
  accountSid: string;
  retry: RetryPolicy;
  /** A line the engine shows with the resource (pulumirpc.Engine Log). */
  log(severity: 'info' | 'warning', message: string): void;
}

export interface Diff {
  changes: boolean;
  /** Properties whose change replaces the object. */
  replaces: string[];
  /** Every property that changes. */
  diffs: string[];
  deleteBeforeReplace: boolean;
  /** Output-only properties among `diffs` that the change takes away (a trunk to detach). */
  removes?: string[];
}

export interface Read<O> {
  id: string;
  outputs: O;
  /** Returned for an import (read from the id alone): the inputs that give this object. */
  inputs?: Props;
}

export interface ResourceType<I extends Props, O extends Props> {
  /** `sipline-twilio:index:<Name>`. */
  token: string;
  /**
   * The id's form: the sid prefix of each `/`-separated part (`['CL', 'CR']` for CL.../CR...).
   * The provider refuses an id of another form before read, update or delete (provider.ts run),
   * so those methods may split it as it is.
   */
  idParts: readonly string[];
  /** How messages name the Twilio object: its identity, else the id. */
  identity(props: Partial<I> | undefined, id?: string): string;
  check(olds: Props, news: Props): FieldFailure[];
  diff(olds: O, news: I): Diff;
  create(ctx: Context, inputs: I): Promise<{ id: string; outputs: O }>;
  /**
   * `state` undefined: an import, from the id alone; return `inputs` too. Undefined result: the
   * object is gone (deleted in the console).
   */
  read(ctx: Context, id: string, state: O | undefined): Promise<Read<O> | undefined>;
  update(ctx: Context, id: string, olds: O, news: I): Promise<O>;
  delete(ctx: Context, id: string, state: O): Promise<void>;
}

/**
 * `diff` shared by the resources. `olds` are the resource's last outputs (live values after a
 * refresh), `news` the program's inputs. An optional input left undefined is not managed:
 * Twilio keeps whatever it has (its default, or a console edit), so it never shows as a change.
 * A field still unknown during preview counts as changed.
 */
export function diffFields(
  olds: Props,
  news: Props,
  updatable: readonly string[],
  replaceOnly: readonly string[],
  normalize: Record<string, (v: unknown) => unknown> = {},
): Diff {
  const changed = (field: string) => {
    if (news[field] === undefined) return false;
    const norm = normalize[field] ?? ((v: unknown) => v);
    return norm(olds[field]) !== norm(news[field]);
  };
  const replaces = replaceOnly.filter(changed);
  const diffs = [...replaceOnly, ...updatable].filter(changed);
  // Delete first: the replacement has the same identity (username, list, number) or would
  // adopt the old object, so creating it first would collide with or adopt the object about
  // to be deleted.
  return { changes: diffs.length > 0, replaces, diffs, deleteBeforeReplace: replaces.length > 0 };
}

/**
 * Which top-level properties a resource's `ignoreChanges` covers whole, in Pulumi's property-path
 * syntax (sdk/go/common/resource/properties_path.go parsePropertyPath): `voiceUrl`,
 * `["voiceUrl"]`, or `*` for every property (PropertyPath.Reset treats a `*` key as a wildcard).
 * The engine already gives each ignored input its old value in the inputs it sends
 * (step_generator.go processIgnoreChanges), but `diff` compares them with the outputs, which a
 * refresh may have changed since (a console edit): so the engine also sends the list
 * (DiffRequest.ignoreChanges), and such a property must not show as a change. A path into a
 * property (`allowedCountries[0]`) covers part of it only: the engine's reset of that part is
 * all it asks.
 */
export function ignoredBy(paths: readonly string[]): (key: string) => boolean {
  const whole = new Set<string>();
  for (const path of paths) {
    const quoted = /^\["((?:[^"\\]|\\")*)"\]$/.exec(path);
    if (quoted) whole.add(quoted[1].replace(/\\"/g, '"'));
    else if (/^[^.[\]]+$/.test(path)) whole.add(path);
  }
  return (key) => whole.has('*') || whole.has(key);
}

const unset = (v: unknown) => v === undefined || v === null || v === '';

/**
 * How each changed property changes, for the engine's detailed diff (pulumirpc.PropertyDiff,
 * which `pulumi preview --diff` shows as +, - or ~): `ADD` when it had no value (Twilio's "not
 * set", an imported credential's password) and gets one, `DELETE` when the change takes it
 * away (Diff.removes: the inputs never remove one, since an input left unset is not managed),
 * `UPDATE` otherwise, each with `_REPLACE` when it replaces the object. `inputDiff`: whether the
 * program gives the property (compared on the inputs) or only Twilio reports it (a trunk found
 * by refresh, the permissions Twilio reports: compared on the outputs).
 */
export function detailedDiff(olds: Props, news: Props, diff: Diff): Record<string, { kind: string; inputDiff: boolean }> {
  const out: Record<string, { kind: string; inputDiff: boolean }> = {};
  for (const key of diff.diffs) {
    const change = diff.removes?.includes(key) ? 'DELETE' : unset(olds[key]) ? 'ADD' : 'UPDATE';
    out[key] = { kind: diff.replaces.includes(key) ? `${change}_REPLACE` : change, inputDiff: key in news };
  }
  return out;
}

/** Drops undefined, null and "" values: Twilio's "not set" is null or "", Pulumi's an absent key. */
export function compact<T extends Props>(obj: T): T {
  const out: Props = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out as T;
}

/** Picks the listed keys whose values are defined: the fields a request should send. */
export function pickDefined<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out[k] = obj[k];
  return out;
}

/** What is wrong with an id that is not of the form `prefixes` gives (`SD...`, `CL.../CR...`). */
export function idProblem(token: string, id: string, prefixes: readonly string[]): string | undefined {
  const parts = id.split('/');
  if (parts.length === prefixes.length && parts.every((p, i) => validateSid(p, prefixes[i], 'id') === undefined)) return undefined;
  return `${token} id "${id}" is not ${prefixes.map((p) => `${p}...`).join('/')} (${prefixes.map((p) => `${p} followed by 32 hex digits`).join(', then ')})`;
}

/**
 * Twilio answered that the object exists: 409, or 400 with one of these Twilio error codes, or
 * any 400 (`'any'`) for an object whose "exists" answer Twilio documents no code for.
 */
export function conflictWith(twilioCodes: readonly number[] | 'any') {
  return (err: unknown): boolean => {
    const status = statusOf(err);
    return status === 409 || (status === 400 && (twilioCodes === 'any' || twilioCodes.includes((err as { code?: unknown }).code as number)));
  };
}

/** For `read`: a 404 means the object is gone (undefined); anything else is a failure. */
export function goneAs404(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

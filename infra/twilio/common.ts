import type * as pulumi from '@pulumi/pulumi';

/**
 * `diff` shared by the providers. `olds` are the resource's last outputs (live values after
 * a refresh), `news` the program's inputs. An optional input left undefined is not managed:
 * Twilio keeps whatever it has (its default, or a console edit), so it never shows as a change.
 * A field still unknown during preview counts as changed.
 */
export function diffFields(
  oldOutputs: object,
  newInputs: object,
  updatable: readonly string[],
  replaceOnly: readonly string[],
  normalize: Record<string, (v: unknown) => unknown> = {},
): pulumi.dynamic.DiffResult {
  const olds = oldOutputs as Record<string, unknown>;
  const news = newInputs as Record<string, unknown>;
  const changed = (field: string) => {
    if (news[field] === undefined) return false;
    const norm = normalize[field] ?? ((v: unknown) => v);
    return norm(olds[field]) !== norm(news[field]);
  };
  const replaces = replaceOnly.filter(changed);
  const changes = replaces.length > 0 || updatable.some(changed);
  // Delete first: the replacement has the same identity (name, username, number) or would
  // adopt the old object, so creating it first would collide with or adopt the object about
  // to be deleted.
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/** Drops undefined and null values: Twilio's "not set" is null, Pulumi's is an absent key. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null) out[k] = v;
  return out as T;
}

/** Picks the listed keys whose values are defined: the fields a request should send. */
export function pickDefined<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out[k] = obj[k];
  return out;
}

/**
 * Resource options every sipline Twilio resource gets. deleteBeforeReplace: creating the
 * replacement first would adopt (or collide with) the very object Pulumi deletes next; also
 * covers `pulumi up --replace`, which never consults the provider's diff.
 */
export function withDefaults(opts: pulumi.CustomResourceOptions | undefined, secrets: string[] = []): pulumi.CustomResourceOptions {
  return {
    deleteBeforeReplace: true,
    ...opts,
    ...(secrets.length ? { additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secrets] } : {}),
  };
}

/** Ignores "already gone" on delete, so deleting twice (or after a console delete) succeeds. */
export function ignoreNotFound(err: unknown): void {
  if ((err as { status?: number } | undefined)?.status !== 404) throw err;
}

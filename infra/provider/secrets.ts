/**
 * Secrets on the wire. The provider answers Configure with acceptSecrets (as the SDK's server
 * does), so the engine sends secret values as its signature objects, and keeps as secret only
 * what the provider returns in that form (provider_plugin.go annotates secrets back only for
 * providers that do not accept them). The SDK's server hands these objects over as they are
 * (Struct.toJavaScript), so the provider unwraps them on the way in and wraps on the way out.
 * The marker is the SDK's own (@pulumi/pulumi/runtime/rpc specialSigKey / specialSecretSig);
 * the program's mocks (infra/mocks.ts) and the tests use these helpers too.
 */
import { isRpcSecret, specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';

export function isSecret(v: unknown): v is { value: unknown } {
  return Boolean(isRpcSecret(v));
}

export function secret(value: unknown): Record<string, unknown> {
  return { [specialSigKey]: specialSecretSig, value };
}

/**
 * `v` without secret wrappers, at any depth. Only arrays and plain objects are entered: anything
 * else (a Pulumi asset under the mocks) is kept as it is.
 */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecret(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** Whether `v` is or contains a secret. */
function hasSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(hasSecret);
  return typeof v === 'object' && v !== null && Object.values(v).some(hasSecret);
}

/** Plain values, and the top-level keys whose value was (or contained) a secret. */
export function unwrap(props: Record<string, unknown> | undefined): { values: Record<string, unknown>; secretKeys: Set<string> } {
  const entries = Object.entries(props ?? {});
  return {
    values: Object.fromEntries(entries.map(([key, value]) => [key, unwrapSecrets(value)])),
    secretKeys: new Set(entries.filter(([, value]) => hasSecret(value)).map(([key]) => key)),
  };
}

/**
 * `props` with the values of `keys` (where present) in the engine's secret form, and without
 * undefined values (which a protobuf Struct cannot carry).
 */
export function wrap(props: Record<string, unknown>, keys: Iterable<string>): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
  for (const key of keys) if (out[key] !== undefined && !isSecret(out[key])) out[key] = secret(out[key]);
  return out;
}

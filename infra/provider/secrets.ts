/**
 * Secrets on the wire. The provider answers Configure with acceptSecrets (as the SDK's server
 * does), so the engine sends secret values as its signature objects, and keeps as secret only
 * what the provider returns in that form (provider_plugin.go annotates secrets back only for
 * providers that do not accept them). The SDK's server hands these objects over as they are
 * (Struct.toJavaScript), so the provider unwraps them on the way in and wraps on the way out.
 * The marker is @pulumi/pulumi/runtime/rpc's specialSigKey / specialSecretSig.
 */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';

export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Plain values, and the top-level keys whose value was (or contained) a secret. */
export function unwrap(props: Record<string, unknown> | undefined): { values: Record<string, unknown>; secretKeys: Set<string> } {
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(props ?? {})) {
    let hadSecret = false;
    const strip = (v: unknown): unknown => {
      if (isSecret(v)) {
        hadSecret = true;
        return strip(v.value);
      }
      if (Array.isArray(v)) return v.map(strip);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
      return v;
    };
    values[key] = strip(value);
    if (hadSecret) secretKeys.add(key);
  }
  return { values, secretKeys };
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

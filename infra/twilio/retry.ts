/**
 * Retries for Twilio requests.
 *
 * Who retries what:
 * - 429 (Too Many Requests): twilio-node's own RequestClient (`autoRetry`, exponential
 *   backoff with full jitter), configured in client.ts from `retryPolicy`. Twilio refused the
 *   request without acting on it, so every method, creates included, is safe to repeat.
 * - 5xx and network errors: `withRetry` below, for idempotent requests only (GET, DELETE,
 *   POST to an existing object's URL, which sets fields to given values).
 * - A create (POST to a list URL) is never repeated blindly: a 502/503/timeout can arrive
 *   after Twilio created the object. `createOrAdopt` re-runs the identity lookup before each
 *   new attempt, so an object created by a failed-looking attempt is adopted, not duplicated.
 * - Any other 4xx fails at once (errors.ts words it).
 */

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Delay cap for attempt n is min(maxDelayMs, baseDelayMs * 2^n); the delay is a uniform draw below it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-request timeout handed to the SDK. */
  requestTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter source. */
  random: () => number;
}

// Defaults sized for `pulumi up` against api.twilio.com: up to ~0.2+0.4+0.8+1.6 s of waiting
// over 5 attempts. Mutable on purpose so tests can make waits instant (setRetryPolicy); a
// deployed provider is serialized with these defaults.
export const retryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  requestTimeoutMs: 30000,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Overrides part of the policy; returns a function restoring the previous values (tests). */
export function setRetryPolicy(overrides: Partial<RetryPolicy>): () => void {
  const saved = { ...retryPolicy };
  Object.assign(retryPolicy, overrides);
  return () => {
    Object.assign(retryPolicy, saved);
  };
}

/** Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff and Jitter"). */
export function backoffDelay(attempt: number, policy: RetryPolicy = retryPolicy): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(cap * policy.random());
}

// An array, not a Set: Pulumi's closure serializer does not carry a Set's contents.
const NETWORK_ERROR_CODES = ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNREFUSED'];

/** A failure worth repeating for an idempotent request: Twilio-side 5xx or a dropped connection. */
export function isTransient(err: unknown): boolean {
  const e = err as { status?: unknown; code?: unknown } | undefined;
  if (e && typeof e.status === 'number') return e.status >= 500;
  return !!e && typeof e.code === 'string' && NETWORK_ERROR_CODES.includes(e.code);
}

/** Runs an idempotent request, repeating it on transient failures with backoff. */
export async function withRetry<T>(request: () => Promise<T>, policy: RetryPolicy = retryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!isTransient(err) || attempt + 1 >= policy.maxAttempts) throw err;
      await policy.sleep(backoffDelay(attempt, policy));
    }
  }
}

/**
 * Creates an object unless one with the same identity exists, in which case it is adopted.
 * `find` is idempotent and retried; `create` is attempted once per round, and a transient
 * failure leads to a new round that starts with `find` again (see the module comment).
 */
export async function createOrAdopt<T>(
  find: () => Promise<T | undefined>,
  create: () => Promise<T>,
  policy: RetryPolicy = retryPolicy,
): Promise<{ object: T; adopted: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const existing = await withRetry(find, policy);
    if (existing !== undefined) return { object: existing, adopted: true };
    try {
      return { object: await create(), adopted: false };
    } catch (err) {
      if (!isTransient(err) || attempt + 1 >= policy.maxAttempts) throw err;
      await policy.sleep(backoffDelay(attempt, policy));
    }
  }
}

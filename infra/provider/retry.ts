/**
 * Retries for Twilio requests.
 *
 * Who retries what:
 * - 429 (Too Many Requests): twilio-node's own RequestClient (`autoRetry`, exponential
 *   backoff with full jitter), configured in client.ts from the policy. Twilio refused the
 *   request without acting on it, so every method, creates included, is safe to repeat.
 * - 5xx and network errors: `withRetry` below, for idempotent requests only (GET, DELETE,
 *   POST to an existing object's URL, which sets fields to given values).
 * - A create (POST to a list URL) is attempted first, with no lookup: creating N objects costs
 *   N requests. `createOrAdopt` looks the object up only when Twilio answered that it exists
 *   (adoption), or after a 5xx/timeout, which can arrive after Twilio created it: then the
 *   object is adopted rather than created twice.
 * - Any other 4xx fails at once (errors.ts words it).
 */
import { isNotFound, statusOf } from './errors';

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
  /** Told about each retry, so the engine can show it. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Defaults sized for `pulumi up` against api.twilio.com: up to ~0.2+0.4+0.8+1.6 s of waiting
 * over 5 attempts. SIPLINE_TWILIO_RETRY_BASE_MS shortens the waits (the tests set it, so a
 * retried request does not cost them seconds); nothing else about the policy changes.
 */
export function defaultRetryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const base = Number(env.SIPLINE_TWILIO_RETRY_BASE_MS);
  const baseDelayMs = Number.isFinite(base) && base > 0 ? base : 200;
  return {
    maxAttempts: 5,
    baseDelayMs,
    maxDelayMs: Math.max(baseDelayMs, 5000 * (baseDelayMs / 200)),
    requestTimeoutMs: 30000,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    random: () => Math.random(),
  };
}

/** Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff and Jitter"). */
function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(cap * policy.random());
}

const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNREFUSED']);

/** A failure worth repeating for an idempotent request: Twilio-side 5xx or a dropped connection. */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}

/** Runs an idempotent request, repeating it on transient failures with backoff. */
export async function withRetry<T>(request: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (!isTransient(err) || attempt + 1 >= policy.maxAttempts) throw err;
      const delay = backoffDelay(attempt, policy);
      policy.onRetry?.(err, attempt + 1, delay);
      await policy.sleep(delay);
    }
  }
}

interface CreateOrAdopt<T> {
  /** POST to the list URL: attempted once per round, never blindly repeated. */
  create: () => Promise<T>;
  /** Whether this failure of `create` is Twilio saying the object already exists. */
  exists: (err: unknown) => boolean;
  /** Finds the existing object by its identity; idempotent (retried). */
  find: () => Promise<T | undefined>;
}

/**
 * Creates an object; if Twilio answers that it exists, finds and adopts it. After a transient
 * failure it looks the object up before trying again, since that failure may have come after
 * Twilio created it. A "exists" answer for which nothing is found is reported as Twilio gave it.
 */
export async function createOrAdopt<T>(steps: CreateOrAdopt<T>, policy: RetryPolicy): Promise<{ object: T; adopted: boolean }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { object: await steps.create(), adopted: false };
    } catch (err) {
      if (steps.exists(err)) {
        const found = await withRetry(steps.find, policy);
        if (found !== undefined) return { object: found, adopted: true };
        throw err;
      }
      if (!isTransient(err) || attempt + 1 >= policy.maxAttempts) throw err;
      const delay = backoffDelay(attempt, policy);
      policy.onRetry?.(err, attempt + 1, delay);
      await policy.sleep(delay);
      const made = await withRetry(steps.find, policy);
      if (made !== undefined) return { object: made, adopted: true };
    }
  }
}

/** Treats "already gone" as done, so deleting twice (or after a console delete) succeeds. */
export async function ignoreNotFound(request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

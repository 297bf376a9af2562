/**
 * An invocation's deadline, and the signals that end the worker's steps in time for it.
 *
 * Lambda stops a function at its timeout, and an SQS batch whose invocation timed out goes back
 * to the queue whole: its partial batch response is never read (Lambda's guide, "Handling errors
 * for an SQS event source in Lambda"). The worker's deadline is therefore earlier than Lambda's
 * timeout by a margin, and what a job has not finished by then it reports as a failure, to be
 * retried, rather than let the invocation time out and lose the other jobs' outcomes.
 */
import type { Context } from 'aws-lambda';

/** Why a step was stopped: the invocation had no time left for it, not the step's own failure. */
export class OutOfTime extends Error {
  override name = 'OutOfTime';
}

export class Deadline {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** `at`: the deadline, in milliseconds since the epoch. */
  constructor(readonly at: number) {}

  /**
   * The deadline of the invocation `context` belongs to: `marginMs` before Lambda's timeout
   * (`fallbackMs` from now when the context cannot tell, as outside Lambda).
   */
  static forInvocation(context: Partial<Pick<Context, 'getRemainingTimeInMillis'>> | undefined, marginMs: number, fallbackMs: number): Deadline {
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : fallbackMs;
    return new Deadline(Date.now() + remaining - marginMs);
  }

  remainingMs(): number {
    return this.at - Date.now();
  }

  /**
   * A signal that aborts `reserveMs` before the deadline (at once when that is past), its reason
   * an OutOfTime with the message `why()` gives then.
   */
  signal(reserveMs: number, why: () => string): AbortSignal {
    const controller = new AbortController();
    const abort = () => controller.abort(new OutOfTime(why()));
    const wait = this.remainingMs() - reserveMs;
    if (wait <= 0) {
      abort();
    } else {
      const timer = setTimeout(abort, wait);
      this.timers.add(timer);
    }
    return controller.signal;
  }

  /** The invocation is over: its signals' timers are cleared (a frozen sandbox keeps none). */
  end(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * Settles as `work` does, or rejects with the signal's reason once it aborts, whichever comes
 * first; for work that cannot be aborted itself (it goes on, and its result is dropped).
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Its failure is dropped too: unhandled, it would end the invocation (Node's default, and
    // Lambda's runtime), the batch's other jobs with it.
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Turns twilio-node failures into messages that say what failed, for which resource, and why.
 * twilio-node throws RestException for non-2xx answers, with `status` (HTTP), `code` (Twilio's
 * error code, documented at https://www.twilio.com/docs/api/errors/<code>) and `message`.
 */

export class TwilioResourceError extends Error {
  override name = 'TwilioResourceError';
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: number,
  ) {
    super(message);
  }
}

interface RestLike {
  status?: number;
  code?: number | string;
  message?: string;
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as RestLike | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * `Twilio rejected SipDomain "acme.sip.twilio.com": <message> (Twilio error 21xxx, HTTP 400)`.
 * 5xx and network failures say "failed" instead of "rejected": the request may be fine.
 */
export function describeFailure(kind: string, name: string, err: unknown): TwilioResourceError {
  if (err instanceof TwilioResourceError) return err;
  const e = (err ?? {}) as RestLike;
  const status = statusOf(err);
  const twilioCode = status !== undefined && typeof e.code === 'number' ? e.code : undefined;
  const detail = [twilioCode !== undefined ? `Twilio error ${twilioCode}` : undefined, status !== undefined ? `HTTP ${status}` : undefined]
    .filter(Boolean)
    .join(', ');
  const verb = status !== undefined && status < 500 ? 'rejected' : 'failed on';
  const what = status === undefined && typeof e.code === 'string' ? `${e.message ?? 'request failed'} [${e.code}]` : e.message ?? String(err);
  return new TwilioResourceError(`Twilio ${verb} ${kind} "${name}": ${what}${detail ? ` (${detail})` : ''}`, status, twilioCode);
}

/** Runs `fn`, rewording any failure with describeFailure. */
export async function explain<T>(kind: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw describeFailure(kind, name, err);
  }
}

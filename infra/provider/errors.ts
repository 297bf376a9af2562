/**
 * Turns failures into the one message a user reads: which resource, what Twilio said, and
 * Twilio's error code. twilio-node throws RestException for non-2xx answers, with `status`
 * (HTTP), `code` (Twilio's error code, documented at https://www.twilio.com/docs/api/errors/<code>)
 * and `message`.
 *
 * The errors this module makes never carry a numeric `code` property: the provider SDK hands
 * errors from check/diff/read/delete to grpc-js as they are, and grpc-js takes a numeric `code`
 * as the gRPC status code (server-call.js serverErrorToStatus), so a Twilio code such as 21232
 * would become an invalid gRPC status instead of reaching the user.
 */

export class TwilioFailure extends Error {
  override name = 'TwilioFailure';
  constructor(
    message: string,
    readonly httpStatus?: number,
    readonly twilioCode?: number,
  ) {
    super(message);
  }
}

interface RestLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
}

export function statusOf(err: unknown): number | undefined {
  if (err instanceof TwilioFailure) return err.httpStatus;
  const status = (err as RestLike | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Twilio's own error code (21232...), when Twilio answered with one. */
function twilioCodeOf(err: unknown): number | undefined {
  if (err instanceof TwilioFailure) return err.twilioCode;
  const code = (err as RestLike | undefined)?.code;
  return statusOf(err) !== undefined && typeof code === 'number' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/**
 * `Twilio rejected SipDomain sipline-domain ("acme.sip.twilio.com"): <message> (Twilio error 21232, HTTP 400)`.
 * 5xx and network failures say "failed on" instead of "rejected": the request may be fine.
 * A failure already worded (a TwilioFailure) is passed through.
 */
export function describeFailure(what: string, err: unknown): TwilioFailure {
  if (err instanceof TwilioFailure) return err;
  const e = (err ?? {}) as RestLike;
  const status = statusOf(err);
  const twilioCode = twilioCodeOf(err);
  const detail = [twilioCode !== undefined ? `Twilio error ${twilioCode}` : undefined, status !== undefined ? `HTTP ${status}` : undefined]
    .filter(Boolean)
    .join(', ');
  const verb = status !== undefined && status < 500 ? 'rejected' : 'failed on';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  // Network errors carry a string code (ECONNREFUSED...): keep it in the text.
  const text = status === undefined && typeof e.code === 'string' ? `${message} [${e.code}]` : message;
  return new TwilioFailure(`Twilio ${verb} ${what}: ${text}${detail ? ` (${detail})` : ''}`, status, twilioCode);
}

/**
 * A create or update that failed after it had changed something in Twilio. The engine must
 * record what was applied, or the next `pulumi up` works from a state that is no longer true
 * and `pulumi destroy` cannot undo it:
 * - the provider SDK's server sends an error that has an `id` as
 *   pulumirpc.ErrorResourceInitFailed{id, properties, reasons} (@pulumi/pulumi/provider/server.js
 *   grpcResponseFromError, for create and update only; every other error loses its properties);
 * - the engine's parseError (sdk/go/common/resource/plugin/provider_plugin.go) turns that into
 *   StatusPartialFailure with `properties` as the live outputs, CreateStep.Apply and
 *   UpdateStep.Apply (pkg/resource/deploy/step.go) keep them in the state with the reasons as
 *   the resource's init errors, and the next `pulumi up` updates a resource that has init errors
 *   even when its diff is empty (step_generator.go, hasInitErrors);
 * - the user reads the reasons (plugin.InitError's message), not the gRPC message: the one
 *   reason is the whole message.
 * `properties` must be in the engine's wire form (secrets wrapped, no undefined).
 */
export class PartialFailure extends Error {
  override name = 'PartialFailure';
  readonly reasons: string[];
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
    /** What stopped the operation (a Twilio answer), for the provider to word. */
    readonly failure?: unknown,
  ) {
    super(message);
    this.reasons = [message];
  }
}

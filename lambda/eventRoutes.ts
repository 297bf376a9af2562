/**
 * The routes Twilio calls about a call rather than during it, answered 204 (Twilio reads
 * nothing of the answer):
 *
 * - status: the SIP domain's voice status callback and the numbers' status callback. One log
 *   line per finished call, and the metrics of calls by flow and refusals by reason.
 * - recording: `<Record recordingStatusCallback>`. One voicemail job per completed recording,
 *   queued for the voicemail worker (lambda/voicemail/), which emails it.
 */
import { ENDED_CALL } from './callFlow';
import { flowLabel, requestFields } from './callRoutes';
import { readRecording } from './callbackUrls';
import type { Decision, RefusalReason } from './dialPlan';
import type { RouteRequest, RouterDeps } from './handler';
import { ROUTER_METRICS, type CALL_FLOWS } from './metrics';
import { count, publishMetrics } from './metricsSink';
import { clip, single } from './params';
import { hostOf, userPartOf } from './sipUri';
import { voicemailJobFromRecordingCallback, voicemailJobMessage, type VoicemailJob } from './voicemail/job';
import { redactEmailAddresses } from './voicemail/redact';

export async function eventRoute(deps: RouterDeps, req: RouteRequest): Promise<{ flow: string }> {
  try {
    return req.route === 'status' ? callFinished(deps, req) : await recordingReady(deps, req);
  } catch (err) {
    // A bug of ours: Twilio has nothing to retry, so say it in the logs and carry on.
    deps.logger.error(`${req.route} callback failed`, { ...requestFields(req), error: (err as Error).message });
    if (req.route === 'recording') count(deps, ROUTER_METRICS.voicemailEnqueueFailures);
    return { flow: 'error' };
  }
}

/**
 * Refusals of who placed a phone's call. From a status callback without SipUsername they would
 * rest on From, which the phone writes (a desk phone may put its extension or its number there):
 * such a call is `unattributed`, never counted as a refusal (a false intrusion on the dashboard).
 */
const WHO_CALLS: ReadonlySet<RefusalReason> = new Set(['no-sip-username', 'unknown-caller', 'foreign-domain']);

/** How a finished call is counted: a routing flow, or `unattributed`. */
type FinishedFlow = (typeof CALL_FLOWS)[number];

/**
 * How a finished call was routed, worked out again from the callback's own parameters: the
 * same pure decision over the same directory that the voice URL took, so no state has to be
 * kept between the call and its end. A call of the SIP domain is the one whose addresses are
 * SIP URIs. A status callback carries the parameters of the call's voice request, SipUsername
 * included (Twilio's <Sip> page says so of its status callbacks); should one come without it,
 * the caller is the user part of From and the domain the host of To, which only names the flow
 * of this line and its metric (nothing is dialed here), and the line says so (`callerFrom`). A
 * From that names no user then makes the call `unattributed`, not refused.
 */
function decisionOf(deps: RouterDeps, params: RouteRequest['params']): { decision: Decision; flow: FinishedFlow; caller?: string; callerFrom?: 'SipUsername' | 'From' } {
  const from = single(params.From);
  const to = single(params.To);
  const sipUsername = single(params.SipUsername);
  if (sipUsername === undefined && single(params.SipDomain) === undefined && !/^sips?:/i.test(from ?? '') && !/^sips?:/i.test(to ?? '')) {
    const decision = deps.plan.inbound(to);
    return { decision, flow: decision.flow };
  }
  const caller = sipUsername ?? userPartOf(from);
  const decision = deps.plan.outbound({ sipUsername: caller, sipDomain: single(params.SipDomain) ?? hostOf(to), to });
  const unattributed = sipUsername === undefined && decision.flow === 'refused' && WHO_CALLS.has(decision.reason);
  return { decision, flow: unattributed ? 'unattributed' : decision.flow, ...(caller === undefined ? {} : { caller, callerFrom: sipUsername === undefined ? 'From' : 'SipUsername' }) };
}

function callFinished(deps: RouterDeps, req: RouteRequest): { flow: string } {
  const { params } = req;
  const status = single(params.CallStatus);
  // Only the end of a call is counted (a callback may be asked for ringing and answered too),
  // and only a call, not one of its legs (a leg's status callback carries its ParentCallSid).
  if (status === undefined || !ENDED_CALL.has(status)) return { flow: `status:${status ?? 'unknown'}` };
  if (single(params.ParentCallSid) !== undefined) return { flow: 'status:leg' };
  const { decision, flow: counted, caller, callerFrom } = decisionOf(deps, params);
  const flow = counted === 'unattributed' ? counted : flowLabel(decision);
  const duration = /^\d{1,6}$/.test(single(params.CallDuration) ?? '') ? Number(params.CallDuration) : undefined;
  publishMetrics(
    deps,
    [{ name: ROUTER_METRICS.calls, value: 1 }, ...(duration === undefined ? [] : [{ name: ROUTER_METRICS.callDuration, value: duration, unit: 'Seconds' as const }])],
    counted,
  );
  if (counted === 'refused' && decision.flow === 'refused') count(deps, ROUTER_METRICS.refusals, decision.reason);
  deps.logger.info('call finished', {
    ...requestFields(req),
    flow,
    status,
    ...(duration === undefined ? {} : { durationSeconds: duration }),
    sipResponseCode: clip(params.SipResponseCode),
    direction: clip(params.Direction),
    from: clip(params.From),
    to: clip(params.To),
    ...(caller === undefined ? {} : { caller: clip(caller), callerFrom }),
    sequenceNumber: clip(params.SequenceNumber),
  });
  return { flow: `status:${flow}` };
}

/** Twilio's parameters as the job reads them (a repeated one is dropped, as malformed). */
function recordingParams(params: RouteRequest['params']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of ['AccountSid', 'CallSid', 'RecordingSid', 'RecordingStatus', 'RecordingStartTime', 'RecordingDuration']) out[name] = single(params[name]);
  return out;
}

/**
 * One job per completed recording; the email address comes from the directory, by the mailbox
 * the router wrote into the callback URL, never from the request. When the job cannot be
 * queued the callback is still answered 204: the recording stays in Twilio whatever is
 * answered (Twilio does not send a recording status callback again for an error status; the
 * Debugger shows it as a warning), so the line names its RecordingSid, and the
 * VoicemailEnqueueFailures metric says someone should fetch it.
 */
async function recordingReady(deps: RouterDeps, req: RouteRequest): Promise<{ flow: string }> {
  const { params } = req;
  const ctx = readRecording(req.rawQuery);
  const fields = { ...requestFields(req), recordingSid: clip(params.RecordingSid), mailbox: ctx?.mailbox };
  const status = single(params.RecordingStatus);
  if (status !== 'completed') {
    // `absent` (nothing said) or `failed`: there is no audio to email.
    deps.logger.warn('voicemail has no recording', { ...fields, recordingStatus: clip(status) });
    return { flow: `recording:${clip(status) ?? 'unknown'}` };
  }
  count(deps, ROUTER_METRICS.voicemails);
  const failed = (flow: string, message: string, extra: Record<string, unknown> = {}) => {
    count(deps, ROUTER_METRICS.voicemailEnqueueFailures);
    deps.logger.error(`${message}: the recording stays in Twilio`, { ...fields, ...extra });
    return { flow: `recording:${flow}` };
  };
  if (!ctx) return failed('no-mailbox', 'voicemail names no mailbox');
  const target = deps.plan.ringTarget(ctx.mailbox);
  if (!target) return failed('unknown-mailbox', 'voicemail for a mailbox that is not in the directory');
  const email = deps.plan.noAnswerOf(ctx.mailbox)?.voicemail?.email;
  if (email === undefined) {
    deps.logger.info('voicemail kept in Twilio: its mailbox has no email address', fields);
    return { flow: 'recording:kept' };
  }
  let job: VoicemailJob;
  try {
    // A completed recording always makes a job (or a VoicemailJobError for a malformed field).
    job = voicemailJobFromRecordingCallback(recordingParams(params), { mailbox: ctx.mailbox, email, caller: ctx.from, receivedAt: (deps.now ?? (() => new Date()))() }) as VoicemailJob;
  } catch (err) {
    // The message shows the bad value; an address (the directory's, checked here rather than at
    // cold start: lambda/directory.ts) is personal data, so it is named, not written.
    return failed('malformed', 'voicemail callback is malformed', { error: redactEmailAddresses((err as Error).message, { recipient: email }) });
  }
  if (!deps.voicemailQueue) return failed('no-queue', 'voicemail not queued, no queue is configured (VOICEMAIL_QUEUE_URL)');
  try {
    const id = await deps.voicemailQueue.send(job, voicemailJobMessage(job));
    deps.logger.info('voicemail queued', { ...fields, from: ctx.from, durationSeconds: job.durationSeconds, queue: deps.voicemailQueue.kind, messageId: id });
    return { flow: 'recording:queued' };
  } catch (err) {
    return failed('enqueue-failed', 'voicemail not queued', { queue: deps.voicemailQueue.kind, error: (err as Error).message });
  }
}

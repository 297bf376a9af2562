/**
 * The routes that answer a live call with TwiML: a call placed (outbound, inbound), a dial that
 * ended (after-dial), a transfer (refer), a voicemail recorded (voicemail-done). Each logs one
 * line; the ones that learn how a dial or a transfer went count it (lambda/metrics.ts).
 */
import { afterDial, answerCall, FAILED_DIAL, transferCall, type CallOrigin } from './callFlow';
import { callerLabel, e164Of, readAfterDial, readRefer } from './callbackUrls';
import type { Decision } from './dialPlan';
import type { LogFields, RouteRequest, RouterDeps } from './handler';
import { clip, single } from './params';
import { NO_ANSWER_ACTIONS, ROUTER_METRICS } from './metrics';
import { count } from './metricsSink';
import { userPartOf } from './sipUri';
import { renderAnswer } from './twiml';

export interface TwimlAnswer {
  twiml: string;
  /** What happened, for the `x-sipline-flow` header (tests, `npm run call`). */
  flow: string;
}

/** `pstn`, `group`, `refused:<reason>`...: how a decision is logged. */
export function flowLabel(decision: Decision): string {
  return decision.flow === 'refused' ? `refused:${decision.reason}` : decision.flow;
}

/** What every log line about a request starts with: its route, its call, and Lambda's request id. */
export function requestFields(req: RouteRequest): LogFields {
  return { route: req.route, callSid: clip(req.params.CallSid), requestId: req.requestId };
}

export function callRoute(deps: RouterDeps, req: RouteRequest): TwimlAnswer {
  switch (req.route) {
    case 'outbound':
    case 'inbound':
      return routeCall(deps, req);
    case 'afterDial':
      return afterDialRoute(deps, req);
    case 'refer':
      return referRoute(deps, req);
    case 'voicemailDone':
      return voicemailDone(deps, req);
    default:
      throw new Error(`${req.route} is not a route that answers with TwiML`);
  }
}

/**
 * The caller is SipUsername, whatever From says; a From naming someone else is routed as
 * SipUsername all the same (desk phones may put a display number there), but an admin
 * should see it: it is also what a stolen credential dressed as another user looks like.
 */
function warnOfAnotherFrom(deps: RouterDeps, sipUsername: string | undefined, from: string | undefined, callSid: string | string[] | undefined): void {
  if (sipUsername === undefined || from === undefined) return;
  const fromUser = userPartOf(from);
  if (fromUser === sipUsername) return;
  deps.logger.warn('From names another user than SipUsername; routed as SipUsername', { route: 'outbound', callSid: clip(callSid), sipUsername: clip(sipUsername), fromUser: clip(fromUser ?? from) });
}

/** A call placed by a registered phone (outbound) or to one of the account's numbers (inbound). */
function routeCall(deps: RouterDeps, req: RouteRequest): TwimlAnswer {
  const { plan, logger } = deps;
  const { route, params, rawQuery } = req;
  const override = rawQuery ? (new URLSearchParams(rawQuery).get('defaultCountry') ?? undefined) : undefined;
  const country = plan.countryFor(override);
  if (override && override !== country) {
    logger.warn('ignored an unknown defaultCountry on the webhook URL', { route, defaultCountry: clip(override) });
  }
  let decision: Decision;
  let origin: CallOrigin;
  if (route === 'outbound') {
    const sipUsername = single(params.SipUsername);
    warnOfAnotherFrom(deps, sipUsername, single(params.From), params.CallSid);
    decision = plan.outbound({ sipUsername, sipDomain: single(params.SipDomain), to: single(params.To) }, country);
    // Read only once the decision vouched for sipUsername (a refusal never rings anyone).
    const ownNumber = sipUsername === undefined ? undefined : plan.numberOf(sipUsername);
    origin = { ...(sipUsername === undefined ? {} : { caller: sipUsername }), from: callerLabel(sipUsername), ...(ownNumber ? { forwardCallerId: ownNumber } : {}) };
  } else {
    decision = plan.inbound(single(params.To), country);
    const from = single(params.From);
    const number = e164Of(from);
    origin = { from: callerLabel(from), ...(number ? { forwardCallerId: number } : {}) };
  }
  const twiml = renderAnswer(answerCall(plan, decision, origin));
  const flow = flowLabel(decision);
  logger.info('call routed', {
    ...requestFields(req),
    flow,
    ...(route === 'outbound' ? { caller: clip(params.SipUsername) } : {}),
    from: clip(params.From),
    to: clip(params.To),
    ...('number' in decision ? { dialed: decision.number } : {}),
    ...('username' in decision ? { user: decision.username } : {}),
    ...('group' in decision ? { group: decision.group } : {}),
  });
  return { twiml, flow };
}

const COUNTED_ACTIONS: ReadonlySet<string> = new Set(NO_ANSWER_ACTIONS);

/** `<Dial action>`: the dial ended. */
function afterDialRoute(deps: RouterDeps, req: RouteRequest): TwimlAnswer {
  const { params } = req;
  const ctx = readAfterDial(req.rawQuery);
  const dialCallStatus = single(params.DialCallStatus);
  const { answer, action } = afterDial(deps.plan, ctx, dialCallStatus, single(params.CallStatus));
  const twiml = renderAnswer(answer);
  const connectedNoOne = dialCallStatus !== undefined && FAILED_DIAL.has(dialCallStatus);
  if (action === 'caller-gone') {
    // The caller hung up while it rang: the dial did not fail, the caller gave up waiting.
    if (connectedNoOne) count(deps, ROUTER_METRICS.noAnswerActions, action);
  } else {
    if (connectedNoOne) count(deps, ROUTER_METRICS.failedDials, dialCallStatus);
    if (COUNTED_ACTIONS.has(action)) count(deps, ROUTER_METRICS.noAnswerActions, action);
  }
  deps.logger.info('dial ended', {
    ...requestFields(req),
    action,
    dialCallSid: clip(params.DialCallSid),
    dialCallStatus: clip(dialCallStatus),
    dialCallDuration: clip(params.DialCallDuration),
    // A <Sip> dial's final SIP response (486 busy, 487 not answered, 404 no phone registered...).
    ...(params.DialSipResponseCode === undefined ? {} : { dialSipResponseCode: clip(params.DialSipResponseCode) }),
    ...(ctx.to ? { rang: ctx.to, member: ctx.member } : {}),
    ...(answer.kind === 'dial-number' ? { forwardedTo: answer.number } : {}),
  });
  return { twiml, flow: `after-dial:${action}` };
}

/** `<Dial referUrl>`: the called phone's transfer button. */
function referRoute(deps: RouterDeps, req: RouteRequest): TwimlAnswer {
  const { params } = req;
  const refer = readRefer(req.rawQuery);
  const referTo = single(params.ReferTransferTarget);
  const { decision, answer } = transferCall(deps.plan, refer, referTo);
  const twiml = renderAnswer(answer);
  const outcome = decision.flow === 'sip-user' ? 'user' : decision.flow === 'group' || decision.flow === 'pstn' ? decision.flow : 'refused';
  count(deps, ROUTER_METRICS.transfers, outcome);
  const flow = flowLabel(decision);
  deps.logger.info(decision.flow === 'refused' ? 'transfer refused' : 'call transferred', {
    ...requestFields(req),
    flow,
    by: refer?.by,
    party: refer?.party,
    referTransferTarget: clip(referTo),
    // An attended transfer's Refer-To names the consultation call to replace; Twilio transfers
    // blind, so the target is dialed anew (its phone rings again) and the line says why.
    ...(/[?&;]Replaces=/i.test(referTo ?? '') ? { attended: true } : {}),
    // A refused transfer hands the party back: the phone rung again for them.
    ...(answer.kind === 'transfer-refusal' && answer.back ? { handedBackTo: answer.back.refer.by } : {}),
    ...('number' in decision ? { dialed: decision.number } : {}),
    ...('username' in decision ? { user: decision.username } : {}),
    ...('group' in decision ? { group: decision.group } : {}),
  });
  return { twiml, flow: `transfer:${flow}` };
}

/** `<Record action>`: the voicemail is recorded (its audio comes later, to the recording route). */
function voicemailDone(deps: RouterDeps, req: RouteRequest): TwimlAnswer {
  const { params } = req;
  deps.logger.info('voicemail recorded', {
    ...requestFields(req),
    recordingDuration: clip(params.RecordingDuration),
    endedBy: clip(params.Digits),
  });
  return { twiml: renderAnswer({ kind: 'voicemail-thanks' }), flow: 'voicemail-done' };
}

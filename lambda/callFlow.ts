/**
 * What a call gets next, as an Answer (lambda/twiml.ts): the first answer to a routed call,
 * what follows an unanswered dial (the after-dial route), and where a transfer goes (the refer
 * route). Pure functions of the dial plan and what the call's URLs carry
 * (lambda/callbackUrls.ts): nothing is stored between one request of a call and the next.
 *
 * Every call that rings a user or a group (from the PSTN or from another phone) rings for
 * `ringSeconds` through `<Dial action>`, so its `noAnswer` applies whoever called. A transfer
 * does not: see transferRing.
 */
import type { AfterDialContext, ReferContext } from './callbackUrls';
import { callerLabel } from './callbackUrls';
import { DEFAULT_RING_SECONDS } from './directory';
import type { Decision, DialPlan, RingTarget, TransferDecision } from './dialPlan';
import { FAILED_DIAL_STATUSES } from './metrics';
import type { UnansweredStatus } from './messages';
import { sipUri, type Answer, type Ring } from './twiml';

/** Who is calling, as every later request of the call needs to know it. */
export interface CallOrigin {
  /** The calling phone's user (shown as the caller on the phones rung); absent for a PSTN caller. */
  caller?: string;
  /** Who called, as a voicemail shows them. */
  from: string;
  /**
   * The caller ID an unanswered call is forwarded with, when Twilio allows the original
   * caller's: `<Dial callerId>` on a <Number> may be the From of Twilio's request (a PSTN
   * caller's own number, which the after-dial request still carries) or a number the account
   * owns or verified; for a call from a SIP phone, never its From (spoofing), so the calling
   * user's own Twilio number. Absent: the rung user's (or group's) number, else defaultCallerId.
   */
  forwardCallerId?: string;
}

/** What the after-dial route did, for its log line and the NoAnswerActions metric. */
export type AfterDialAction = 'answered' | 'caller-gone' | 'dial-ended' | 'next-member' | 'forward' | 'voicemail' | 'goodbye';

/** A dial that connected no one (`DialCallStatus`): the caller is still waiting. */
export const FAILED_DIAL: ReadonlySet<string> = new Set(FAILED_DIAL_STATUSES);
/** A call in one of these states (`CallStatus`) is over: whatever is answered now is never played. */
export const ENDED_CALL: ReadonlySet<string> = new Set(['completed', ...FAILED_DIAL_STATUSES]);

/** The first answer to a call the dial plan routed. */
export function answerCall(plan: DialPlan, decision: Decision, origin: CallOrigin): Answer {
  switch (decision.flow) {
    case 'refused':
      return { kind: 'refusal', reason: decision.reason };
    case 'pstn':
    case 'emergency':
      // No referUrl: Twilio asks it when the called party sends a REFER, which a PSTN number
      // never does (a REFER from the calling phone then gets Twilio's alert 13802, and the call
      // goes on); and a call for help is not handed over by a button press.
      return { kind: 'dial-number', number: decision.number, callerId: decision.callerId };
    case 'sip-user':
    case 'inbound':
      return ring(plan, decision.username, 0, origin) ?? goodbye('failed');
    case 'group':
      return ring(plan, decision.group, 0, origin) ?? noAnswer(plan, decision.group, 'no-answer', origin).answer;
  }
}

/** How long `target` rings: a user's noAnswer.ringSeconds, a group's ringSeconds (each member's, when sequential). */
function ringSecondsOf(target: RingTarget): number {
  return (target.kind === 'user' ? target.user.noAnswer?.ringSeconds : target.group.ringSeconds) ?? DEFAULT_RING_SECONDS;
}

/** What every ring of `target` (these `sipUris`' users) from `origin` has: who is shown, how long, and who may transfer it on (`by`). */
function ringOf(plan: DialPlan, target: RingTarget, by: string, sipUris: string[], origin: CallOrigin): Ring {
  return {
    kind: 'ring',
    sipUris: sipUris.map((u) => sipUri(u, plan.domain)),
    ...(origin.caller === undefined ? {} : { callerId: origin.caller }),
    ringSeconds: ringSecondsOf(target),
    refer: { by, party: origin.caller ?? origin.from },
  };
}

/**
 * Rings `name` (a user, or a group from member `fromMember` on), or undefined when a group has
 * no one left to ring. A group never rings the phone that calls it: a member calling the group
 * reaches the others.
 */
export function ring(plan: DialPlan, name: string, fromMember: number, origin: CallOrigin): Answer | undefined {
  const target = plan.ringTarget(name);
  if (!target) return undefined;
  const after = (member: number): AfterDialContext => ({
    to: name,
    member,
    ...(origin.caller === undefined ? {} : { caller: origin.caller }),
    ...(origin.forwardCallerId === undefined ? {} : { forwardCallerId: origin.forwardCallerId }),
    from: origin.from,
  });
  if (target.kind === 'user') return { ...ringOf(plan, target, name, [name], origin), after: after(0) };
  const { group } = target;
  if (group.strategy === 'simultaneous') {
    const members = group.members.filter((m) => m !== origin.caller);
    if (fromMember > 0 || members.length === 0) return undefined;
    // Whoever answers may transfer: the group stands for them (its number is the caller ID of a transfer to the PSTN).
    return { ...ringOf(plan, target, name, members, origin), after: after(group.members.length) };
  }
  for (let i = fromMember; i < group.members.length; i++) {
    const member = group.members[i];
    if (member === origin.caller) continue;
    return { ...ringOf(plan, target, member, [member], origin), after: after(i) };
  }
  return undefined;
}

/**
 * Rings `name` for a transfer, or to hand a party back after a refused one, leaving out the
 * phones already on the call (`onCall`: the transferring user, the party being transferred).
 * Undefined when no one is left to ring.
 *
 * The dial has no action: nothing follows it, so no noAnswer applies. Twilio's Inbound SIP
 * REFER page: with answerOnBridge on the call's first <Dial> (every <Dial> here has it), the
 * transferring phone stays connected until the target answers, and a target that does not
 * answer (or a referUrl that cannot be reached) re-establishes the call with it. A group's
 * members ring at once, or for a sequential group one after the other in the same <Dial>
 * (`sequential="true"`, which Twilio documents as calling "up to ten agents one after the
 * other"; that its timeout is each member's, as the group's ringSeconds is, is assumed). The
 * group is who may transfer the call on (`by`): which member answers is not known.
 */
export function transferRing(plan: DialPlan, name: string, origin: CallOrigin, onCall: ReadonlyArray<string | undefined>): Ring | undefined {
  const target = plan.ringTarget(name);
  if (!target) return undefined;
  if (target.kind === 'user') return onCall.includes(name) ? undefined : ringOf(plan, target, name, [name], origin);
  const members = target.group.members.filter((m) => !onCall.includes(m));
  if (members.length === 0) return undefined;
  return { ...ringOf(plan, target, name, members, origin), ...(target.group.strategy === 'sequential' && members.length > 1 ? { sequential: true } : {}) };
}

function goodbye(status: UnansweredStatus): Answer {
  return { kind: 'goodbye', status };
}

/** Where a call `name` did not answer goes: its forward, its voicemail, or a goodbye. */
export function noAnswer(plan: DialPlan, name: string, status: UnansweredStatus, origin: CallOrigin): { answer: Answer; action: AfterDialAction } {
  const settings = plan.noAnswerOf(name);
  if (settings?.forwardTo !== undefined) {
    // The original caller's number only when it is a real one (not a withheld caller's placeholder).
    const original = origin.forwardCallerId !== undefined && plan.isValidNumber(origin.forwardCallerId) ? origin.forwardCallerId : undefined;
    const callerId = original ?? plan.numberOf(name) ?? plan.defaultCallerId;
    if (plan.forwardRefusal(settings.forwardTo) === undefined && callerId !== undefined) {
      return { answer: { kind: 'dial-number', number: settings.forwardTo, callerId }, action: 'forward' };
    }
  } else if (settings?.voicemail !== undefined) {
    return {
      answer: { kind: 'voicemail', ...(settings.voicemail.greeting === undefined ? {} : { greeting: settings.voicemail.greeting }), recording: { mailbox: name, from: origin.from } },
      action: 'voicemail',
    };
  }
  return { answer: goodbye(status), action: 'goodbye' };
}

/**
 * The after-dial route: Twilio's `<Dial action>` request, once the dial ended. Answered (or a
 * caller who hung up meanwhile): the call is over. A PSTN dial (no `to`): over too. Otherwise
 * the next member of a sequential group, else the `noAnswer` of who was rung.
 */
export function afterDial(plan: DialPlan, ctx: AfterDialContext, dialCallStatus: string | undefined, callStatus: string | undefined): { answer: Answer; action: AfterDialAction } {
  if (callStatus !== undefined && ENDED_CALL.has(callStatus)) return { answer: { kind: 'hangup' }, action: 'caller-gone' };
  if (dialCallStatus === 'completed' || dialCallStatus === 'answered') return { answer: { kind: 'hangup' }, action: 'answered' };
  if (ctx.to === undefined) return { answer: { kind: 'hangup' }, action: 'dial-ended' };
  // Anything Twilio may add later is no answer either: the caller is still waiting.
  const status = (dialCallStatus !== undefined && FAILED_DIAL.has(dialCallStatus) ? dialCallStatus : 'failed') as UnansweredStatus;
  const origin: CallOrigin = {
    ...(ctx.caller === undefined ? {} : { caller: ctx.caller }),
    from: ctx.from,
    ...(ctx.forwardCallerId === undefined ? {} : { forwardCallerId: ctx.forwardCallerId }),
  };
  if (plan.ringTarget(ctx.to)?.kind === 'group') {
    const next = ring(plan, ctx.to, ctx.member + 1, origin);
    if (next) return { answer: next, action: 'next-member' };
  }
  return noAnswer(plan, ctx.to, status, origin);
}

/**
 * The refer route: the called phone's transfer button (SIP REFER) on a call the router dialed.
 * The target goes through the dial plan as a call of the transferring user (`refer.by`); the
 * party being transferred becomes the caller of the new dial (shown on the phones it rings when
 * it is a user). A user or group is rung by transferRing: no one already on the call, and no
 * noAnswer. A PSTN number is dialed with `by`'s caller ID, without an action either.
 *
 * A refused target (a blocked number, no such user) must not cut the party off: the reason is
 * said to them and they are handed back to the transferring phone by ringing it again with the
 * same no-action dial, whose every outcome Twilio documents as keeping them with it (answered:
 * the party is bridged to it anew; not answered or busy, as a phone on a call may be: the call is
 * re-established). That the <Say> before it is heard by the party while the call it was on is
 * kept is what Twilio lets a referUrl answer do (any verb) but does not describe. Only when the
 * transferring user is no longer in the directory is there no one to hand back to: the reason
 * is said, and the call ends.
 */
export function transferCall(plan: DialPlan, refer: ReferContext | undefined, referTo: string | undefined): { decision: TransferDecision; answer: Answer } {
  const party = refer?.party;
  const partyIsUser = party !== undefined && plan.ringTarget(party)?.kind === 'user';
  const origin: CallOrigin = { ...(partyIsUser ? { caller: party } : {}), from: callerLabel(party) };
  let decision = plan.transfer(refer?.by, referTo);
  if (decision.flow === 'pstn') return { decision, answer: { kind: 'dial-number', number: decision.number, callerId: decision.callerId, transfer: true } };
  if (decision.flow !== 'refused') {
    const rung = transferRing(plan, decision.flow === 'group' ? decision.group : decision.username, origin, [refer?.by, party]);
    if (rung) return { decision, answer: rung };
    decision = { flow: 'refused', reason: 'already-on-call' };
  }
  const back = refer && transferRing(plan, refer.by, origin, [party]);
  return { decision, answer: { kind: 'transfer-refusal', reason: decision.reason, ...(back ? { back } : {}) } };
}

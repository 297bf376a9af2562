/**
 * Renders routing decisions as TwiML with twilio-node's VoiceResponse builder, so escaping is
 * never hand-written. Every <Dial> has answerOnBridge, so the caller hears ringing until the
 * callee answers instead of an answered silence.
 *
 * Building a VoiceResponse costs about 12 µs (xmlbuilder sets up a whole document each time),
 * a third of a call's budget. So each document shape is built with VoiceResponse once, with
 * placeholders, and a call fills them in. Only values that need no escaping anywhere in XML
 * (E.164 numbers, directory usernames, the SIP domain: letters, digits and `+._@:-`) are
 * filled in; anything else is rendered by VoiceResponse in full, so escaping stays its job.
 */
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Decision, RefusalReason } from './dialPlan';

/** What the caller hears when a call cannot be completed: short, specific, actionable. */
export const SPOKEN_REASONS: Readonly<Record<RefusalReason, string>> = {
  'malformed-request': 'Sorry, this call could not be processed. Goodbye.',
  'unknown-caller': 'This phone is not registered with this service. Please contact your administrator.',
  'malformed-destination': 'Sorry, the number or name you dialed could not be understood.',
  'unknown-user': 'There is no user by that name. Please check the name and try again.',
  'invalid-number': 'The number you dialed is not a valid phone number. Please check the number and try again.',
  'country-not-allowed': 'Calls to that country are not allowed from this phone.',
  'premium-rate': 'Calls to premium rate and shared cost numbers are not allowed from this phone.',
  'satellite': 'Calls to satellite phones are not allowed from this phone.',
  'no-caller-id': 'This phone has no caller ID for outside calls. Please contact your administrator.',
  'emergency-disabled': 'Emergency calls are not available from this phone. Please use another phone to call emergency services.',
  'emergency-no-callback-number': 'Emergency calls are not available from this phone because it has no call back number. Please use another phone.',
  'not-in-service': 'The number you have called is not in service. Goodbye.',
};

/** A spoken message and a hangup. */
export function sayAndHangUp(message: string): string {
  const response = new VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

type DialNoun = 'number' | 'sip';

/** A <Dial> with one noun, built by VoiceResponse; `callerId` is omitted when undefined. */
function renderDial(noun: DialNoun, target: string, callerId: string | undefined): string {
  const response = new VoiceResponse();
  const dial = response.dial(callerId === undefined ? { answerOnBridge: true } : { answerOnBridge: true, callerId });
  if (noun === 'number') dial.number(target);
  else dial.sip(target);
  return response.toString();
}

// Placeholders no real value can contain (they fail SAFE_VALUE), so a fill can't be confused.
const CALLER_SLOT = 'CALLERIDSLOT';
const TARGET_SLOT = 'TARGETSLOT';
const SAFE_VALUE = /^[A-Za-z0-9+._@:-]{1,128}$/;

/** A document shape rendered once by VoiceResponse, split around its placeholders. */
interface Template {
  parts: string[];
  order: Array<'caller' | 'target'>;
}

function templateOf(noun: DialNoun, withCallerId: boolean): Template {
  const xml = renderDial(noun, TARGET_SLOT, withCallerId ? CALLER_SLOT : undefined);
  const pieces = xml.split(new RegExp(`(${CALLER_SLOT}|${TARGET_SLOT})`));
  return {
    parts: pieces.filter((_, i) => i % 2 === 0),
    order: pieces.filter((_, i) => i % 2 === 1).map((slot) => (slot === CALLER_SLOT ? 'caller' : 'target')),
  };
}

const templates = new Map<string, Template>();

function dial(noun: DialNoun, target: string, callerId: string | undefined): string {
  if (!SAFE_VALUE.test(target) || (callerId !== undefined && !SAFE_VALUE.test(callerId))) return renderDial(noun, target, callerId);
  const key = `${noun}:${callerId !== undefined}`;
  let template = templates.get(key);
  if (!template) templates.set(key, (template = templateOf(noun, callerId !== undefined)));
  let xml = template.parts[0];
  for (let i = 0; i < template.order.length; i++) {
    xml += (template.order[i] === 'caller' ? callerId : target) + template.parts[i + 1];
  }
  return xml;
}

// Refusals are constant: each is rendered once, when first needed (not at cold start, which
// every call that is not refused would pay for).
const refusals = new Map<RefusalReason, string>();

type Dialer = (noun: DialNoun, target: string, callerId: string | undefined) => string;

function renderDialing(decision: Exclude<Decision, { flow: 'refused' }>, domain: string, render: Dialer): string {
  switch (decision.flow) {
    case 'pstn':
    case 'emergency':
      return render('number', decision.number, decision.callerId);
    case 'sip-user':
      return render('sip', sipUri(decision.username, domain), decision.callerId);
    case 'inbound':
      // The PSTN caller's own number stays the caller ID the phone shows.
      return render('sip', sipUri(decision.username, domain), undefined);
  }
}

export function renderTwiml(decision: Decision, domain: string): string {
  if (decision.flow !== 'refused') return renderDialing(decision, domain, dial);
  let twiml = refusals.get(decision.reason);
  if (twiml === undefined) refusals.set(decision.reason, (twiml = sayAndHangUp(SPOKEN_REASONS[decision.reason])));
  return twiml;
}

export function sipUri(username: string, domain: string): string {
  return `sip:${username}@${domain}`;
}

/** The full VoiceResponse rendering, bypassing templates: what the tests compare against. */
export function renderTwimlWithoutTemplates(decision: Exclude<Decision, { flow: 'refused' }>, domain: string): string {
  return renderDialing(decision, domain, renderDial);
}

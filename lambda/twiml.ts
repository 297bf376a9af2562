/**
 * Renders routing decisions as TwiML with twilio-node's VoiceResponse builder, so escaping is
 * never hand-written. Every <Dial> has answerOnBridge, so the caller hears ringing until the
 * callee answers instead of an answered silence.
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

// Refusals are constant: each is rendered once, when first needed (not at cold start, which
// every call that is not refused would pay for).
const refusals = new Map<RefusalReason, string>();

export function renderTwiml(decision: Decision, domain: string): string {
  if (decision.flow === 'refused') {
    let twiml = refusals.get(decision.reason);
    if (twiml === undefined) refusals.set(decision.reason, (twiml = sayAndHangUp(SPOKEN_REASONS[decision.reason])));
    return twiml;
  }
  const response = new VoiceResponse();
  switch (decision.flow) {
    case 'pstn':
    case 'emergency':
      response.dial({ answerOnBridge: true, callerId: decision.callerId }).number(decision.number);
      break;
    case 'sip-user':
      response.dial({ answerOnBridge: true, callerId: decision.callerId }).sip(sipUri(decision.username, domain));
      break;
    case 'inbound':
      // The PSTN caller's own number stays the caller ID the phone shows.
      response.dial({ answerOnBridge: true }).sip(sipUri(decision.username, domain));
      break;
  }
  return response.toString();
}

export function sipUri(username: string, domain: string): string {
  return `sip:${username}@${domain}`;
}

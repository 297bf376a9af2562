/** What callers hear when a call cannot be completed: short, specific, actionable. */
import type { RefusalReason } from './dialPlan';
import type { FAILED_DIAL_STATUSES } from './metrics';

// The caller cannot tell these apart, nor needs to: the log's refused:<reason> does.
const NOT_REGISTERED = 'This phone is not registered with this service. Please contact your administrator.';

export const SPOKEN_REASONS: Readonly<Record<RefusalReason, string>> = {
  'malformed-request': 'Sorry, this call could not be processed. Goodbye.',
  'no-sip-username': NOT_REGISTERED,
  'unknown-caller': NOT_REGISTERED,
  'foreign-domain': NOT_REGISTERED,
  'malformed-destination': 'Sorry, the number or name you dialed could not be understood.',
  'unknown-user': 'There is no user by that name. Please check the name and try again.',
  'invalid-number': 'The number you dialed is not a valid phone number. Please check the number and try again.',
  'country-not-allowed': 'Calls to that country are not allowed from this phone.',
  'number-type-not-allowed': 'Calls to premium rate, shared cost and personal numbers are not allowed from this phone.',
  'satellite': 'Calls to satellite phones are not allowed from this phone.',
  'no-caller-id': 'This phone has no caller ID for outside calls. Please contact your administrator.',
  'emergency-disabled': 'Emergency calls are not available from this phone. Please use another phone to call emergency services.',
  'emergency-no-callback-number': 'Emergency calls are not available from this phone because it has no call back number. Please use another phone.',
  'emergency-unsupported-country': 'Emergency calls are not available from this phone in its country. Please use another phone to call emergency services.',
  'emergency-transfer': 'Emergency calls cannot be transferred. Please hang up and call emergency services yourself.',
  // Only a transfer is refused for it (TRANSFER_REASONS says it); a call never is.
  'already-on-call': 'That phone is already on this call.',
  'not-in-service': 'The number you have called is not in service. Goodbye.',
};

/** When routing itself fails (a bug of ours): said instead of a 5xx. */
export const APOLOGY = 'Sorry, something went wrong while connecting your call. Please try again.';

/**
 * Heard by the party being transferred when the transfer's target is refused, said from their
 * side; then they are handed back to the transferring phone (lambda/callFlow.ts, transferCall).
 */
export const TRANSFER_REFUSED = 'Sorry, this call could not be transferred.';
export const TRANSFER_REASONS: Readonly<Record<RefusalReason, string>> = {
  'malformed-request': 'The transfer could not be processed.',
  'no-sip-username': 'The transfer was not authorized.',
  'unknown-caller': 'The transfer was not authorized.',
  'foreign-domain': 'The transfer was not authorized.',
  'malformed-destination': 'The number or name it was transferred to could not be understood.',
  'unknown-user': 'There is no user by that name.',
  'invalid-number': 'That is not a valid phone number.',
  'country-not-allowed': 'Calls to that country are not allowed.',
  'number-type-not-allowed': 'Calls to premium rate, shared cost and personal numbers are not allowed.',
  'satellite': 'Calls to satellite phones are not allowed.',
  'no-caller-id': 'There is no caller ID for outside calls.',
  'emergency-disabled': SPOKEN_REASONS['emergency-transfer'],
  'emergency-no-callback-number': SPOKEN_REASONS['emergency-transfer'],
  'emergency-unsupported-country': SPOKEN_REASONS['emergency-transfer'],
  'emergency-transfer': SPOKEN_REASONS['emergency-transfer'],
  'already-on-call': SPOKEN_REASONS['already-on-call'],
  'not-in-service': 'That number is not in service.',
};

/** Why the dial ended, for a caller whose call has no noAnswer to go to. */
export type UnansweredStatus = (typeof FAILED_DIAL_STATUSES)[number];
export const UNANSWERED_GOODBYES: Readonly<Record<UnansweredStatus, string>> = {
  busy: 'The person you called is busy. Please try again later. Goodbye.',
  'no-answer': 'The person you called is not answering. Please try again later. Goodbye.',
  failed: 'The person you called cannot be reached right now. Please try again later. Goodbye.',
  canceled: 'The call was canceled. Goodbye.',
};

/** The greeting of a voicemail with none of its own; `name` is a username or a group's name. */
export function defaultGreeting(name: string): string {
  return `You have reached ${name}. Please leave a message after the beep.`;
}
/** Said once the voicemail is recorded (its <Record action>). */
export const VOICEMAIL_THANKS = 'Thank you. Your message has been recorded. Goodbye.';
/** Said when the caller left no message (Twilio records nothing and moves on). */
export const VOICEMAIL_NOTHING_RECORDED = 'No message was recorded. Goodbye.';

/** What a caller hears when the router failed (Twilio then asked the voice fallback URL). */
export const FALLBACK_MESSAGE = 'Sorry, we cannot connect your call right now. Please try again in a few minutes.';

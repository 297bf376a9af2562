/** What callers hear when a call cannot be completed: short, specific, actionable. */
import type { RefusalReason } from './dialPlan';

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
  'not-in-service': 'The number you have called is not in service. Goodbye.',
};

/** When routing itself fails (a bug of ours): said instead of a 5xx. */
export const APOLOGY = 'Sorry, something went wrong while connecting your call. Please try again.';

/**
 * The one source of sipline's CloudWatch metric names: the functions that emit them (as EMF log
 * lines written by Powertools Metrics, no API call: the router and the voice fallback through
 * lambda/metricsSink.ts, the voicemail worker directly) and the stack's dashboard and alarms that
 * read them both import from here, so a widget can never name a metric nobody emits.
 *
 * Dependency-free on purpose: the Pulumi program imports it without loading Powertools.
 *
 * A metric's identity in CloudWatch is namespace + name + the exact set of dimensions, so the
 * dimensions are fixed here too: every sipline metric carries `service` (which function) and
 * `stack` (which Pulumi stack: several stacks may share one account and region), and some of
 * the router's one more, named in ROUTER_METRIC_DIMENSIONS, whose values are a closed set
 * listed here (a routing flow, a refusal reason, a dial status...): never a number, a name or
 * anything a caller chooses, so the number of series stays bounded.
 */

export const METRICS_NAMESPACE = 'sipline';

/** The dimension Powertools Metrics sets from its `serviceName`. */
export const SERVICE_DIMENSION = 'service';
/** The Pulumi stack a function belongs to (its `SIPLINE_STACK` environment variable). */
export const STACK_DIMENSION = 'stack';

/** The `service` dimension's value per function (also its Powertools service name). */
export const METRIC_SERVICES = {
  router: 'sipline-router',
  fallback: 'sipline-fallback',
  voicemail: 'sipline-voicemail',
} as const;

/**
 * The voicemail worker's metrics, all counts of jobs (one job: one recorded voicemail).
 * Every job ends in exactly one of Emailed, AlreadyGone, EmailFailures, FetchFailures, JobsRefused or
 * JobsDeferred;
 * DeleteFailures and Deleted count what happened to the recording of an emailed job.
 */
export const VOICEMAIL_METRICS = {
  /** The voicemail was emailed (its message succeeds). */
  emailed: 'VoicemailsEmailed',
  /** Twilio no longer had the recording (emailed and deleted by an earlier job, or deleted by hand): done, not emailed. */
  alreadyGone: 'VoicemailsAlreadyGone',
  /** SES did not accept the email: the message is retried, then dead-lettered. */
  emailFailures: 'VoicemailEmailFailures',
  /** The recording could not be fetched from Twilio: retried, then dead-lettered. */
  fetchFailures: 'VoicemailFetchFailures',
  /** The job was malformed or forged and was not processed (it is dead-lettered too). */
  jobsRefused: 'VoicemailJobsRefused',
  /** Too little of the invocation was left to send the email in time: not sent, retried (the timeout is too tight, or Twilio slow). */
  deferred: 'VoicemailJobsDeferred',
  /** The recording was deleted from Twilio after its email. */
  deleted: 'VoicemailRecordingsDeleted',
  /** Deleting the recording after its email failed: the audio stays in Twilio (not retried). */
  deleteFailures: 'VoicemailDeleteFailures',
} as const;

export type VoicemailMetricName = (typeof VOICEMAIL_METRICS)[keyof typeof VOICEMAIL_METRICS];

/**
 * The call router's metrics. Counted where the router learns them, and never on the path of
 * a phone that is still ringing: calls and refusals at the status callback, once a call is over
 * (Twilio sends it after the call, so no caller waits on it); a dial's outcome and what followed
 * at the after-dial route; transfers at the refer route; voicemails at the recording callback.
 */
export const ROUTER_METRICS = {
  /** Finished calls (one per status callback of a finished call), by `Flow`. */
  calls: 'Calls',
  /** How long finished calls lasted, in seconds, by `Flow` (CallDuration: from answer to hangup). */
  callDuration: 'CallDuration',
  /** Finished calls the router refused (spoken reason, hangup), by `Reason`. */
  refusals: 'Refusals',
  /** Dials that connected no one while the caller waited, by `DialStatus` (busy, no-answer, failed, canceled). */
  failedDials: 'FailedDials',
  /**
   * What an unanswered call of a user or group did next, by `Action` (next-member, forward,
   * voicemail, goodbye), or `caller-gone`: the caller hung up while it rang (no failed dial).
   */
  noAnswerActions: 'NoAnswerActions',
  /** Transfers from a phone's button (SIP REFER), by `Outcome` (user, group, pstn, refused). */
  transfers: 'Transfers',
  /** Voicemails recorded (completed recordings), whether or not they are emailed. */
  voicemails: 'Voicemails',
  /** Voicemails whose job could not be queued for email: the audio stays in Twilio, alarm on it. */
  voicemailEnqueueFailures: 'VoicemailEnqueueFailures',
} as const;

export type RouterMetricName = (typeof ROUTER_METRICS)[keyof typeof ROUTER_METRICS];

/**
 * The routing flows a finished call is counted under (a Decision's `flow`, lambda/dialPlan.ts), and
 * `unattributed`: a phone's call whose status callback came without SipUsername and whose From
 * names no user (lambda/eventRoutes.ts), so who placed it is not known; never a refusal.
 */
export const CALL_FLOWS = ['pstn', 'sip-user', 'group', 'emergency', 'inbound', 'refused', 'unattributed'] as const;
/** What a dial that connected no one reported (`DialCallStatus`). */
export const FAILED_DIAL_STATUSES = ['busy', 'no-answer', 'failed', 'canceled'] as const;
/** What an unanswered call did next; `caller-gone`: the caller hung up before anyone answered. */
export const NO_ANSWER_ACTIONS = ['next-member', 'forward', 'voicemail', 'goodbye', 'caller-gone'] as const;
/** Where a transfer went. */
export const TRANSFER_OUTCOMES = ['user', 'group', 'pstn', 'refused'] as const;

/**
 * The one extra dimension of each router metric that has one; its values are the closed sets
 * above (`Reason`: the RefusalReason of lambda/dialPlan.ts).
 */
export const ROUTER_METRIC_DIMENSIONS = {
  [ROUTER_METRICS.calls]: 'Flow',
  [ROUTER_METRICS.callDuration]: 'Flow',
  [ROUTER_METRICS.refusals]: 'Reason',
  [ROUTER_METRICS.failedDials]: 'DialStatus',
  [ROUTER_METRICS.noAnswerActions]: 'Action',
  [ROUTER_METRICS.transfers]: 'Outcome',
} as const satisfies Partial<Record<RouterMetricName, string>>;

/**
 * The voice fallback's metric: one per request it answers (always with the apology), by whether
 * the request was Twilio's. Only Twilio's (and those it could not check) mean the router failed a
 * call: a forged POST to the fallback's public URL is counted, never alarmed on.
 */
export const FALLBACK_METRICS = {
  answers: 'FallbackAnswers',
} as const;

export type FallbackMetricName = (typeof FALLBACK_METRICS)[keyof typeof FALLBACK_METRICS];

/** The `Signature` dimension of FallbackAnswers. */
export const FALLBACK_SIGNATURE_DIMENSION = 'Signature';
/**
 * valid: Twilio's, so the router failed a call. unchecked: the auth token could not be read in
 * time to tell (as may happen on a cold start). invalid: no or a wrong X-Twilio-Signature: not
 * Twilio's.
 */
export const FALLBACK_SIGNATURES = ['valid', 'unchecked', 'invalid'] as const;
export type FallbackSignature = (typeof FALLBACK_SIGNATURES)[number];

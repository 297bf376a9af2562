/**
 * The one source of sipline's CloudWatch metric names: the functions that emit them (through
 * Powertools Metrics, as EMF log lines: no API call) and the stack's dashboard and alarms that
 * read them both import from here, so a widget can never name a metric nobody emits.
 *
 * Dependency-free on purpose: the Pulumi program imports it without loading Powertools.
 *
 * A metric's identity in CloudWatch is namespace + name + the exact set of dimensions, so the
 * dimensions are fixed here too: every sipline metric carries `service` (which function) and
 * `stack` (which Pulumi stack: several stacks may share one account and region), nothing else.
 */

export const METRICS_NAMESPACE = 'sipline';

/** The dimension Powertools Metrics sets from its `serviceName`. */
export const SERVICE_DIMENSION = 'service';
/** The Pulumi stack a function belongs to (its `SIPLINE_STACK` environment variable). */
export const STACK_DIMENSION = 'stack';

/** The `service` dimension's value per function (also its Powertools service name). */
export const METRIC_SERVICES = {
  voicemail: 'sipline-voicemail',
} as const;

/**
 * The voicemail worker's metrics, all counts of jobs (one job: one recorded voicemail).
 * Every job ends in exactly one of Emailed, EmailFailures, FetchFailures or JobsRefused;
 * DeleteFailures and Deleted count what happened to the recording of an emailed job.
 */
export const VOICEMAIL_METRICS = {
  /** The voicemail was emailed (its message succeeds). */
  emailed: 'VoicemailsEmailed',
  /** SES did not accept the email: the message is retried, then dead-lettered. */
  emailFailures: 'VoicemailEmailFailures',
  /** The recording could not be fetched from Twilio: retried, then dead-lettered. */
  fetchFailures: 'VoicemailFetchFailures',
  /** The job was malformed or forged and was not processed (it is dead-lettered too). */
  jobsRefused: 'VoicemailJobsRefused',
  /** The recording was deleted from Twilio after its email. */
  deleted: 'VoicemailRecordingsDeleted',
  /** Deleting the recording after its email failed: the audio stays in Twilio (not retried). */
  deleteFailures: 'VoicemailDeleteFailures',
} as const;

export type VoicemailMetricName = (typeof VOICEMAIL_METRICS)[keyof typeof VOICEMAIL_METRICS];

/**
 * The voicemail worker: an SQS-triggered Lambda with partial batch responses
 * (`ReportBatchItemFailures`). For each message (one finished recording):
 *
 *   parse the job → fetch the MP3 from Twilio → email it through SES → delete it from Twilio
 *
 * What fails, and what SQS then does (no voicemail is lost):
 * - a malformed or forged job, a failed fetch, a failed send: the message is reported as a
 *   batch item failure; SQS hands it out again after the visibility timeout, and after
 *   maxReceiveCount attempts moves it to the dead-letter queue, which the stack alarms on.
 *   Nothing was emailed, and the recording is untouched in Twilio.
 * - a failed delete after the email was sent: the message succeeds (failing it would email
 *   the voicemail again); the error is logged and counted, and the audio stays in Twilio.
 *
 * Idempotent per recording: a job whose recording Twilio no longer has (its audio 404s, and
 * Twilio says the recording was deleted or never existed) is done, `already-gone`: not
 * emailed, not retried, logged as a warning and counted. That is a duplicate (Twilio sent the
 * recording callback twice, or a job came back after its email and delete), or a recording
 * deleted by hand before its email, which is then dropped: the warning and the
 * VoicemailsAlreadyGone metric are how an operator sees it (a recordingSid with no `emailed`
 * line before its `already-gone` one was never emailed). Jobs of the same recording in one batch
 * run one after another, so the second finds the first's delete.
 *
 * Delivery is otherwise at least once: a run that dies between SES accepting the email and the
 * delete leaves the message to be received again, and the voicemail is emailed a second time.
 * One run never sends an email twice.
 *
 * Each job logs exactly one JSON line (outcome, recording sid, mailbox; never the API key's
 * secret, the recipient's address or the email's body: email addresses in error messages, which
 * SES's can carry, are redacted) and counts one metric of
 * lambda/metrics.ts's VOICEMAIL_METRICS.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { VOICEMAIL_METRICS, type VoicemailMetricName } from '../metrics';
import type { TwilioApiKey } from './apiKey';
import { composeVoicemailEmail, type EmailSettings } from './email';
import { parseVoicemailJob, type VoicemailJob } from './job';
import { redactEmailAddresses } from './redact';
import type { Credentials, FetchedRecording, RecordingRef } from './twilioRecordings';

/** What the worker needs of a logger; Powertools' Logger is one. */
export interface WorkerLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** What the worker needs of Powertools Metrics. */
export interface WorkerMetrics {
  addMetric(name: VoicemailMetricName, unit: 'Count', value: number): void;
  publishStoredMetrics(): void;
}

/** Twilio's recordings (lambda/voicemail/twilioRecordings.ts). */
export interface RecordingStore {
  fetchMp3(ref: RecordingRef, key: Credentials): Promise<FetchedRecording>;
  delete(ref: RecordingRef, key: Credentials): Promise<'deleted' | 'already-gone'>;
}

/** Sends one raw MIME message; resolves with SES's message id. */
export type SendRawEmail = (message: { from: string; to: string; raw: Buffer }) => Promise<string>;

export interface WorkerDeps {
  apiKey: () => Promise<TwilioApiKey>;
  recordings: RecordingStore;
  sendEmail: SendRawEmail;
  email: EmailSettings;
  logger: WorkerLogger;
  metrics: WorkerMetrics;
}

export type VoicemailWorker = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** How one job ended: the `outcome` of its log line. */
export type Outcome = 'emailed' | 'emailed-not-deleted' | 'already-gone' | 'refused' | 'fetch-failed' | 'email-failed';

type FailedOutcome = Exclude<Outcome, 'emailed' | 'emailed-not-deleted' | 'already-gone'>;

const FAILURE_METRICS: Readonly<Record<FailedOutcome, VoicemailMetricName>> = {
  refused: VOICEMAIL_METRICS.jobsRefused,
  'fetch-failed': VOICEMAIL_METRICS.fetchFailures,
  'email-failed': VOICEMAIL_METRICS.emailFailures,
};

/** Thrown inside a job to end it with an outcome (and so its metric). */
class JobFailure extends Error {
  constructor(
    readonly outcome: FailedOutcome,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function parseJob(body: string): VoicemailJob {
  try {
    return parseVoicemailJob(body);
  } catch (err) {
    throw new JobFailure('refused', err);
  }
}

/** Runs one step of a job, turning any error into a JobFailure with the step's outcome. */
async function step<T>(outcome: FailedOutcome, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new JobFailure(outcome, err);
  }
}

export function createVoicemailWorker(deps: WorkerDeps): VoicemailWorker {
  const { logger, metrics } = deps;

  /** An error as logged: its message, with every email address in it redacted (redact.ts). */
  const logged = (err: unknown, job?: VoicemailJob) =>
    redactEmailAddresses(err instanceof Error ? err.message : String(err), { recipient: job?.email, sender: deps.email.from });

  async function emailAndDelete(job: VoicemailJob, fields: Record<string, unknown>): Promise<void> {
    const key = await step('fetch-failed', deps.apiKey);
    if (job.accountSid !== key.accountSid) {
      throw new JobFailure('refused', `the job's account ${job.accountSid} is not the API key's account`);
    }
    const fetched = await step('fetch-failed', () => deps.recordings.fetchMp3(job, key));
    if (!fetched.found) {
      metrics.addMetric(VOICEMAIL_METRICS.alreadyGone, 'Count', 1);
      logger.warn('voicemail not emailed: Twilio no longer has its recording (emailed and deleted by an earlier job, or deleted by hand); not retried', {
        ...fields,
        outcome: 'already-gone',
        ...(fetched.deletedAt ? { recording: 'deleted', deletedAt: fetched.deletedAt } : { recording: 'unknown' }),
      });
      return;
    }
    const audio = fetched.audio;
    const sesMessageId = await step('email-failed', async () => {
      const email = await composeVoicemailEmail(job, audio, deps.email);
      return deps.sendEmail({ from: deps.email.from, to: job.email, raw: email.raw });
    });
    // From here on the voicemail has been delivered: nothing may fail the message any more.
    metrics.addMetric(VOICEMAIL_METRICS.emailed, 'Count', 1);
    const emailed = { ...fields, sesMessageId, bytes: audio.length };
    if (!deps.email.deleteAfterEmail) {
      logger.info('voicemail emailed', { ...emailed, outcome: 'emailed', recording: 'kept' });
      return;
    }
    try {
      const recording = await deps.recordings.delete(job, key);
      metrics.addMetric(VOICEMAIL_METRICS.deleted, 'Count', 1);
      logger.info('voicemail emailed', { ...emailed, outcome: 'emailed', recording });
    } catch (err) {
      metrics.addMetric(VOICEMAIL_METRICS.deleteFailures, 'Count', 1);
      logger.error('voicemail emailed, but deleting its recording from Twilio failed: the audio stays there', {
        ...emailed,
        outcome: 'emailed-not-deleted',
        recording: 'kept',
        error: logged(err, job),
      });
    }
  }

  /**
   * Resolves true when the message is done with, false when SQS should retry it. `before` is the
   * batch's last job of each recording: a job waits for it (see the header).
   */
  async function processRecord(record: SQSRecord, requestId: string | undefined, before: Map<string, Promise<unknown>>): Promise<boolean> {
    const fields: Record<string, unknown> = {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
      ...(requestId ? { requestId } : {}),
    };
    let job: VoicemailJob | undefined;
    try {
      // Parsed before the first await, so the batch's jobs claim their recordings in order.
      const parsed = parseJob(record.body);
      job = parsed;
      Object.assign(fields, { recordingSid: job.recordingSid, callSid: job.callSid, mailbox: job.mailbox, durationSeconds: job.durationSeconds });
      const mine = (before.get(job.recordingSid) ?? Promise.resolve()).then(() => emailAndDelete(parsed, fields));
      before.set(job.recordingSid, mine.catch(() => undefined));
      await mine;
      return true;
    } catch (err) {
      const failure = err instanceof JobFailure ? err : new JobFailure('email-failed', err);
      metrics.addMetric(FAILURE_METRICS[failure.outcome], 'Count', 1);
      logger.error(`voicemail not emailed (${failure.outcome}); SQS will deliver it again`, { ...fields, outcome: failure.outcome, error: logged(failure, job) });
      return false;
    }
  }

  return async function handler(event, context) {
    const records = event.Records ?? [];
    try {
      // Concurrently: a batch is a handful of independent voicemails (one at a time per recording).
      const byRecording = new Map<string, Promise<unknown>>();
      const done = await Promise.all(records.map((record) => processRecord(record, context?.awsRequestId, byRecording)));
      return { batchItemFailures: records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })) };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

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
 * Delivery is at least once: a run that dies between SES accepting the email and the
 * function returning (a timeout, a crash) leaves the message to be received again, and the
 * voicemail is emailed a second time (the recording is still in Twilio when the delete had not
 * happened yet; when it had, the fetch finds no recording and the message ends in the
 * dead-letter queue, with the email already delivered). One run never sends an email twice.
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
import type { Credentials, RecordingRef } from './twilioRecordings';

/** What the worker needs of a logger; Powertools' Logger is one. */
export interface WorkerLogger {
  info(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

/** What the worker needs of Powertools Metrics. */
export interface WorkerMetrics {
  addMetric(name: VoicemailMetricName, unit: 'Count', value: number): void;
  publishStoredMetrics(): void;
}

/** Twilio's recordings (lambda/voicemail/twilioRecordings.ts). */
export interface RecordingStore {
  fetchMp3(ref: RecordingRef, key: Credentials): Promise<Buffer>;
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
export type Outcome = 'emailed' | 'emailed-not-deleted' | 'refused' | 'fetch-failed' | 'email-failed';

type FailedOutcome = Exclude<Outcome, 'emailed' | 'emailed-not-deleted'>;

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
    const audio = await step('fetch-failed', () => deps.recordings.fetchMp3(job, key));
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

  /** Resolves true when the message is done with (emailed), false when SQS should retry it. */
  async function processRecord(record: SQSRecord, requestId: string | undefined): Promise<boolean> {
    const fields: Record<string, unknown> = {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 0),
      ...(requestId ? { requestId } : {}),
    };
    let job: VoicemailJob | undefined;
    try {
      job = await step('refused', () => parseVoicemailJob(record.body));
      Object.assign(fields, { recordingSid: job.recordingSid, callSid: job.callSid, mailbox: job.mailbox, durationSeconds: job.durationSeconds });
      await emailAndDelete(job, fields);
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
      // Concurrently: a batch is a handful of independent voicemails.
      const done = await Promise.all(records.map((record) => processRecord(record, context?.awsRequestId)));
      return { batchItemFailures: records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })) };
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

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
 * Time: Lambda discards the batch response of an invocation that times out and hands the whole
 * batch out again, voicemails already emailed included. So the worker has a deadline of its own,
 * a margin before Lambda's timeout (lambda/voicemail/deadline.ts), and a time budget per step
 * (lambda/voicemail/queue.ts): the key read and the fetch end while the send and the delete
 * still fit before the deadline; no send starts unless they do (the job is `deferred` instead:
 * a batch item failure, retried, nothing sent); a send is aborted after its budget; the delete
 * ends by the deadline. And whatever a job is still doing before its email at the deadline, the
 * batch response is returned then, that job reported `deferred`.
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
 * Delivery is otherwise at least once: a send aborted after SES accepted it, or a run that dies
 * between SES accepting the email and the delete, leaves the message to be received again, and
 * the voicemail is emailed a second time. One run never sends an email twice.
 *
 * Each job logs exactly one JSON line (outcome, recording sid, mailbox; never the API key's
 * secret, the recipient's address or the email's body: email addresses in error messages, which
 * SES's can carry, are redacted) and counts one metric of lambda/metrics.ts's VOICEMAIL_METRICS.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { VOICEMAIL_METRICS, type VoicemailMetricName } from '../metrics';
import type { TwilioApiKey } from './apiKey';
import { Deadline, OutOfTime, untilAborted } from './deadline';
import { composeVoicemailEmail, type EmailSettings } from './email';
import { parseVoicemailJob, type VoicemailJob } from './job';
import { WORKER_TIMEOUT_SECONDS, type WorkerTimeBudget } from './queue';
import { redactEmailAddresses } from './redact';
import type { CallOptions, Credentials, FetchedRecording, RecordingRef } from './twilioRecordings';

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

/**
 * Twilio's recordings (lambda/voicemail/twilioRecordings.ts): a fetch within the budget's
 * `fetch`, a delete within its `delete`, either sooner when the signal aborts.
 */
export interface RecordingStore {
  fetchMp3(ref: RecordingRef, key: Credentials, options?: CallOptions): Promise<FetchedRecording>;
  delete(ref: RecordingRef, key: Credentials, options?: CallOptions): Promise<'deleted' | 'already-gone'>;
}

/** Sends one raw MIME message; resolves with SES's message id, and settles within the budget's `email` (ses.ts). */
export type SendRawEmail = (message: { from: string; to: string; raw: Buffer }) => Promise<string>;

export interface WorkerDeps {
  apiKey: () => Promise<TwilioApiKey>;
  recordings: RecordingStore;
  sendEmail: SendRawEmail;
  email: EmailSettings;
  logger: WorkerLogger;
  metrics: WorkerMetrics;
  /** How long each step may take (lambda/voicemail/queue.ts WORKER_TIME_BUDGET_MS). */
  budget: WorkerTimeBudget;
}

export type VoicemailWorker = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** How one job ended: the `outcome` of its log line. */
export type Outcome = 'emailed' | 'emailed-not-deleted' | 'already-gone' | 'refused' | 'fetch-failed' | 'email-failed' | 'deferred';

type FailedOutcome = Exclude<Outcome, 'emailed' | 'emailed-not-deleted' | 'already-gone'>;

const FAILURE_METRICS: Readonly<Record<FailedOutcome, VoicemailMetricName>> = {
  refused: VOICEMAIL_METRICS.jobsRefused,
  'fetch-failed': VOICEMAIL_METRICS.fetchFailures,
  'email-failed': VOICEMAIL_METRICS.emailFailures,
  deferred: VOICEMAIL_METRICS.deferred,
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

/** A job that is done with: its log line and its metrics. */
interface JobDone {
  level: 'info' | 'warn' | 'error';
  message: string;
  details: Record<string, unknown> & { outcome: Exclude<Outcome, FailedOutcome> };
  metrics: VoicemailMetricName[];
}

/** How far a job got before its email: the key it read, and the email's SES id, or Twilio's word that the recording is gone. */
type Delivery = { key: TwilioApiKey } & ({ emailed: true; sesMessageId: string; bytes: number } | { emailed: false; deletedAt?: string });

/** What a job is doing, named when the deadline stops it. */
interface Progress {
  step: string;
}

function parseJob(body: string): VoicemailJob {
  try {
    return parseVoicemailJob(body);
  } catch (err) {
    throw new JobFailure('refused', err);
  }
}

/**
 * Runs one step of a job, turning any error into a JobFailure: `deferred` when the deadline
 * stopped it (OutOfTime), the step's outcome otherwise.
 */
async function step<T>(progress: Progress, doing: string, outcome: FailedOutcome, run: () => Promise<T> | T): Promise<T> {
  progress.step = doing;
  try {
    return await run();
  } catch (err) {
    throw new JobFailure(err instanceof OutOfTime ? 'deferred' : outcome, err);
  }
}

const seconds = (ms: number) => `${ms / 1000} s`;

export function createVoicemailWorker(deps: WorkerDeps): VoicemailWorker {
  const { logger, metrics, budget } = deps;
  /** What must still fit before the deadline when a send starts: the send, then the delete. */
  const afterSend = budget.email + budget.delete;
  const tooLateToSend = () => `out of time: less than the ${seconds(afterSend)} that sending the email and deleting the recording may take was left before the invocation's deadline`;

  /** An error as logged: its message, with every email address in it redacted (redact.ts). */
  const logged = (err: unknown, job?: VoicemailJob) =>
    redactEmailAddresses(err instanceof Error ? err.message : String(err), { recipient: job?.email, sender: deps.email.from });

  /** Up to the email: the key, the audio, the send. */
  async function deliver(job: VoicemailJob, deadline: Deadline, progress: Progress): Promise<Delivery> {
    // What comes before the send ends while the send and the delete still fit.
    const sendBy = deadline.signal(afterSend, tooLateToSend);
    const key = await step(progress, 'reading the Twilio API key', 'fetch-failed', () => untilAborted(deps.apiKey(), sendBy));
    if (job.accountSid !== key.accountSid) {
      throw new JobFailure('refused', `the job's account ${job.accountSid} is not the API key's account`);
    }
    const fetched = await step(progress, 'fetching the recording', 'fetch-failed', () => deps.recordings.fetchMp3(job, key, { signal: sendBy }));
    if (!fetched.found) return { key, emailed: false, deletedAt: fetched.deletedAt };
    const email = await step(progress, 'composing the email', 'email-failed', () => composeVoicemailEmail(job, fetched.audio, deps.email));
    // No send starts that could end after the deadline: its job could not be reported done, and
    // SQS would hand the voicemail out again.
    if (deadline.remainingMs() < afterSend) throw new JobFailure('deferred', tooLateToSend());
    const sesMessageId = await step(progress, 'sending the email', 'email-failed', () => deps.sendEmail({ from: deps.email.from, to: job.email, raw: email.raw }));
    return { key, emailed: true, sesMessageId, bytes: fetched.audio.length };
  }

  /** One job, to its end; throws a JobFailure (or the deadline's OutOfTime) when SQS should retry it. */
  async function runJob(job: VoicemailJob, deadline: Deadline, progress: Progress): Promise<JobDone> {
    // At the deadline the job is reported for retry, whatever it is doing before its email.
    const stop = deadline.signal(0, () => `out of time: the invocation's deadline came while ${progress.step}`);
    const delivery = await untilAborted(deliver(job, deadline, progress), stop);
    if (!delivery.emailed) {
      return {
        level: 'warn',
        message: 'voicemail not emailed: Twilio no longer has its recording (emailed and deleted by an earlier job, or deleted by hand); not retried',
        details: { outcome: 'already-gone', ...(delivery.deletedAt ? { recording: 'deleted', deletedAt: delivery.deletedAt } : { recording: 'unknown' }) },
        metrics: [VOICEMAIL_METRICS.alreadyGone],
      };
    }
    // From here on the voicemail has been delivered: nothing may fail the message any more.
    const emailed = { sesMessageId: delivery.sesMessageId, bytes: delivery.bytes };
    if (!deps.email.deleteAfterEmail) {
      return { level: 'info', message: 'voicemail emailed', details: { ...emailed, outcome: 'emailed', recording: 'kept' }, metrics: [VOICEMAIL_METRICS.emailed] };
    }
    try {
      const signal = deadline.signal(0, () => "out of time: the invocation's deadline came before the recording was deleted");
      const recording = await deps.recordings.delete(job, delivery.key, { signal });
      return { level: 'info', message: 'voicemail emailed', details: { ...emailed, outcome: 'emailed', recording }, metrics: [VOICEMAIL_METRICS.emailed, VOICEMAIL_METRICS.deleted] };
    } catch (err) {
      return {
        level: 'error',
        message: 'voicemail emailed, but deleting its recording from Twilio failed: the audio stays there',
        details: { ...emailed, outcome: 'emailed-not-deleted', recording: 'kept', error: logged(err, job) },
        metrics: [VOICEMAIL_METRICS.emailed, VOICEMAIL_METRICS.deleteFailures],
      };
    }
  }

  /**
   * Resolves true when the message is done with, false when SQS should retry it; logs its one
   * line. `before` is the batch's last job of each recording: a job waits for it (see the header).
   */
  async function processRecord(record: SQSRecord, deadline: Deadline, requestId: string | undefined, before: Map<string, Promise<unknown>>): Promise<boolean> {
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
      const previous = before.get(job.recordingSid);
      const progress: Progress = { step: previous ? "waiting for the batch's earlier job of the same recording" : 'starting' };
      const mine = (previous ?? Promise.resolve()).then(() => runJob(parsed, deadline, progress));
      before.set(job.recordingSid, mine.catch(() => undefined));
      const done = await mine;
      for (const name of done.metrics) metrics.addMetric(name, 'Count', 1);
      logger[done.level](done.message, { ...fields, ...done.details });
      return true;
    } catch (err) {
      const failure = err instanceof JobFailure ? err : new JobFailure(err instanceof OutOfTime ? 'deferred' : 'email-failed', err);
      metrics.addMetric(FAILURE_METRICS[failure.outcome], 'Count', 1);
      logger.error(`voicemail not emailed (${failure.outcome}); SQS will deliver it again`, { ...fields, outcome: failure.outcome, error: logged(failure, job) });
      return false;
    }
  }

  return async function handler(event, context) {
    const records = event.Records ?? [];
    const deadline = Deadline.forInvocation(context, budget.margin, WORKER_TIMEOUT_SECONDS * 1000);
    try {
      // Concurrently: a batch is a handful of independent voicemails (one at a time per recording).
      const byRecording = new Map<string, Promise<unknown>>();
      const done = await Promise.all(records.map((record) => processRecord(record, deadline, context?.awsRequestId, byRecording)));
      return { batchItemFailures: records.filter((_, i) => !done[i]).map((record) => ({ itemIdentifier: record.messageId })) };
    } finally {
      deadline.end();
      metrics.publishStoredMetrics();
    }
  };
}

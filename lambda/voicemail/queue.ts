/**
 * How the voicemail queue, its dead-letter queue, the worker and the event source mapping
 * are set up: one place, read by the stack (which declares them) and by the tests (whose SQS
 * harness runs with the same numbers). The rules these follow are AWS's:
 *
 * - Lambda's guide, "Using Lambda with Amazon SQS": set the queue's visibility timeout to at
 *   least six times the function's timeout, and the redrive policy's maxReceiveCount to at
 *   least 5, so a throttled or slow batch is not dead-lettered before it had a fair chance.
 * - SQS's guide, "Using dead-letter queues": a standard queue's message keeps its original
 *   enqueue timestamp when it moves to the dead-letter queue, so the dead-letter queue must
 *   retain messages longer than the source queue, or a dead-lettered voicemail may expire
 *   at once.
 */

/**
 * The most each step of one job may take, in milliseconds, and what the worker keeps free at
 * the end of an invocation. Lambda discards the partial batch response of an invocation that
 * times out and hands the whole batch out again, voicemails already emailed included, so every
 * step is bounded and the worker has a deadline of its own, `margin` before Lambda's timeout
 * (lambda/voicemail/worker.ts): an SES send starts only while `email` + `delete` are still
 * left before it, and the batch response is returned by it whatever a step is doing.
 */
export const WORKER_TIME_BUDGET_MS = {
  /** Between the worker's deadline and Lambda's timeout: to return the batch response and write the metrics. */
  margin: 5_000,
  /**
   * Reading the Twilio API key from Secrets Manager (once per cold start, usually during
   * init): its client's 2 attempts × (1 s to connect + 2 s to answer) and a retry delay; the
   * read is aborted then (lambda/authToken.ts readSecretString), and the next job reads again.
   */
  secretRead: 8_000,
  /** Fetching the MP3: every redirect hop, the download and the lookup after a 404, together. */
  fetch: 20_000,
  /** One SES send: its client's 2 attempts × (2 s to connect + 15 s to answer) and a retry delay, then it is aborted. */
  email: 36_000,
  /** Deleting the recording from Twilio after its email. */
  delete: 10_000,
} as const;

export type WorkerTimeBudget = { readonly [step in keyof typeof WORKER_TIME_BUDGET_MS]: number };

/**
 * The worker's timeout: one job's worst case (the budget above: 79 s, the batch's jobs running
 * side by side) and 11 s to spare for composing the email and the event loop.
 */
export const WORKER_TIMEOUT_SECONDS = 90;
/** Room for a batch of MP3s (a 2-minute voicemail is under 1 MB) and the MIME built from them. */
export const WORKER_MEMORY_MB = 256;

export const VOICEMAIL_QUEUE = {
  /** Six times the worker's timeout: a failed message is retried after 9 minutes. */
  visibilityTimeoutSeconds: 6 * WORKER_TIMEOUT_SECONDS,
  /** Attempts before a message moves to the dead-letter queue (about 45 minutes of retries). */
  maxReceiveCount: 5,
  /** 4 days, SQS's default: far beyond 5 attempts 9 minutes apart. */
  messageRetentionSeconds: 4 * 24 * 60 * 60,
  /** Messages the event source mapping hands the worker at once (processed concurrently). */
  batchSize: 5,
  /** `ReportBatchItemFailures`: only the failed messages of a batch are retried. */
  functionResponseTypes: ['ReportBatchItemFailures'] as const,
} as const;

export const VOICEMAIL_DEAD_LETTER_QUEUE = {
  /** 14 days, SQS's maximum: two weeks to notice the alarm, fix the cause and redrive. */
  messageRetentionSeconds: 14 * 24 * 60 * 60,
} as const;

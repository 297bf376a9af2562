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

/** The worker's timeout: a fetch (10 s at most), an SES send and a delete (10 s at most). */
export const WORKER_TIMEOUT_SECONDS = 60;
/** Room for a batch of MP3s (a 2-minute voicemail is under 1 MB) and the MIME built from them. */
export const WORKER_MEMORY_MB = 256;

export const VOICEMAIL_QUEUE = {
  /** Six times the worker's timeout: a failed message is retried after 6 minutes. */
  visibilityTimeoutSeconds: 6 * WORKER_TIMEOUT_SECONDS,
  /** Attempts before a message moves to the dead-letter queue (about 30 minutes of retries). */
  maxReceiveCount: 5,
  /** 4 days, SQS's default: far beyond 5 attempts 6 minutes apart. */
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

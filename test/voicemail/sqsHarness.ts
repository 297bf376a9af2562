/**
 * A small model of what happens between the router's SendMessage and the worker: an SQS
 * standard queue with a redrive policy to a dead-letter queue, polled by Lambda's SQS event
 * source mapping with `ReportBatchItemFailures`. Time is virtual (no test waits six minutes).
 *
 * The rules it implements, each as AWS documents it:
 *
 * 1. SendMessage makes a message visible at once (no DelaySeconds), received 0 times.
 *    (SQS API Reference, SendMessage: DelaySeconds defaults to the queue's, 0 by default.)
 * 2. ReceiveMessage returns up to MaxNumberOfMessages visible messages; each one returned has
 *    its ApproximateReceiveCount ("the number of times a message has been received across all
 *    queues but not deleted") increased by 1 and stays invisible for the visibility timeout.
 *    (SQS API Reference, ReceiveMessage; SQS Developer Guide, "Amazon SQS visibility timeout".)
 * 3. A message not deleted within its visibility timeout becomes visible again.
 *    (SQS Developer Guide, "Amazon SQS visibility timeout".)
 * 4. With a redrive policy, once a message's receive count exceeds maxReceiveCount, SQS moves
 *    it to the dead-letter queue instead of delivering it again: a consumer sees it
 *    maxReceiveCount times. (SQS Developer Guide, "Using dead-letter queues in Amazon SQS".)
 * 5. The event source mapping invokes the function synchronously with a batch of up to
 *    BatchSize records in the SQS event shape, and deletes the messages the batch succeeded
 *    with. (Lambda Developer Guide, "Using Lambda with Amazon SQS".)
 * 6. With ReportBatchItemFailures, the response decides: an empty or missing batchItemFailures
 *    is complete success (every message deleted); the listed itemIdentifiers are failures (kept,
 *    to reappear after their visibility timeout) and the rest are deleted; an error thrown by
 *    the function, or an itemIdentifier that is empty, null, or no message id of the batch,
 *    fails the whole batch (none deleted). (Lambda Developer Guide, "Handling errors for an SQS
 *    event source in Lambda", success and failure conditions.)
 * 7. The function runs at most its timeout, and its context's getRemainingTimeInMillis() says
 *    how much of it is left. An invocation that times out is an error: whatever it would have
 *    answered is lost, and the whole batch becomes visible again after the visibility timeout,
 *    messages already processed included. ("Handling errors for an SQS event source in Lambda":
 *    when your function encounters an error while processing a batch, all messages in that batch
 *    become visible in the queue again by default, including messages that Lambda processed
 *    successfully.) Here the timeout runs in real time (a test's worker runs its clock faster:
 *    world.ts `timeScale`); the queue's clock stays virtual. Unlike Lambda, which freezes (or
 *    ends) the sandbox at the timeout, a handler that timed out here keeps running in the
 *    background: what it does afterwards (a send, a delete) still reaches the scripted services,
 *    where in AWS it would only resume, if at all, in the next invocation of that sandbox.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { lambdaContext, sqsRecord } from './fixtures';

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  /** The function's timeout, in real milliseconds (rule 7); none: it never times out. */
  functionTimeoutMs?: number;
}

export interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Virtual time (ms) at which the message is visible again. */
  visibleAt: number;
}

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export class SimulatedQueue {
  /** Virtual clock, in milliseconds. */
  now = Date.parse('2025-06-03T14:07:12Z');
  readonly messages: QueuedMessage[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  /** Every batch the function was invoked with, and how it ended. */
  readonly invocations: Array<{ at: number; messageIds: string[]; receiveCounts: number[]; outcome: 'returned' | 'threw' | 'timed-out' }> = [];

  constructor(readonly settings: QueueSettings) {}

  /** Rule 1. */
  send(body: string): string {
    const messageId = randomUUID();
    this.messages.push({ messageId, body, sentAt: this.now, receiveCount: 0, visibleAt: this.now });
    return messageId;
  }

  /** Rules 2 and 4: up to `max` visible messages, each received once more; redrive first. */
  receive(max: number): QueuedMessage[] {
    const received: QueuedMessage[] = [];
    for (const message of [...this.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > this.now) continue;
      if (message.receiveCount >= this.settings.maxReceiveCount) {
        this.messages.splice(this.messages.indexOf(message), 1);
        this.deadLetters.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= this.now;
      message.visibleAt = this.now + this.settings.visibilityTimeoutSeconds * 1000;
      received.push(message);
    }
    return received;
  }

  private delete(messageId: string): void {
    const index = this.messages.findIndex((m) => m.messageId === messageId);
    if (index >= 0) this.messages.splice(index, 1);
  }

  /** Rules 5, 6 and 7: one poll and one invocation. Resolves false when nothing was visible. */
  async pollOnce(handler: BatchHandler): Promise<boolean> {
    const batch = this.receive(this.settings.batchSize);
    if (batch.length === 0) return false;
    const event: SQSEvent = {
      Records: batch.map((m) => sqsRecord(m.body, { messageId: m.messageId, receiveCount: m.receiveCount, sentAt: m.sentAt, firstReceivedAt: m.firstReceivedAt })),
    };
    const invocation = { at: this.now, messageIds: batch.map((m) => m.messageId), receiveCounts: batch.map((m) => m.receiveCount), outcome: 'returned' as 'returned' | 'threw' | 'timed-out' };
    this.invocations.push(invocation);
    const timeoutMs = this.settings.functionTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timed-out'>((resolve) => {
      if (timeoutMs !== undefined) timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    let response: SQSBatchResponse | void | 'timed-out';
    try {
      response = await Promise.race([handler(event, lambdaContext(timeoutMs)), timedOut]);
    } catch {
      invocation.outcome = 'threw';
      return true; // the whole batch failed: every message reappears after its timeout
    } finally {
      clearTimeout(timer);
    }
    if (response === 'timed-out') {
      invocation.outcome = 'timed-out';
      return true; // rule 7: as if it threw
    }
    const failures = response?.batchItemFailures ?? [];
    const ids = new Set(batch.map((m) => m.messageId));
    const valid = failures.every((f) => typeof f?.itemIdentifier === 'string' && ids.has(f.itemIdentifier));
    if (!valid) return true; // a malformed response fails the whole batch
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    for (const m of batch) if (!failed.has(m.messageId)) this.delete(m.messageId);
    return true;
  }

  /**
   * Polls until the queue is empty: when nothing is visible, the clock jumps to the moment the
   * next message's visibility timeout ends (rule 3). Bounded, so a bug cannot loop forever.
   */
  async drain(handler: BatchHandler, maxInvocations = 100): Promise<void> {
    while (this.messages.length > 0) {
      if (this.invocations.length >= maxInvocations) throw new Error(`still ${this.messages.length} messages after ${maxInvocations} invocations`);
      // Nothing received: every message left is invisible (or was just dead-lettered).
      if (!(await this.pollOnce(handler)) && this.messages.length > 0) this.now = Math.min(...this.messages.map((m) => m.visibleAt));
    }
  }
}

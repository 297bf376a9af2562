/**
 * Retry and dead-letter: the real worker (entry point, SDK clients, scripted Twilio and SES)
 * driven by a model of SQS and Lambda's event source mapping (sqsHarness.ts, each rule with
 * its AWS source) configured exactly as the stack configures them (lambda/voicemail/queue.ts).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { VOICEMAIL_METRICS } from '../../lambda/metrics';
import { VOICEMAIL_DEAD_LETTER_QUEUE, VOICEMAIL_QUEUE, WORKER_TIME_BUDGET_MS, WORKER_TIMEOUT_SECONDS } from '../../lambda/voicemail/queue';
import { jobMessage, mp3Bytes, RECORDING_SID } from './fixtures';
import { NO_ANSWER, RECORDING_PATH, scriptedSes, scriptedTwilio, sesError, sesRequest } from './scripted';
import { SimulatedQueue } from './sqsHarness';
import { metricTotals, scaledTimes, startWorld, type World } from './world';

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const rejected = () => sesError(400, 'MessageRejected', 'Email address is not verified.');
const accepted = (count: number) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: `accepted-${count}` }) });

function queue(): SimulatedQueue {
  return new SimulatedQueue(VOICEMAIL_QUEUE);
}

describe('a voicemail whose email keeps failing', () => {
  it(`is tried maxReceiveCount (${VOICEMAIL_QUEUE.maxReceiveCount}) times, a visibility timeout apart, then waits in the dead-letter queue; nothing is emailed or deleted`, async () => {
    world = await startWorld({ ses: scriptedSes(rejected) });
    const sqs = queue();
    const body = jobMessage();
    const messageId = sqs.send(body);

    await sqs.drain((event) => world!.invoke(event));

    expect(sqs.messages).toEqual([]);
    expect(sqs.deadLetters).toEqual([expect.objectContaining({ messageId, body, receiveCount: VOICEMAIL_QUEUE.maxReceiveCount })]);
    expect(sqs.invocations.map((i) => i.receiveCounts)).toEqual([[1], [2], [3], [4], [5]]);
    const gaps = sqs.invocations.slice(1).map((inv, i) => (inv.at - sqs.invocations[i].at) / 1000);
    expect(gaps).toEqual(Array(4).fill(VOICEMAIL_QUEUE.visibilityTimeoutSeconds));
    // Every attempt reached SES, which accepted none; the recording stayed in Twilio.
    expect(world.ses.seen).toHaveLength(VOICEMAIL_QUEUE.maxReceiveCount);
    expect(world.twilio.seen.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(world.logs().map((l) => [l.receiveCount, l.outcome])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 'email-failed']));
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailFailures]: VOICEMAIL_QUEUE.maxReceiveCount });
  });
});

describe('a voicemail whose email fails twice, then goes through', () => {
  it('is emailed exactly once, on the third attempt, then deleted; nothing is dead-lettered', async () => {
    world = await startWorld({ ses: scriptedSes((count) => (count <= 2 ? rejected() : accepted(count))) });
    const sqs = queue();
    sqs.send(jobMessage());

    await sqs.drain((event) => world!.invoke(event));

    expect(sqs.messages).toEqual([]);
    expect(sqs.deadLetters).toEqual([]);
    expect(sqs.invocations.map((i) => i.receiveCounts)).toEqual([[1], [2], [3]]);
    // Three requests reached SES; only the third was accepted: one email was sent.
    expect(world.ses.seen).toHaveLength(3);
    const mail = await simpleParser(sesRequest(world.ses.seen[2]).raw);
    expect(Buffer.compare(mail.attachments[0].content, mp3Bytes())).toBe(0);
    expect(world.twilio.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${RECORDING_PATH}.mp3`,
      `GET ${RECORDING_PATH}.mp3`,
      `GET ${RECORDING_PATH}.mp3`,
      `DELETE ${RECORDING_PATH}.json`,
    ]);
    expect(world.logs().map((l) => [l.receiveCount, l.outcome])).toEqual([
      [1, 'email-failed'],
      [2, 'email-failed'],
      [3, 'emailed'],
    ]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailFailures]: 2, [VOICEMAIL_METRICS.emailed]: 1, [VOICEMAIL_METRICS.deleted]: 1 });
  });
});

describe('a batch with one good and one failing voicemail', () => {
  it('emails the good one once (its message is deleted at once) while the other is retried to the dead-letter queue', async () => {
    const failingRecording = `RE${'9'.repeat(32)}`;
    world = await startWorld({ twilio: scriptedTwilio({ mp3: mp3Bytes(), recordings: { [failingRecording]: mp3Bytes() } }) });
    world.ses.answer = (req, count) => (sesRequest(req).raw.toString().includes(failingRecording) ? rejected() : accepted(count));
    const sqs = queue();
    const good = sqs.send(jobMessage());
    const bad = sqs.send(jobMessage({ recordingSid: failingRecording }));

    await sqs.drain((event) => world!.invoke(event));

    expect(sqs.invocations[0].messageIds).toEqual([good, bad]);
    expect(sqs.invocations.slice(1).map((i) => i.messageIds)).toEqual(Array(4).fill([bad]));
    expect(sqs.deadLetters.map((m) => m.messageId)).toEqual([bad]);
    const outcomes = world.logs().map((l) => `${l.recordingSid} ${l.outcome}`);
    expect(outcomes.filter((o) => o === `${RECORDING_SID} emailed`)).toHaveLength(1);
    expect(outcomes.filter((o) => o === `${failingRecording} email-failed`)).toHaveLength(VOICEMAIL_QUEUE.maxReceiveCount);
  });
});

describe('a voicemail queued twice (Twilio retried its recording callback)', () => {
  it('in one batch: emailed once, deleted once, the duplicate done without an email; nothing is dead-lettered', async () => {
    world = await startWorld();
    const sqs = queue();
    const ids = [sqs.send(jobMessage()), sqs.send(jobMessage())];

    await sqs.drain((event) => world!.invoke(event));

    expect(sqs.invocations.map((i) => i.messageIds)).toEqual([ids]);
    expect(sqs.messages).toEqual([]);
    expect(sqs.deadLetters).toEqual([]);
    expect(world.ses.seen).toHaveLength(1);
    expect(world.twilio.seen.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(world.logs().map((l) => [l.messageId, l.outcome])).toEqual([
      [ids[0], 'emailed'],
      [ids[1], 'already-gone'],
    ]);
  });

  it('received after the first was emailed and its recording deleted: done at its first attempt, no dead letter, no alarm', async () => {
    world = await startWorld();
    const sqs = queue();
    sqs.send(jobMessage());
    await sqs.drain((event) => world!.invoke(event));
    const duplicate = sqs.send(jobMessage());

    await sqs.drain((event) => world!.invoke(event));

    expect(sqs.invocations.map((i) => i.receiveCounts)).toEqual([[1], [1]]);
    expect(sqs.deadLetters).toEqual([]);
    expect(world.ses.seen).toHaveLength(1);
    expect(world.logs().map((l) => l.outcome)).toEqual(['emailed', 'already-gone']);
    expect(world.logs()[1].messageId).toBe(duplicate);
  });
});

describe("a batch in which one voicemail's email stalls (the function's timeout as the stack sets it, the clock 20 times faster)", () => {
  it('returns before the timeout: the other voicemail is emailed once, its message deleted; the stalled one is retried, then emailed', async () => {
    const SCALE = 20;
    const stalled = `RE${'6'.repeat(32)}`;
    world = await startWorld({ twilio: scriptedTwilio({ mp3: mp3Bytes(), recordings: { [stalled]: mp3Bytes() } }), timeScale: SCALE });
    // SES stops answering the stalled voicemail's first send, and accepts everything else.
    let firstTry = true;
    world.ses.answer = (req, count) => {
      if (!sesRequest(req).raw.toString().includes(stalled)) return accepted(count);
      const reply = firstTry ? NO_ANSWER : accepted(count);
      firstTry = false;
      return reply;
    };
    const sqs = new SimulatedQueue({ ...VOICEMAIL_QUEUE, functionTimeoutMs: scaledTimes(SCALE).WORKER_TIMEOUT_SECONDS * 1000 });
    const good = sqs.send(jobMessage());
    const slow = sqs.send(jobMessage({ recordingSid: stalled }));

    await sqs.drain((event, context) => world!.invoke(event, context));

    // Had the first invocation timed out, both messages would have come back: the good voicemail emailed twice.
    expect(sqs.invocations.map((i) => [i.messageIds, i.outcome])).toEqual([
      [[good, slow], 'returned'],
      [[slow], 'returned'],
    ]);
    expect(sqs.deadLetters).toEqual([]);
    const sends = world.ses.seen.map((r) => (sesRequest(r).raw.toString().includes(stalled) ? 'stalled' : 'good'));
    expect(sends.sort()).toEqual(['good', 'stalled', 'stalled']);
    expect(world.logs().map((l) => [l.messageId, l.outcome])).toEqual([
      [good, 'emailed'],
      [slow, 'email-failed'],
      [slow, 'emailed'],
    ]);
  });
});

describe('the SQS model itself (sqsHarness.ts)', () => {
  const twoMessages = (functionTimeoutMs?: number) => {
    const sqs = new SimulatedQueue({ visibilityTimeoutSeconds: 30, maxReceiveCount: 2, batchSize: 10, functionTimeoutMs });
    return { sqs, ids: [sqs.send('a'), sqs.send('b')] };
  };
  const failing = (pick: (event: SQSEvent) => SQSBatchResponse) => async (event: SQSEvent) => pick(event);

  it('deletes every message of a batch that returns no failures', async () => {
    const { sqs } = twoMessages();
    await sqs.pollOnce(async () => ({ batchItemFailures: [] }));
    expect(sqs.messages).toEqual([]);
  });

  it('keeps only the reported failures, invisible until their visibility timeout ends', async () => {
    const { sqs, ids } = twoMessages();
    await sqs.pollOnce(failing(() => ({ batchItemFailures: [{ itemIdentifier: ids[1] }] })));
    expect(sqs.messages.map((m) => m.messageId)).toEqual([ids[1]]);
    expect(sqs.receive(10)).toEqual([]);
    sqs.now += 30_000;
    expect(sqs.receive(10).map((m) => [m.messageId, m.receiveCount])).toEqual([[ids[1], 2]]);
  });

  it.each([
    ['a thrown error', async () => Promise.reject(new Error('boom'))],
    ['an unknown itemIdentifier', failing(() => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] }))],
    ['an empty itemIdentifier', failing(() => ({ batchItemFailures: [{ itemIdentifier: '' }] }))],
  ])('fails the whole batch on %s', async (_, handler) => {
    const { sqs } = twoMessages();
    await sqs.pollOnce(handler as (event: SQSEvent) => Promise<SQSBatchResponse>);
    expect(sqs.messages).toHaveLength(2);
  });

  it('tells the function the time left, and fails the whole batch when it runs past its timeout', async () => {
    const { sqs } = twoMessages(200);
    let remaining = 0;
    await sqs.pollOnce(async (_event, context) => {
      remaining = context.getRemainingTimeInMillis();
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { batchItemFailures: [] };
    });
    expect(remaining).toBeGreaterThan(150);
    expect(remaining).toBeLessThanOrEqual(200);
    expect(sqs.invocations[0].outcome).toBe('timed-out');
    expect(sqs.messages).toHaveLength(2);
  });

  it('dead-letters a message on the receive after its maxReceiveCount-th', async () => {
    const { sqs } = twoMessages();
    const keepAll = failing((event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }));
    await sqs.drain(keepAll);
    expect(sqs.invocations.map((i) => i.receiveCounts)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(sqs.deadLetters.map((m) => m.body)).toEqual(['a', 'b']);
  });
});

describe('the queue settings the stack uses (lambda/voicemail/queue.ts)', () => {
  it("give the worker a timeout that holds one job's worst case: every step's budget and the margin, with time to spare", () => {
    const { margin, secretRead, fetch, email, delete: remove } = WORKER_TIME_BUDGET_MS;
    const worstCase = margin + secretRead + fetch + email + remove;
    expect(WORKER_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual(worstCase + 5_000);
  });

  it("follow AWS's rules: visibility ≥ 6 × the worker's timeout, maxReceiveCount ≥ 5, the dead-letter queue keeps messages longer than the queue, every retry fits the retention", () => {
    expect(VOICEMAIL_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * WORKER_TIMEOUT_SECONDS);
    expect(VOICEMAIL_QUEUE.maxReceiveCount).toBeGreaterThanOrEqual(5);
    expect(VOICEMAIL_DEAD_LETTER_QUEUE.messageRetentionSeconds).toBeGreaterThan(VOICEMAIL_QUEUE.messageRetentionSeconds);
    expect(VOICEMAIL_QUEUE.messageRetentionSeconds).toBeGreaterThan(VOICEMAIL_QUEUE.maxReceiveCount * VOICEMAIL_QUEUE.visibilityTimeoutSeconds);
    expect(VOICEMAIL_QUEUE.functionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});

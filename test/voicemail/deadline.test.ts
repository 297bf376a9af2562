/**
 * The worker's deadline (lambda/voicemail/deadline.ts) and its last guard: whatever a job is
 * still doing before its email at the deadline, the batch response is returned then.
 *
 * The real dependencies all end within their budgets (worker.test.ts shows each against stalled
 * services); the guard is for one that does not, so here the worker runs with in-memory
 * dependencies, one of which breaks its bound.
 */
import { createVoicemailWorker, type WorkerLogger, type WorkerMetrics } from '../../lambda/voicemail/worker';
import { Deadline, OutOfTime, untilAborted } from '../../lambda/voicemail/deadline';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, FROM_ADDRESS, jobMessage, lambdaContext, mp3Bytes, sqsEvent, sqsRecord } from './fixtures';
import { scaledTimes } from './world';

const BUDGET = scaledTimes(20).WORKER_TIME_BUDGET_MS;

describe('Deadline', () => {
  it("is the context's time left less the margin, and aborts a signal the reserve before it, with an OutOfTime", async () => {
    const deadline = Deadline.forInvocation(lambdaContext(1000), 200, 90_000);
    expect(deadline.remainingMs()).toBeGreaterThan(700);
    expect(deadline.remainingMs()).toBeLessThanOrEqual(800);
    const started = Date.now();
    const signal = deadline.signal(500, () => 'why');
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(signal.reason).toBeInstanceOf(OutOfTime);
    expect((signal.reason as Error).message).toBe('why');
    deadline.end();
  });

  it('aborts at once when the reserve is already past; uses the fallback without a context', () => {
    const deadline = Deadline.forInvocation(undefined, 5_000, 90_000);
    expect(deadline.remainingMs()).toBeGreaterThan(84_000);
    expect(deadline.signal(90_000, () => 'late').aborted).toBe(true);
    deadline.end();
  });

  it('end() clears its timers: no signal aborts after the invocation', async () => {
    const deadline = Deadline.forInvocation(lambdaContext(100), 0, 90_000);
    const signal = deadline.signal(0, () => 'late');
    deadline.end();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(signal.aborted).toBe(false);
  });
});

describe('untilAborted', () => {
  it('settles as the work does, or with the reason once the signal aborts', async () => {
    await expect(untilAborted(Promise.resolve(1), new AbortController().signal)).resolves.toBe(1);
    await expect(untilAborted(Promise.reject(new Error('failed')), new AbortController().signal)).rejects.toThrow('failed');
    const controller = new AbortController();
    const never = untilAborted(new Promise(() => undefined), controller.signal);
    controller.abort(new OutOfTime('stopped'));
    await expect(never).rejects.toThrow('stopped');
    await expect(untilAborted(Promise.resolve(1), AbortSignal.abort(new OutOfTime('before')))).rejects.toThrow('before');
  });
});

describe('untilAborted, the signal already aborted', () => {
  it('drops the later failure of the work it never waited for: no unhandled rejection (which would end the invocation, every job with it)', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      let fail!: (err: Error) => void;
      const work = new Promise<never>((_, reject) => (fail = reject));
      await expect(untilAborted(work, AbortSignal.abort(new OutOfTime('before')))).rejects.toThrow('before');
      fail(new Error('the work failed afterwards'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('a dependency that overruns its budget', () => {
  it('an email send that never settles: the response comes at the deadline, that job deferred (retried), the others reported', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logAt =
      (level: string) =>
      (message: string, fields: Record<string, unknown>): void => {
        lines.push({ level, message, ...fields });
      };
    const logger: WorkerLogger = { info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
    const counted: string[] = [];
    const metrics: WorkerMetrics = { addMetric: (name) => void counted.push(name), publishStoredMetrics: () => undefined };
    const stuck = `RE${'4'.repeat(32)}`;
    const worker = createVoicemailWorker({
      apiKey: async () => ({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET }),
      recordings: { fetchMp3: async () => ({ found: true, audio: mp3Bytes() }), delete: async () => 'deleted' },
      // Breaks its contract (ses.ts ends every send within the `email` budget) for one recording.
      sendEmail: ({ raw }) => (raw.toString().includes(stuck) ? new Promise<string>(() => undefined) : Promise.resolve('ses-id')),
      email: { from: FROM_ADDRESS, timeZone: 'UTC', deleteAfterEmail: true },
      logger,
      metrics,
      budget: BUDGET,
    });
    const good = sqsRecord(jobMessage());
    const late = sqsRecord(jobMessage({ recordingSid: stuck }));
    const remainingMs = BUDGET.margin + BUDGET.email + BUDGET.delete + 300;

    const started = Date.now();
    const response = await worker(sqsEvent(good, late), lambdaContext(remainingMs));
    const tookMs = Date.now() - started;

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: late.messageId }] });
    expect(tookMs).toBeGreaterThanOrEqual(remainingMs - BUDGET.margin - 50);
    expect(tookMs).toBeLessThan(remainingMs - BUDGET.margin / 2);
    expect(lines.map((l) => [l.messageId, l.outcome])).toEqual([
      [good.messageId, 'emailed'],
      [late.messageId, 'deferred'],
    ]);
    expect(lines[1].error).toBe("out of time: the invocation's deadline came while sending the email");
    expect(counted.sort()).toEqual(['VoicemailJobsDeferred', 'VoicemailRecordingsDeleted', 'VoicemailsEmailed']);
  });
});

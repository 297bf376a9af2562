/**
 * The voicemail worker through its real entry point, the real AWS SDK (SESv2, Secrets Manager)
 * and fetch, against scripted Twilio, SES and Secrets Manager on loopback; SQS events as
 * Lambda delivers them. Emails are read back with mailparser, a real MIME parser.
 */
import type { SQSEvent } from 'aws-lambda';
import { simpleParser, type ParsedMail } from 'mailparser';
import { METRICS_NAMESPACE, VOICEMAIL_METRICS } from '../../lambda/metrics';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SECRET_ARN, API_KEY_SECRET_STRING, API_KEY_SID, CALL_SID, FROM_ADDRESS, job, jobMessage, lambdaContext, mp3Bytes, OTHER_ACCOUNT_SID, RECORDING_SID, sqsEvent, sqsRecord } from './fixtures';
import { NO_ANSWER, RECORDING_PATH, type Reply, ScriptedHttp, type SeenRequest, scriptedSecretsManager, scriptedSes, scriptedTwilio, secretsManagerError, sesError, sesRequest, stalledBody, twilioError } from './scripted';
import { metricTotals, scaledTimes, startWorld, type World } from './world';

const MP3 = mp3Bytes();
const BASIC_AUTH = `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`;

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

async function emailOf(w: World, index = 0): Promise<ParsedMail> {
  return simpleParser(sesRequest(w.ses.seen[index]).raw);
}

function twilioCalls(w: World): string[] {
  return w.twilio.seen.map((r) => `${r.method} ${r.url}`);
}

describe('a finished recording', () => {
  it('is fetched with the API key, emailed through SES with the MP3 attached byte for byte, then deleted from Twilio', async () => {
    world = await startWorld();
    const record = sqsRecord(jobMessage());

    const response = await world.invoke(sqsEvent(record));

    expect(response).toEqual({ batchItemFailures: [] });
    // Twilio: the media, then the delete, both with the key as Basic auth, at URLs built from sids.
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`, `DELETE ${RECORDING_PATH}.json`]);
    expect(world.twilio.seen.map((r) => r.headers.authorization)).toEqual([BASIC_AUTH, BASIC_AUTH]);
    // The secret was read once, for this secret.
    expect(world.secrets.seen.map((r) => JSON.parse(r.body.toString()))).toEqual([{ SecretId: API_KEY_SECRET_ARN }]);

    // SES: one SigV4-signed SendEmail (signing name "ses") with raw content.
    expect(world.ses.seen).toHaveLength(1);
    const request = world.ses.seen[0];
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/ses\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
    const { body } = sesRequest(request);
    expect(body.FromEmailAddress).toBe(FROM_ADDRESS);
    expect(body.Destination).toEqual({ ToAddresses: ['alice@acme.example'] });

    const mail = await emailOf(world);
    expect(mail.from?.value).toEqual([{ address: FROM_ADDRESS, name: 'sipline voicemail' }]);
    expect((mail.to as { value: unknown[] }).value).toEqual([{ address: 'alice@acme.example', name: '' }]);
    expect(mail.subject).toBe('Voicemail from +14155551234 for alice (0:42)');
    expect(mail.text).toBe(
      [
        'New voicemail for alice.',
        '',
        'From:     +14155551234',
        'Received: Tuesday 3 June 2025, 14:05:09 UTC (2025-06-03T14:05:09Z)',
        'Duration: 0:42 (42 seconds)',
        '',
        'The recording is attached: voicemail-20250603-140509-14155551234.mp3.',
        'The recording is deleted from Twilio once this email is sent: this attachment is the only copy.',
        '',
        `Call ${CALL_SID}, recording ${RECORDING_SID}.`,
        '',
      ].join('\n'),
    );
    expect(mail.headers.get('x-sipline-recording-sid')).toBe(RECORDING_SID);
    expect(mail.attachments).toHaveLength(1);
    const [attachment] = mail.attachments;
    expect(attachment.contentType).toBe('audio/mpeg');
    expect(attachment.contentDisposition).toBe('attachment');
    expect(attachment.filename).toBe('voicemail-20250603-140509-14155551234.mp3');
    expect(Buffer.compare(attachment.content, MP3)).toBe(0);

    // One log line for the job, and its metrics.
    expect(world.logs()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'voicemail emailed',
        service: 'sipline-voicemail',
        outcome: 'emailed',
        recording: 'deleted',
        recordingSid: RECORDING_SID,
        callSid: CALL_SID,
        mailbox: 'alice',
        messageId: record.messageId,
        receiveCount: 1,
        sesMessageId: '0100018f00000001-example-000000',
        bytes: MP3.length,
      }),
    ]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailed]: 1, [VOICEMAIL_METRICS.deleted]: 1 });
  });

  it('stays in Twilio when DELETE_AFTER_EMAIL is false, and the email says so', async () => {
    world = await startWorld({ env: { DELETE_AFTER_EMAIL: 'false' } });
    expect(await world.invoke(sqsEvent(sqsRecord(jobMessage())))).toEqual({ batchItemFailures: [] });
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`]);
    expect((await emailOf(world)).text).toContain('The recording also stays in your Twilio account.');
    expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'emailed', recording: 'kept' })]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailed]: 1 });
  });

  it('shows the time in VOICEMAIL_TIME_ZONE, in the body and the attachment name', async () => {
    world = await startWorld({ env: { VOICEMAIL_TIME_ZONE: 'Europe/London' } });
    await world.invoke(sqsEvent(sqsRecord(jobMessage({ caller: 'bob', durationSeconds: 120 }))));
    const mail = await emailOf(world);
    expect(mail.subject).toBe('Voicemail from bob for alice (2:00)');
    expect(mail.text).toContain('Received: Tuesday 3 June 2025, 15:05:09 BST (2025-06-03T14:05:09Z)');
    expect(mail.attachments[0].filename).toBe('voicemail-20250603-150509-bob.mp3');
  });

  it('follows Twilio redirecting the media to another host, without sending the API key there', async () => {
    const mediaStore = new ScriptedHttp(() => ({ status: 200, headers: { 'content-type': 'audio/mpeg' }, body: MP3 }));
    const store = await mediaStore.start();
    const twilio = scriptedTwilio({ media: () => ({ status: 307, headers: { location: `${store}/AC/${RECORDING_SID}?X-Amz-Signature=abc` } }) });
    try {
      world = await startWorld({ twilio });
      expect(await world.invoke(sqsEvent(sqsRecord(jobMessage())))).toEqual({ batchItemFailures: [] });
      expect(mediaStore.seen).toHaveLength(1);
      expect(mediaStore.seen[0].url).toBe(`/AC/${RECORDING_SID}?X-Amz-Signature=abc`);
      expect(mediaStore.seen[0].headers.authorization).toBeUndefined();
      expect(Buffer.compare((await emailOf(world)).attachments[0].content, MP3)).toBe(0);
    } finally {
      await mediaStore.stop();
    }
  });
});

describe('failures', () => {
  it('SES refusing the email: the message is a batch item failure, the recording is not deleted', async () => {
    world = await startWorld({ ses: scriptedSes(() => sesError(400, 'MessageRejected', 'Email address is not verified.')) });
    const record = sqsRecord(jobMessage(), { receiveCount: 2 });
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`]);
    expect(world.logs()).toEqual([
      expect.objectContaining({ level: 'ERROR', outcome: 'email-failed', recordingSid: RECORDING_SID, mailbox: 'alice', receiveCount: 2, error: 'Email address is not verified.' }),
    ]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailFailures]: 1 });
  });

  it("never logs an email address from an error: SES's sandbox message names the recipient and the sender", async () => {
    // SES's MessageRejected in the sandbox lists every unverified identity of the message.
    const sandbox = 'Email address is not verified. The following identities failed the check in region US-EAST-1: Alice@Acme.Example, voicemail@acme.example, bob@acme.example.';
    world = await startWorld({ ses: scriptedSes(() => sesError(400, 'MessageRejected', sandbox)) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.logs()).toEqual([
      expect.objectContaining({
        outcome: 'email-failed',
        error: 'Email address is not verified. The following identities failed the check in region US-EAST-1: [recipient], [sender], [email address].',
      }),
    ]);
    expect(world.output()).not.toMatch(/@acme\.example/i);
  });

  it("never logs an email address from a refused job's values", async () => {
    world = await startWorld();
    const record = sqsRecord(JSON.stringify(job({ email: 'carol.smith@acme' })));
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'refused', error: 'invalid voicemail job: email: "[email address]" is not a plain ASCII email address' })]);
    expect(world.output()).not.toContain('carol');
  });

  it('SES failing with a 5xx is retried once by the SDK, then fails the message', async () => {
    world = await startWorld({ ses: scriptedSes(() => sesError(500, 'InternalFailure', 'We encountered an internal error.')) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.ses.seen).toHaveLength(2);
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`]);
  });

  it.each([
    ['Twilio fails', () => twilioError(503, 20503, 'Service Unavailable')],
    ['Twilio answers something that is not audio', () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' })],
  ])('a failed fetch (%s): a batch item failure, nothing emailed', async (_, media) => {
    world = await startWorld({ twilio: scriptedTwilio({ media }) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.ses.seen).toHaveLength(0);
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`]);
    expect(world.logs()).toEqual([expect.objectContaining({ level: 'ERROR', outcome: 'fetch-failed', recordingSid: RECORDING_SID })]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.fetchFailures]: 1 });
  });

  it.each([
    ['Twilio still lists the recording', undefined, 'completed'],
    ['looking the recording up fails', () => twilioError(503, 20503, 'Service Unavailable'), 'HTTP 503'],
  ])('the audio 404s but %s: a failed fetch, retried', async (_, lookup, reason) => {
    const twilio = scriptedTwilio({ mp3: MP3, media: () => twilioError(404, 20404, 'The requested resource was not found') });
    if (lookup) {
      const serve = twilio.answer;
      twilio.answer = (req, count) => (req.url.includes('.json') ? lookup() : serve(req, count));
    }
    world = await startWorld({ twilio });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.ses.seen).toHaveLength(0);
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`, `GET ${RECORDING_PATH}.json?IncludeSoftDeleted=true`]);
    const [line] = world.logs();
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'fetch-failed' });
    expect(line.error).toContain(reason);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.fetchFailures]: 1 });
  });

  it('Twilio refusing the key (401) names Twilio error 20003, and never logs the secret', async () => {
    world = await startWorld({ secrets: scriptedSecretsManager(JSON.stringify({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: 'Wrong-secret-of-32-characters-xx' })) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'fetch-failed', error: `Twilio answered HTTP 401 for recording ${RECORDING_SID}'s audio, Twilio error 20003` })]);
    expect(world.output()).not.toContain('Wrong-secret-of-32-characters-xx');
  });

  it('a malformed API key secret fails every job, naming the secret and the field but not the value', async () => {
    world = await startWorld({ secrets: scriptedSecretsManager(JSON.stringify({ accountSid: ACCOUNT_SID, apiKeySid: 'AC0123', apiKeySecret: API_KEY_SECRET })) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.twilio.seen).toHaveLength(0);
    expect(world.logs()).toEqual([
      expect.objectContaining({ outcome: 'fetch-failed', error: `Secret ${API_KEY_SECRET_ARN}: apiKeySid "AC0123" is not an API key sid (SK followed by 32 hex digits)` }),
    ]);
    expect(world.output()).not.toContain(API_KEY_SECRET);
  });

  it('a failed delete after the email: the message succeeds (no second email), the error is logged and counted', async () => {
    world = await startWorld({ twilio: scriptedTwilio({ mp3: MP3, deleteStatus: 500 }) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    expect(world.ses.seen).toHaveLength(1);
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`, `DELETE ${RECORDING_PATH}.json`]);
    expect(world.logs()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'voicemail emailed, but deleting its recording from Twilio failed: the audio stays there',
        outcome: 'emailed-not-deleted',
        recording: 'kept',
        recordingSid: RECORDING_SID,
        error: `Twilio answered HTTP 500 to deleting recording ${RECORDING_SID}, Twilio error 20500`,
      }),
    ]);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailed]: 1, [VOICEMAIL_METRICS.deleteFailures]: 1 });
  });

  it('a recording already gone at delete time (404) counts as deleted', async () => {
    world = await startWorld({ twilio: scriptedTwilio({ mp3: MP3, deleteStatus: 404 }) });
    expect(await world.invoke(sqsEvent(sqsRecord(jobMessage())))).toEqual({ batchItemFailures: [] });
    expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'emailed', recording: 'already-gone' })]);
  });
});

describe('a job whose recording Twilio no longer has', () => {
  it('emailed and deleted by an earlier job (Twilio sent the callback twice): done, not emailed again, not retried, counted apart', async () => {
    world = await startWorld();
    await world.invoke(sqsEvent(sqsRecord(jobMessage())));
    const again = sqsRecord(jobMessage(), { receiveCount: 1 });

    expect(await world.invoke(sqsEvent(again))).toEqual({ batchItemFailures: [] });

    expect(world.ses.seen).toHaveLength(1);
    // The audio 404s; the recording's metadata (kept 40 days after a delete) says it was deleted.
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`, `DELETE ${RECORDING_PATH}.json`, `GET ${RECORDING_PATH}.mp3`, `GET ${RECORDING_PATH}.json?IncludeSoftDeleted=true`]);
    const deletedAt = new Date(Math.floor(world.twilio.deleted.get(RECORDING_SID)!.getTime() / 1000) * 1000).toISOString();
    expect(world.logs()[1]).toEqual(
      expect.objectContaining({ level: 'WARN', outcome: 'already-gone', recording: 'deleted', deletedAt, recordingSid: RECORDING_SID, mailbox: 'alice', messageId: again.messageId }),
    );
    expect(world.logs()[1].message).toMatch(/^voicemail not emailed: Twilio no longer has its recording/);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.emailed]: 1, [VOICEMAIL_METRICS.deleted]: 1, [VOICEMAIL_METRICS.alreadyGone]: 1 });
  });

  it('that Twilio has no record of at all: done the same way, without a deletion time', async () => {
    world = await startWorld({ twilio: scriptedTwilio({}) });
    const record = sqsRecord(jobMessage());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [] });
    expect(world.ses.seen).toHaveLength(0);
    expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`, `GET ${RECORDING_PATH}.json?IncludeSoftDeleted=true`]);
    const [line] = world.logs();
    expect(line).toMatchObject({ level: 'WARN', outcome: 'already-gone', recording: 'unknown' });
    expect(line).not.toHaveProperty('deletedAt');
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.alreadyGone]: 1 });
  });
});

describe('forged and malformed jobs', () => {
  const attacker = new ScriptedHttp(() => ({ status: 200, headers: { 'content-type': 'audio/mpeg' }, body: MP3 }));
  beforeAll(() => attacker.start());
  afterAll(() => attacker.stop());

  it.each([
    ['another account', () => JSON.stringify(job({ accountSid: OTHER_ACCOUNT_SID })), `the job's account ${OTHER_ACCOUNT_SID} is not the API key's account`],
    ['a recording sid with a path in it', () => JSON.stringify(job({ recordingSid: `RE${'0'.repeat(30)}/../../x` })), 'recordingSid: '],
    ['an extra URL field', () => JSON.stringify({ ...job(), recordingUrl: `${attacker.url}/steal.mp3` }), 'recordingUrl: is not a field of a voicemail job'],
    ['a job of a future version', () => JSON.stringify(job({ version: 2 as 1 })), 'version: 2 is not a job version this worker reads (1)'],
    ['a body that is not JSON', () => 'RecordingSid=RE123', 'a voicemail job must be JSON'],
  ])('%s is refused and never fetched', async (_, body, reason) => {
    world = await startWorld();
    const record = sqsRecord(body());
    expect(await world.invoke(sqsEvent(record))).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(world.twilio.seen).toHaveLength(0);
    expect(attacker.seen).toHaveLength(0);
    expect(world.ses.seen).toHaveLength(0);
    const [line] = world.logs();
    expect(line).toMatchObject({ level: 'ERROR', outcome: 'refused' });
    expect(line.error).toContain(reason);
    expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.jobsRefused]: 1 });
  });
});

describe('a batch', () => {
  it('reports exactly its failed messages, processes the others, and writes one log line per job', async () => {
    const otherRecording = `RE${'7'.repeat(32)}`;
    world = await startWorld({ twilio: scriptedTwilio({ mp3: MP3, recordings: { [otherRecording]: MP3 } }) });
    // The second recording's email is rejected; the first one's goes through.
    world.ses.answer = (req, count) => (sesRequest(req).raw.toString().includes(otherRecording) ? sesError(400, 'MessageRejected', 'rejected') : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: `m${count}` }) });
    const good = sqsRecord(jobMessage());
    const rejected = sqsRecord(jobMessage({ recordingSid: otherRecording }));
    const forged = sqsRecord(JSON.stringify({ ...job(), recordingUrl: 'https://evil.example/x' }));

    const response = await world.invoke(sqsEvent(good, rejected, forged));

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([rejected.messageId, forged.messageId].sort());
    const outcomes = Object.fromEntries(world.logs().map((l) => [l.messageId, l.outcome]));
    expect(outcomes).toEqual({ [good.messageId]: 'emailed', [rejected.messageId]: 'email-failed', [forged.messageId]: 'refused' });
    expect(metricTotals(world.emf())).toEqual({
      [VOICEMAIL_METRICS.emailed]: 1,
      [VOICEMAIL_METRICS.deleted]: 1,
      [VOICEMAIL_METRICS.emailFailures]: 1,
      [VOICEMAIL_METRICS.jobsRefused]: 1,
    });
  });
});

describe("time: the invocation's deadline", () => {
  // The worker's clock runs 20 times faster (world.ts timeScale): the same budget, in seconds.
  const SCALE = 20;
  const { WORKER_TIME_BUDGET_MS: BUDGET, WORKER_TIMEOUT_SECONDS: TIMEOUT_SECONDS } = scaledTimes(SCALE);
  /** What must still be left when a send starts: the send, then the delete. */
  const AFTER_SEND = BUDGET.email + BUDGET.delete;

  /** Invokes with `remainingMs` of Lambda's timeout left; how long the response took, and the worker's deadline. */
  async function invokeWith(w: World, event: SQSEvent, remainingMs: number) {
    const started = Date.now();
    const response = await w.invoke(event, lambdaContext(remainingMs));
    return { response, tookMs: Date.now() - started, deadlineMs: remainingMs - BUDGET.margin };
  }

  describe('a context with little time left', () => {
    it('too little for the send and the delete: nothing is sent, the job is deferred (retried), the recording is untouched', async () => {
      world = await startWorld({ timeScale: SCALE });
      const record = sqsRecord(jobMessage());

      const { response, tookMs, deadlineMs } = await invokeWith(world, sqsEvent(record), BUDGET.margin + AFTER_SEND - 200);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(world.ses.seen).toHaveLength(0);
      expect(world.twilio.recordings.has(RECORDING_SID)).toBe(true);
      expect(world.logs()).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          outcome: 'deferred',
          recordingSid: RECORDING_SID,
          error: `out of time: less than the ${AFTER_SEND / 1000} s that sending the email and deleting the recording may take was left before the invocation's deadline`,
        }),
      ]);
      expect(metricTotals(world.emf())).toEqual({ [VOICEMAIL_METRICS.deferred]: 1 });
      expect(tookMs).toBeLessThan(deadlineMs);
    });

    it('enough for the send and the delete: emailed and deleted', async () => {
      world = await startWorld({ timeScale: SCALE });
      const { response } = await invokeWith(world, sqsEvent(sqsRecord(jobMessage())), BUDGET.margin + AFTER_SEND + 500);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'emailed', recording: 'deleted' })]);
    });
  });

  describe('a Twilio that redirects and stalls', () => {
    let mediaStore: ScriptedHttp;
    afterEach(() => mediaStore?.stop());

    /** Twilio redirects the audio to a media store that answers with `reply`. */
    async function redirectingTwilio(reply: (request: SeenRequest) => Reply) {
      mediaStore = new ScriptedHttp(reply);
      const store = await mediaStore.start();
      return scriptedTwilio({ mp3: MP3, media: () => ({ status: 307, headers: { location: `${store}/hop/1` } }) });
    }

    it('hops each well within the fetch budget but over it together: the fetch fails at its budget, nothing is sent', async () => {
      // Three more redirects (the most the worker follows), each answered after 40% of the budget.
      const slow = BUDGET.fetch * 0.4;
      const twilio = await redirectingTwilio((req): Reply => {
        const hop = Number(req.url.split('/').pop());
        return hop < 3 ? { status: 307, headers: { location: `/hop/${hop + 1}` }, delayMs: slow } : { status: 200, headers: { 'content-type': 'audio/mpeg' }, body: MP3, delayMs: slow };
      });
      world = await startWorld({ twilio, timeScale: SCALE });
      const record = sqsRecord(jobMessage());

      const { response, tookMs, deadlineMs } = await invokeWith(world, sqsEvent(record), TIMEOUT_SECONDS * 1000);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(world.ses.seen).toHaveLength(0);
      expect(world.logs()).toEqual([
        expect.objectContaining({ outcome: 'fetch-failed', error: `fetching recording ${RECORDING_SID} failed: no audio within ${BUDGET.fetch / 1000} s (redirects and download together)` }),
      ]);
      expect(tookMs).toBeGreaterThanOrEqual(BUDGET.fetch - 50);
      expect(tookMs).toBeLessThan(deadlineMs);
    });

    it('a media store that never answers, the deadline near: the fetch is cut when the send could no longer fit; deferred, nothing sent', async () => {
      world = await startWorld({ twilio: await redirectingTwilio(() => NO_ANSWER), timeScale: SCALE });
      const record = sqsRecord(jobMessage());
      // The send must start within 500 ms: sooner than the fetch's own budget runs out.
      const { response, tookMs, deadlineMs } = await invokeWith(world, sqsEvent(record), BUDGET.margin + AFTER_SEND + 500);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(mediaStore.seen).toHaveLength(1);
      expect(world.ses.seen).toHaveLength(0);
      expect(world.logs()).toEqual([expect.objectContaining({ outcome: 'deferred', error: expect.stringMatching(/^out of time: less than the/) })]);
      expect(tookMs).toBeLessThan(BUDGET.fetch);
      expect(tookMs).toBeLessThan(deadlineMs);
    });
  });

  describe('a Secrets Manager that stalls', () => {
    it.each([
      ['never answers', NO_ANSWER],
      ['starts its answer and never finishes it', stalledBody({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: API_KEY_SECRET_STRING })],
    ])('%s: the read is aborted at its budget, the job fails (retried), and the next invocation reads the key again', async (_what, reply) => {
      world = await startWorld({ secrets: scriptedSecretsManager(API_KEY_SECRET_STRING, (count) => (count === 1 ? reply : undefined)), timeScale: SCALE });
      const record = sqsRecord(jobMessage());

      const first = await invokeWith(world, sqsEvent(record), TIMEOUT_SECONDS * 1000);

      expect(first.response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(world.logs()).toEqual([
        expect.objectContaining({ outcome: 'fetch-failed', error: `Secrets Manager did not return secret ${API_KEY_SECRET_ARN} within ${BUDGET.secretRead / 1000} s (the read was aborted)` }),
      ]);
      // Ended by the read's own budget, not held until the send could no longer fit.
      expect(first.tookMs).toBeLessThan(BUDGET.secretRead + 500);
      expect(world.twilio.seen).toHaveLength(0);
      expect(world.ses.seen).toHaveLength(0);

      const second = await invokeWith(world, sqsEvent(record), TIMEOUT_SECONDS * 1000);
      expect(second.response).toEqual({ batchItemFailures: [] });
      expect(world.secrets.seen).toHaveLength(2);
      expect(world.logs()[1]).toMatchObject({ outcome: 'emailed', recording: 'deleted' });
    });
  });

  describe('an SES that stalls', () => {
    it('the send is aborted at its budget: the job fails (retried), the recording stays, the response comes before the deadline', async () => {
      world = await startWorld({ ses: scriptedSes(() => NO_ANSWER), timeScale: SCALE });
      const record = sqsRecord(jobMessage());

      const { response, tookMs, deadlineMs } = await invokeWith(world, sqsEvent(record), TIMEOUT_SECONDS * 1000);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
      expect(world.ses.seen).toHaveLength(1);
      expect(twilioCalls(world)).toEqual([`GET ${RECORDING_PATH}.mp3`]);
      expect(world.logs()).toEqual([
        expect.objectContaining({ outcome: 'email-failed', error: `SES did not answer within ${BUDGET.email / 1000} s (the send was aborted; SES may still have accepted it)` }),
      ]);
      expect(tookMs).toBeGreaterThanOrEqual(BUDGET.email - 50);
      expect(tookMs).toBeLessThan(deadlineMs);
    });

    it("in a batch: the other voicemails are emailed and reported done; only the stalled one is retried", async () => {
      const stalled = `RE${'5'.repeat(32)}`;
      world = await startWorld({ twilio: scriptedTwilio({ mp3: MP3, recordings: { [stalled]: MP3 } }), timeScale: SCALE });
      world.ses.answer = (req, count) => (sesRequest(req).raw.toString().includes(stalled) ? NO_ANSWER : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: `m${count}` }) });
      const good = sqsRecord(jobMessage());
      const slow = sqsRecord(jobMessage({ recordingSid: stalled }));

      const { response, tookMs, deadlineMs } = await invokeWith(world, sqsEvent(good, slow), TIMEOUT_SECONDS * 1000);

      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: slow.messageId }] });
      expect(Object.fromEntries(world.logs().map((l) => [l.messageId, l.outcome]))).toEqual({ [good.messageId]: 'emailed', [slow.messageId]: 'email-failed' });
      expect(tookMs).toBeLessThan(deadlineMs);
    });
  });
});

describe('metrics', () => {
  it('are EMF lines as Powertools writes them: namespace sipline, dimensions service and stack', async () => {
    world = await startWorld({ env: { SIPLINE_STACK: 'prod' } });
    await world.invoke(sqsEvent(sqsRecord(jobMessage())));
    const [line, ...rest] = world.emf();
    expect(rest).toEqual([]);
    expect(line).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['service', 'stack']],
            Metrics: expect.arrayContaining([
              { Name: VOICEMAIL_METRICS.emailed, Unit: 'Count' },
              { Name: VOICEMAIL_METRICS.deleted, Unit: 'Count' },
            ]),
          },
        ],
      },
      service: 'sipline-voicemail',
      stack: 'prod',
      [VOICEMAIL_METRICS.emailed]: 1,
      [VOICEMAIL_METRICS.deleted]: 1,
    });
    expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  });
});

describe('the environment', () => {
  it.each([
    [{ VOICEMAIL_FROM: '' }, 'VOICEMAIL_FROM is not set; it must be the SES-verified address voicemails are sent from'],
    [{ VOICEMAIL_FROM: 'Voicemail <vm@acme.example>' }, 'VOICEMAIL_FROM "Voicemail <vm@acme.example>" must be the SES-verified address voicemails are sent from'],
    [{ DELETE_AFTER_EMAIL: 'yes' }, 'DELETE_AFTER_EMAIL "yes" must be true or false'],
    [{ VOICEMAIL_TIME_ZONE: 'Europe/Londres' }, 'VOICEMAIL_TIME_ZONE "Europe/Londres" is not an IANA time zone'],
  ])('a bad setting fails the init, naming it: %j', async (env, message) => {
    await expect(startWorld({ env })).rejects.toThrow(message);
  });

  it('reads the API key again for the next job when the read at init failed', async () => {
    const secrets = scriptedSecretsManager(API_KEY_SECRET_STRING, (count) => (count === 1 ? secretsManagerError(400, 'AccessDeniedException', 'not authorized') : undefined));
    const secondRecording = `RE${'2'.repeat(32)}`;
    world = await startWorld({ secrets, twilio: scriptedTwilio({ mp3: MP3, recordings: { [secondRecording]: MP3 } }) });
    const first = sqsRecord(jobMessage());
    const second = sqsRecord(jobMessage({ recordingSid: secondRecording }));
    // Whether the first job sees the denial depends on when it lands; the second one succeeds.
    const firstResponse = await world.invoke(sqsEvent(first));
    expect(await world.invoke(sqsEvent(second))).toEqual({ batchItemFailures: [] });
    expect([[], [{ itemIdentifier: first.messageId }]]).toContainEqual(firstResponse.batchItemFailures);
    expect(world.secrets.seen).toHaveLength(2);
  });

  it('reads the API key once per cold start, during init, for every job after', async () => {
    const [second, third] = [`RE${'2'.repeat(32)}`, `RE${'3'.repeat(32)}`];
    world = await startWorld({ twilio: scriptedTwilio({ mp3: MP3, recordings: { [second]: MP3, [third]: MP3 } }) });
    await world.invoke(sqsEvent(sqsRecord(jobMessage())));
    await world.invoke(sqsEvent(sqsRecord(jobMessage({ recordingSid: second })), sqsRecord(jobMessage({ recordingSid: third }))));
    expect(world.secrets.seen).toHaveLength(1);
    expect(world.ses.seen).toHaveLength(3);
  });
});

// The dashboard reads lambda/metrics.ts, so a name there that the worker never emits would be a
// widget that stays empty.
it('emits every metric that lambda/metrics.ts names for the worker, and no other', async () => {
  const sid = (digit: string) => `RE${digit.repeat(32)}`;
  const [kept, unfetchable, unsendable, gone] = [sid('4'), sid('5'), sid('6'), sid('7')];
  const twilio = scriptedTwilio({ mp3: MP3, recordings: { [kept]: MP3, [unfetchable]: MP3, [unsendable]: MP3 } });
  const serve = twilio.answer;
  twilio.answer = (req, count) => {
    if (req.method === 'DELETE' && req.url.includes(kept)) return twilioError(500, 20500, 'Internal Server Error');
    if (req.method === 'GET' && req.url.includes(`${unfetchable}.mp3`)) return twilioError(503, 20503, 'Service Unavailable');
    return serve(req, count);
  };
  const ses = scriptedSes();
  ses.answer = (req, count) => (sesRequest(req).raw.toString().includes(unsendable) ? sesError(400, 'MessageRejected', 'Email address is not verified.') : { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ MessageId: `m${count}` }) });
  world = await startWorld({ twilio, ses });

  // One batch with every outcome that needs no deadline, then one with no time left for a send.
  await world.invoke(
    sqsEvent(
      sqsRecord(jobMessage()),
      sqsRecord(jobMessage({ recordingSid: kept })),
      sqsRecord(jobMessage({ recordingSid: unfetchable })),
      sqsRecord(jobMessage({ recordingSid: unsendable })),
      sqsRecord(jobMessage({ recordingSid: gone })),
      sqsRecord(jobMessage({ accountSid: OTHER_ACCOUNT_SID })),
    ),
  );
  await world.invoke(sqsEvent(sqsRecord(jobMessage())), lambdaContext(1000));

  expect(Object.keys(metricTotals(world.emf())).sort()).toEqual(Object.values(VOICEMAIL_METRICS).sort());
});

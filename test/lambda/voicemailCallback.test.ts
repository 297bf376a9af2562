/**
 * The recording callback of a voicemail: one job per completed recording, queued on SQS for the
 * voicemail worker, exactly as the worker reads it (parseVoicemailJob), with the email address
 * of the directory. Through the real entry point, the real SDK's SQS client against a scripted
 * SQS, and Powertools' EMF lines as they are written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROUTER_METRICS } from '../../lambda/metrics';
import { parseVoicemailJob } from '../../lambda/voicemail/job';
import { spoolVoicemailQueue } from '../../lambda/voicemailQueue';
import { recordingCallbackParams, referParams } from '../../scripts/simulatedCall';
import { ScriptedHttp } from '../voicemail/scripted';
import { metricTotals } from '../lambdaOutput';
import { CALL_IDS, DOMAIN, inboundCall, recordingQueue, routerFor, send, urlIn, webhookEvent, withNoAnswerAndGroups } from './fixtures';
import { sentMessages, sqsFails, startRouter, type RouterWorld } from './routerWorld';

const RECORDING_SID = 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e';
const STARTED = new Date('2025-06-03T14:05:09Z');
/** The call: the PSTN calls alice's number; nobody answers; the caller leaves 42 seconds. */
const CALL = inboundCall('+12125550123', '+14155550199');
const completed = (extra: Partial<Parameters<typeof recordingCallbackParams>[1]> = {}) =>
  recordingCallbackParams(CALL, { recordingSid: RECORDING_SID, seconds: 42, startedAt: STARTED, ...extra });
/** The recording callback URL as the router writes it for alice's voicemail (tested in noAnswer.test.ts). */
const ALICES = 'mailbox=alice&from=%2B12125550123';

let world: RouterWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe('a completed voicemail recording', () => {
  it('queues exactly one job, the one the worker reads: sids, mailbox, the directory\'s email, caller, time, duration', async () => {
    world = await startRouter();
    const res = await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: ALICES }));

    expect(res).toMatchObject({ statusCode: 204, body: '', headers: { 'x-sipline-flow': 'recording:queued' } });
    const sent = sentMessages(world.sqs);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ target: 'AmazonSQS.SendMessage', QueueUrl: world.queueUrl });
    expect(parseVoicemailJob(sent[0].MessageBody)).toEqual({
      version: 1,
      accountSid: CALL_IDS.accountSid,
      callSid: CALL_IDS.callSid,
      recordingSid: RECORDING_SID,
      mailbox: 'alice',
      email: 'alice@example.com',
      caller: '+12125550123',
      recordedAt: '2025-06-03T14:05:09Z',
      durationSeconds: 42,
    });
    expect(world.logs()).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'voicemail queued', service: 'sipline-router', recordingSid: RECORDING_SID, mailbox: 'alice', queue: 'sqs', durationSeconds: 42 }),
    ]);
    expect(JSON.stringify(world.logs())).not.toContain('alice@example.com');
    expect(metricTotals(world.emf())).toEqual({ [ROUTER_METRICS.voicemails]: 1 });
  });

  it('takes the email address from the directory, never from the URL', async () => {
    world = await startRouter();
    // Even a signed URL naming another address (the router never writes one) changes nothing.
    await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: `${ALICES}&email=attacker%40evil.example` }));
    expect(parseVoicemailJob(sentMessages(world.sqs)[0].MessageBody).email).toBe('alice@example.com');
  });

  it('is a group\'s: the group\'s address', async () => {
    world = await startRouter();
    await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: 'mailbox=sales&from=bob' }));
    expect(parseVoicemailJob(sentMessages(world.sqs)[0].MessageBody)).toMatchObject({ mailbox: 'sales', email: 'sales@example.com', caller: 'bob' });
  });

  it('stays in Twilio when its mailbox has no email address: logged, counted as a voicemail, nothing queued', async () => {
    world = await startRouter();
    const res = await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: 'mailbox=bob&from=alice' }));
    expect(res.headers).toMatchObject({ 'x-sipline-flow': 'recording:kept' });
    expect(world.sqs.seen).toEqual([]);
    expect(world.logs()).toEqual([expect.objectContaining({ level: 'INFO', message: 'voicemail kept in Twilio: its mailbox has no email address', mailbox: 'bob' })]);
    expect(metricTotals(world.emf())).toEqual({ [ROUTER_METRICS.voicemails]: 1 });
  });

  it('answers 204 when SQS fails, names the recording left in Twilio, and counts the failure', async () => {
    world = await startRouter({ sqs: new ScriptedHttp(sqsFails) });
    const res = await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: ALICES }));
    expect(res).toMatchObject({ statusCode: 204, headers: { 'x-sipline-flow': 'recording:enqueue-failed' } });
    // The SDK tried twice (maxAttempts 2), then gave up.
    expect(world.sqs.seen).toHaveLength(2);
    expect(world.logs()).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'voicemail not queued: the recording stays in Twilio', recordingSid: RECORDING_SID, callSid: CALL_IDS.callSid, mailbox: 'alice', queue: 'sqs' }),
    ]);
    expect(metricTotals(world.emf())).toEqual({ [ROUTER_METRICS.voicemails]: 1, [ROUTER_METRICS.voicemailEnqueueFailures]: 1 });
  });

  it('is counted as a failure when no queue is configured, or its mailbox left the directory', async () => {
    world = await startRouter({ env: { VOICEMAIL_QUEUE_URL: '' } });
    expect((await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: ALICES }))).headers).toMatchObject({ 'x-sipline-flow': 'recording:no-queue' });
    expect((await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: 'mailbox=zoe&from=bob' }))).headers).toMatchObject({ 'x-sipline-flow': 'recording:unknown-mailbox' });
    expect((await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: '' }))).headers).toMatchObject({ 'x-sipline-flow': 'recording:no-mailbox' });
    expect(metricTotals(world.emf())).toEqual({ [ROUTER_METRICS.voicemails]: 3, [ROUTER_METRICS.voicemailEnqueueFailures]: 3 });
    expect(world.logs().map((l) => l.level)).toEqual(['ERROR', 'ERROR', 'ERROR']);
  });

  it('is refused as malformed when a sid is not one, and nothing is queued', async () => {
    world = await startRouter();
    const res = await world.invoke(webhookEvent({ ...completed(), RecordingSid: 'RE-not-a-sid' }, { path: '/voice/recording', query: ALICES }));
    expect(res.headers).toMatchObject({ 'x-sipline-flow': 'recording:malformed' });
    expect(world.sqs.seen).toEqual([]);
    expect(world.logs()[0]).toMatchObject({ level: 'ERROR', message: 'voicemail callback is malformed: the recording stays in Twilio' });
  });
});

describe('a mailbox whose email address slipped into the directory file malformed', () => {
  it('is read at cold start, but no job is queued with it: refused as malformed, counted, the address never logged', async () => {
    const directory = withNoAnswerAndGroups();
    directory.users = directory.users.map((u) => (u.username === 'alice' ? { ...u, noAnswer: { voicemail: { email: 'alice@@example.com' } } } : u));
    world = await startRouter({ directory });
    const res = await world.invoke(webhookEvent(completed(), { path: '/voice/recording', query: ALICES }));
    expect(res.headers).toMatchObject({ 'x-sipline-flow': 'recording:malformed' });
    expect(world.sqs.seen).toEqual([]);
    expect(world.logs()).toEqual([expect.objectContaining({ level: 'ERROR', message: 'voicemail callback is malformed: the recording stays in Twilio', error: expect.stringMatching(/email: "[^"]*\[email address\][^"]*" is not a plain ASCII email address/) })]);
    expect(JSON.stringify(world.logs())).not.toContain('example.com');
    expect(metricTotals(world.emf())).toEqual({ [ROUTER_METRICS.voicemails]: 1, [ROUTER_METRICS.voicemailEnqueueFailures]: 1 });
  });
});

describe('a recording that is not completed', () => {
  it.each(['absent', 'failed'] as const)('(%s) queues nothing: there is no audio', async (status) => {
    world = await startRouter();
    const res = await world.invoke(webhookEvent(completed({ status }), { path: '/voice/recording', query: ALICES }));
    expect(res).toMatchObject({ statusCode: 204, headers: { 'x-sipline-flow': `recording:${status}` } });
    expect(world.sqs.seen).toEqual([]);
    expect(world.logs()).toEqual([expect.objectContaining({ level: 'WARN', message: 'voicemail has no recording', recordingStatus: status })]);
    expect(world.emf()).toEqual([]);
  });
});

describe('the voicemail queue without SQS (npm start)', () => {
  it('writes each job to a file named after its recording, the message exactly as SQS would carry it', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-spool-')), 'voicemail');
    const queue = spoolVoicemailQueue(dir);
    const { handler } = routerFor(withNoAnswerAndGroups(), undefined, { voicemailQueue: queue, now: () => STARTED });
    const res = await send(handler, webhookEvent(completed(), { path: '/voice/recording', query: ALICES }));
    expect(res.headers['x-sipline-flow']).toBe('recording:queued');
    const file = path.join(dir, `${RECORDING_SID}.json`);
    expect(parseVoicemailJob(fs.readFileSync(file, 'utf8'))).toMatchObject({ mailbox: 'alice', recordingSid: RECORDING_SID });
    expect(fs.readdirSync(dir)).toEqual([`${RECORDING_SID}.json`]);
  });
});

describe('the recording callback URL', () => {
  it('is the one the voicemail answer names, and its query cannot be changed (signed)', async () => {
    const queue = recordingQueue();
    const { handler } = routerFor(withNoAnswerAndGroups(), undefined, { voicemailQueue: queue });
    const forged = webhookEvent(completed(), { path: '/voice/recording', query: 'mailbox=sales&from=x', signedUrl: `https://abc123.execute-api.us-east-1.amazonaws.com/voice/recording?${ALICES}` });
    expect((await send(handler, forged)).statusCode).toBe(403);
    expect(queue.sent).toEqual([]);
  });

  it('leaves the email out of every URL the router writes', async () => {
    // alice has voicemail emailed: the URLs of a call to her and of a transfer to her name no address.
    const { handler } = routerFor(withNoAnswerAndGroups());
    const rung = await send(handler, webhookEvent(CALL, { path: '/voice/inbound' }));
    const moved = await send(handler, webhookEvent(referParams(CALL, 'alice', DOMAIN), { path: '/voice/refer', query: 'by=bob&party=%2B12125550123' }));
    const urls = [
      urlIn(rung.body as string, 'Dial', 'action', { path: '/voice/inbound' }),
      urlIn(rung.body as string, 'Dial', 'referUrl', { path: '/voice/inbound' }),
      urlIn(moved.body as string, 'Dial', 'referUrl', { path: '/voice/refer' }),
    ];
    expect(urls.map((u) => u?.path)).toEqual(['/voice/after-dial', '/voice/refer', '/voice/refer']);
    for (const url of urls) expect(url?.query).not.toContain('example.com');
  });
});

/**
 * Seeing what happens: the status callback of every finished call gives one log line (SIDs,
 * flow, duration, status, SIP response code) and CloudWatch metrics in Powertools' EMF; the
 * other routes count dials, transfers and voicemails. Through the real entry point, its
 * stdout parsed as CloudWatch would read it.
 */
import {
  CALL_FLOWS,
  FAILED_DIAL_STATUSES,
  METRICS_NAMESPACE,
  NO_ANSWER_ACTIONS,
  ROUTER_METRIC_DIMENSIONS,
  ROUTER_METRICS,
  TRANSFER_OUTCOMES,
  type RouterMetricName,
} from '../../lambda/metrics';
import { SPOKEN_REASONS } from '../../lambda/messages';
import { dialActionParams, recordingCallbackParams, referParams, statusCallbackParams, withoutSipParams } from '../../scripts/simulatedCall';
import { metricTotals, type EmfLine } from '../lambdaOutput';
import { CALL_IDS, DOMAIN, inboundCall, outboundCall, webhookEvent } from './fixtures';
import { startRouter, type RouterWorld } from './routerWorld';

const AT = new Date('2025-06-03T14:06:00Z');
const finished = (call: Record<string, string>, status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled' = 'completed', seconds = 42, sipResponseCode = '200') =>
  webhookEvent(statusCallbackParams(call, { status, seconds, sipResponseCode, at: AT, sequenceNumber: 2 }), { path: '/voice/status' });

let world: RouterWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Each EMF line's metrics with the dimensions it declares and their values. */
function emfMetrics(lines: EmfLine[]): Array<{ name: string; unit: string; dimensions: Record<string, unknown>; value: unknown }> {
  return lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map(({ Name, Unit }) => ({
        name: Name,
        unit: Unit,
        dimensions: Object.fromEntries(directive.Dimensions[0].map((d) => [d, line[d]])),
        value: line[Name],
      })),
    ),
  );
}

describe('a finished call', () => {
  it('gives one line with its SIDs, flow, status, duration and SIP response code, and Calls and CallDuration by flow', async () => {
    world = await startRouter();
    const res = await world.invoke(finished(inboundCall('+12125550123', '+14155550199')));
    expect(res).toMatchObject({ statusCode: 204, body: '', headers: { 'x-sipline-flow': 'status:inbound' } });
    expect(world.logs()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'call finished',
        service: 'sipline-router',
        route: 'status',
        flow: 'inbound',
        callSid: CALL_IDS.callSid,
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
        status: 'completed',
        durationSeconds: 42,
        sipResponseCode: '200',
        direction: 'inbound',
        from: '+12125550123',
        to: '+14155550199',
        sequenceNumber: '2',
      }),
    ]);
    const [line] = world.emf();
    expect(line._aws.CloudWatchMetrics).toEqual([
      { Namespace: METRICS_NAMESPACE, Dimensions: [['service', 'stack', 'Flow']], Metrics: [{ Name: 'Calls', Unit: 'Count' }, { Name: 'CallDuration', Unit: 'Seconds' }] },
    ]);
    expect(line).toMatchObject({ service: 'sipline-router', stack: 'dev', Flow: 'inbound', Calls: 1, CallDuration: 42 });
  });

  it('of a phone is routed again from the callback\'s own parameters, SipUsername included (Twilio sends the voice request\'s parameters)', async () => {
    world = await startRouter();
    await world.invoke(finished(outboundCall('alice', '4155551234'), 'completed', 95));
    expect(world.logs()[0]).toMatchObject({ flow: 'pstn', caller: 'alice', callerFrom: 'SipUsername', durationSeconds: 95 });
    expect(metricTotals(world.emf())).toEqual({ Calls: 1, CallDuration: 95 });
  });

  it('of a phone, should the callback come without SipUsername, is routed as From\'s user and the line says so', async () => {
    world = await startRouter();
    await world.invoke(finished(withoutSipParams(outboundCall('alice', '4155551234')), 'completed', 5));
    expect(world.logs()[0]).toMatchObject({ flow: 'pstn', caller: 'alice', callerFrom: 'From' });
  });

  it.each([
    ['its extension', 'sip:1001@acme.sip.twilio.com'],
    ['its own number', 'sip:+14155550199@acme.sip.twilio.com'],
    ['no user part', 'sip:acme.sip.twilio.com'],
  ])('of a desk phone writing %s in From, without SipUsername, is unattributed: counted as a call, never as a refusal', async (_what, from) => {
    world = await startRouter();
    const call = withoutSipParams(outboundCall('alice', '4155551234', { From: from, Caller: from }));
    const res = await world.invoke(finished(call, 'completed', 61));
    expect(res).toMatchObject({ statusCode: 204, headers: { 'x-sipline-flow': 'status:unattributed' } });
    expect(world.logs()[0]).toMatchObject({ message: 'call finished', flow: 'unattributed', status: 'completed', durationSeconds: 61 });
    expect(emfMetrics(world.emf())).toEqual([
      { name: 'Calls', unit: 'Count', dimensions: { service: 'sipline-router', stack: 'dev', Flow: 'unattributed' }, value: 1 },
      { name: 'CallDuration', unit: 'Seconds', dimensions: { service: 'sipline-router', stack: 'dev', Flow: 'unattributed' }, value: 61 },
    ]);
  });

  it('of an unknown SipUsername is still a refusal: the credential, not From, said who called', async () => {
    world = await startRouter();
    await world.invoke(finished(outboundCall('mallory', '4155551234'), 'completed', 3));
    expect(world.logs()[0]).toMatchObject({ flow: 'refused:unknown-caller', caller: 'mallory', callerFrom: 'SipUsername' });
    expect(emfMetrics(world.emf())).toContainEqual({ name: 'Refusals', unit: 'Count', dimensions: { service: 'sipline-router', stack: 'dev', Reason: 'unknown-caller' }, value: 1 });
  });

  it('that was refused counts a refusal by its reason', async () => {
    world = await startRouter();
    await world.invoke(finished(outboundCall('alice', '+442079460000'), 'completed', 4));
    expect(world.logs()[0]).toMatchObject({ flow: 'refused:country-not-allowed' });
    expect(emfMetrics(world.emf())).toEqual([
      { name: 'Calls', unit: 'Count', dimensions: { service: 'sipline-router', stack: 'dev', Flow: 'refused' }, value: 1 },
      { name: 'CallDuration', unit: 'Seconds', dimensions: { service: 'sipline-router', stack: 'dev', Flow: 'refused' }, value: 4 },
      { name: 'Refusals', unit: 'Count', dimensions: { service: 'sipline-router', stack: 'dev', Reason: 'country-not-allowed' }, value: 1 },
    ]);
  });

  it('to a group, or that never connected, keeps its flow and says its status and SIP code', async () => {
    world = await startRouter();
    await world.invoke(finished(inboundCall('+12125550123', '+14155550150'), 'no-answer', 0, '487'));
    await world.invoke(finished(outboundCall('bob', 'support'), 'busy', 0, '486'));
    expect(world.logs()).toEqual([
      expect.objectContaining({ flow: 'group', status: 'no-answer', sipResponseCode: '487', durationSeconds: 0 }),
      expect.objectContaining({ flow: 'group', status: 'busy', sipResponseCode: '486' }),
    ]);
  });

  it('is counted once: events before the end of a call, and a leg\'s own callbacks, give nothing', async () => {
    world = await startRouter();
    const call = inboundCall('+12125550123', '+14155550199');
    for (const status of ['initiated', 'ringing', 'in-progress']) {
      const res = await world.invoke(webhookEvent({ ...statusCallbackParams(call, { status: 'completed', seconds: 0, sipResponseCode: '200', at: AT }), CallStatus: status }, { path: '/voice/status' }));
      expect(res).toMatchObject({ statusCode: 204, headers: { 'x-sipline-flow': `status:${status}` } });
    }
    const leg = await world.invoke(webhookEvent({ ...statusCallbackParams(call, { status: 'completed', seconds: 9, sipResponseCode: '200', at: AT }), ParentCallSid: 'CAfedcba9876543210fedcba9876543210' }, { path: '/voice/status' }));
    expect(leg.headers).toMatchObject({ 'x-sipline-flow': 'status:leg' });
    expect(world.logs()).toEqual([]);
    expect(world.emf()).toEqual([]);
  });
});

describe('the router\'s metrics', () => {
  it('are counted off the ringing path: routing a call writes no EMF line', async () => {
    world = await startRouter();
    await world.invoke(webhookEvent(outboundCall('alice', '4155551234')));
    await world.invoke(webhookEvent(inboundCall('+12125550123', '+14155550199'), { path: '/voice/inbound' }));
    expect(world.emf()).toEqual([]);
    expect(world.logs().map((l) => l.message)).toEqual(['call routed', 'call routed']);
  });

  it('count failed dials, what followed, transfers and voicemails, each by its one dimension', async () => {
    world = await startRouter();
    const call = inboundCall('+12125550123', '+14155550199');
    await world.invoke(webhookEvent(dialActionParams(call, 'busy'), { path: '/voice/after-dial', query: 'to=alice&member=0&caller=&cid=%2B12125550123&from=%2B12125550123' }));
    await world.invoke(webhookEvent(referParams(call, '+442079460000', DOMAIN), { path: '/voice/refer', query: 'by=alice&party=%2B12125550123' }));
    await world.invoke(webhookEvent(recordingCallbackParams(call, { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 7, startedAt: AT }), { path: '/voice/recording', query: 'mailbox=alice&from=%2B12125550123' }));
    expect(emfMetrics(world.emf()).map(({ name, dimensions }) => [name, dimensions])).toEqual([
      ['FailedDials', { service: 'sipline-router', stack: 'dev', DialStatus: 'busy' }],
      ['NoAnswerActions', { service: 'sipline-router', stack: 'dev', Action: 'voicemail' }],
      ['Transfers', { service: 'sipline-router', stack: 'dev', Outcome: 'refused' }],
      ['Voicemails', { service: 'sipline-router', stack: 'dev' }],
    ]);
  });

  it('include every name lambda/metrics.ts lists, each with its dimension and a value from its closed set', async () => {
    // A day of calls in one instance without a voicemail queue: a finished call, a refused one,
    // a dial nobody answered going to voicemail, a transfer, and a voicemail that cannot be queued.
    world = await startRouter({ env: { VOICEMAIL_QUEUE_URL: '' } });
    const call = inboundCall('+12125550123', '+14155550199');
    await world.invoke(finished(call));
    await world.invoke(finished(outboundCall('alice', '+442079460000'), 'completed', 4));
    await world.invoke(webhookEvent(dialActionParams(call, 'busy'), { path: '/voice/after-dial', query: 'to=alice&member=0&caller=&cid=%2B12125550123&from=%2B12125550123' }));
    await world.invoke(webhookEvent(referParams(call, 'bob', DOMAIN), { path: '/voice/refer', query: 'by=alice&party=%2B12125550123' }));
    await world.invoke(webhookEvent(recordingCallbackParams(call, { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 7, startedAt: AT }), { path: '/voice/recording', query: 'mailbox=alice&from=x' }));
    const all = emfMetrics(world.emf());
    expect(new Set(all.map((m) => m.name))).toEqual(new Set(Object.values(ROUTER_METRICS)));
    const closedSets: Record<string, readonly string[]> = {
      Flow: CALL_FLOWS,
      Reason: Object.keys(SPOKEN_REASONS),
      DialStatus: FAILED_DIAL_STATUSES,
      Action: NO_ANSWER_ACTIONS,
      Outcome: TRANSFER_OUTCOMES,
    };
    for (const metric of all) {
      const extra = (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[metric.name as RouterMetricName];
      expect(Object.keys(metric.dimensions)).toEqual(['service', 'stack', ...(extra ? [extra] : [])]);
      if (extra) expect(closedSets[extra]).toContain(metric.dimensions[extra]);
    }
  });
});

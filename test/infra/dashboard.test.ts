/**
 * The stack's CloudWatch dashboard: every sipline metric a widget names is one the router or the
 * voicemail worker really emits, with the same dimensions, and every metric the router emits has
 * a widget. The router runs as Lambda runs it (its real entry point, Powertools writing EMF to
 * stdout) through calls Twilio would follow; the worker's EMF is tested by test/voicemail.
 */
import { FALLBACK_METRICS, METRIC_SERVICES, METRICS_NAMESPACE, ROUTER_METRICS, SERVICE_DIMENSION, STACK_DIMENSION, VOICEMAIL_METRICS } from '../../lambda/metrics';
import { dashboardWidgets, type DashboardTargets } from '../../infra/components/dashboard';
import { resolveOutput, runSipline, type SiplineMocks } from '../../infra/mocks';
import { dialActionParams, recordingCallbackParams, referParams, statusCallbackParams, twimlAttribute } from '../../scripts/simulatedCall';
import type { EmfLine } from '../lambdaOutput';
import { DOMAIN, inboundCall, outboundCall, urlIn, webhookEvent } from '../lambda/fixtures';
import { sqsFails, startRouter } from '../lambda/routerWorld';
import { ScriptedHttp } from '../voicemail/scripted';
import { TYPES, VOICEMAIL_SECRET_KEYS, voicemailConfig } from './fixtures';

const TARGETS: DashboardTargets = {
  region: 'eu-west-1',
  stack: 'prod',
  routerFunction: 'sipline-prod-router-1a2b3c4d',
  fallbackFunction: 'sipline-prod-fallback-1a2b3c4d',
  routerLogGroup: '/aws/lambda/sipline-prod-router-1a2b3c4d',
  apiId: 'abc123',
  voicemail: { workerFunction: 'sipline-prod-voicemail-1a2b3c4d', queue: 'q', deadLetterQueue: 'dlq' },
};

type MetricLine = Array<string | Record<string, unknown>>;

/** The sipline metrics the widgets name: name, service, and the dimension names and values. */
function siplineMetricsOf(targets: DashboardTargets) {
  const lines = dashboardWidgets(targets).flatMap((w) => (w.type === 'metric' ? (w.properties.metrics as MetricLine[]) : []));
  return lines
    .filter((line) => line[0] === METRICS_NAMESPACE)
    .map((line) => {
      const pairs = line.slice(2).filter((x): x is string => typeof x === 'string');
      const dimensions = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
      return { name: line[1] as string, dimensions };
    });
}

/** What the router emits, as CloudWatch reads its EMF: each metric with its dimension names and values. */
function emitted(lines: EmfLine[]) {
  return lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map(({ Name }) => ({ name: Name, dimensions: Object.fromEntries(directive.Dimensions[0].map((d) => [d, line[d] as string])) })),
    ),
  );
}

describe('the dashboard', () => {
  let routerEmf: EmfLine[];

  beforeAll(async () => {
    // Calls Twilio would follow: finished, refused, unanswered then voicemail, transferred, and
    // a voicemail whose job SQS refuses.
    const world = await startRouter({ sqs: new ScriptedHttp(sqsFails) });
    try {
      const at = new Date('2025-06-03T14:06:00Z');
      const finished = (call: Record<string, string>, status: 'completed' | 'no-answer' = 'completed') =>
        world.invoke(webhookEvent(statusCallbackParams(call, { status, seconds: 42, sipResponseCode: '200', at }), { path: '/voice/status' }));
      const inbound = inboundCall('+12125550123', '+14155550199');
      const rung = await world.invoke(webhookEvent(inbound, { path: '/voice/inbound' }));
      const answered = { path: '/voice/inbound', query: '', body: rung.body as string };
      const action = urlIn(answered.body, 'Dial', 'action', answered)!;
      const voicemail = await world.invoke(webhookEvent(dialActionParams(inbound, 'no-answer'), { path: action.path, query: action.query }));
      const recorded = urlIn(voicemail.body as string, 'Record', 'recordingStatusCallback', action)!;
      await world.invoke(
        webhookEvent(recordingCallbackParams(inbound, { recordingSid: `RE${'a'.repeat(32)}`, seconds: 12, startedAt: at }), { path: recorded.path, query: recorded.query }),
      );
      const call = outboundCall('alice', 'bob');
      const dialed = await world.invoke(webhookEvent(call));
      const refer = urlIn(dialed.body as string, 'Dial', 'referUrl', { path: '/voice/outbound', query: '' })!;
      await world.invoke(webhookEvent(referParams(call, 'carol', DOMAIN), { path: refer.path, query: refer.query }));
      await finished(inbound);
      await finished(outboundCall('alice', '+442079460000'));
      expect(twimlAttribute(voicemail.body as string, 'Record', 'maxLength')).toBe('120');
      routerEmf = world.emf();
    } finally {
      await world.stop();
    }
  });

  it("names every router metric with the dimensions the router's EMF carries, from the closed sets it emits", () => {
    const seen = emitted(routerEmf);
    const dimensionNames = (d: Record<string, string>) => Object.keys(d).sort();
    for (const { name, dimensions } of siplineMetricsOf({ ...TARGETS, stack: 'dev' }).filter((m) => m.dimensions[SERVICE_DIMENSION] === METRIC_SERVICES.router)) {
      const same = seen.filter((s) => s.name === name);
      expect({ name, emitted: same.length > 0 }).toEqual({ name, emitted: true });
      for (const s of same) expect({ name, dimensions: dimensionNames(s.dimensions) }).toEqual({ name, dimensions: dimensionNames(dimensions) });
      expect(dimensions[STACK_DIMENSION]).toBe('dev');
    }
    // And each value the router emitted for a split metric has its own line on the dashboard.
    const shown = new Set(siplineMetricsOf({ ...TARGETS, stack: 'dev' }).map((m) => JSON.stringify([m.name, m.dimensions])));
    for (const s of seen) expect({ metric: s, shown: shown.has(JSON.stringify([s.name, s.dimensions])) }).toEqual({ metric: s, shown: true });
  });

  it('shows every metric the router and the worker emit (lambda/metrics.ts, the one list)', () => {
    const names = new Set(siplineMetricsOf(TARGETS).map((m) => m.name));
    for (const name of [...Object.values(ROUTER_METRICS), ...Object.values(FALLBACK_METRICS), ...Object.values(VOICEMAIL_METRICS).filter((n) => n !== VOICEMAIL_METRICS.deleted)]) {
      expect({ name, shown: names.has(name) }).toEqual({ name, shown: true });
    }
  });

  it('leaves the voicemail worker and its queues out when no voicemail is emailed', () => {
    const { voicemail: _v, ...withoutVoicemail } = TARGETS;
    const widgets = JSON.stringify(dashboardWidgets(withoutVoicemail));
    expect(widgets).not.toContain('AWS/SQS');
    expect(widgets).not.toContain(VOICEMAIL_METRICS.emailed);
  });

  it("points AWS's own metrics at this stack's functions and API, and counts cold starts from the router's REPORT lines", () => {
    const widgets = dashboardWidgets(TARGETS);
    const body = JSON.stringify(widgets);
    expect(body).toContain(JSON.stringify(['AWS/Lambda', 'Errors', 'FunctionName', TARGETS.routerFunction, { label: 'errors' }]));
    expect(body).toContain(JSON.stringify(['sipline', 'FallbackAnswers', 'service', 'sipline-fallback', 'stack', 'prod', 'Signature', 'valid', { label: "Twilio's (the router failed)" }]));
    expect(body).toContain(JSON.stringify(['AWS/ApiGateway', '5xx', 'ApiId', TARGETS.apiId, { label: '5xx (Twilio used the fallback)' }]));
    const coldStarts = widgets.find((w) => w.type === 'log')!;
    expect(coldStarts.properties.query).toBe(`SOURCE '${TARGETS.routerLogGroup}' | filter @type = 'REPORT' and ispresent(@initDuration) | stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by bin(5m)`);
    for (const w of widgets.filter((x) => x.type !== 'text')) expect(w.properties.region).toBe('eu-west-1');
  });
});

describe('the dashboard in the stack', () => {
  let mocks: SiplineMocks;
  let dashboardUrl: string;
  beforeAll(async () => {
    const run = await runSipline({ config: voicemailConfig(), secretKeys: VOICEMAIL_SECRET_KEYS });
    mocks = run.mocks;
    dashboardUrl = await resolveOutput(run.outputs.dashboardUrl);
  });

  it("is built from the stack's own resources, and its URL is a stack output", () => {
    const dashboard = mocks.one(TYPES.dashboard);
    const router = mocks.one(TYPES.lambda, 'sipline-router-function');
    const name = String(dashboard.inputs.dashboardName);
    expect(name).toMatch(/^sipline-dev-[0-9a-f]{8}$/);
    expect(dashboardUrl).toBe(`https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/${name}`);
    const body = JSON.parse(String(dashboard.inputs.dashboardBody)) as { widgets: Array<{ type: string; properties: Record<string, unknown> }> };
    const text = JSON.stringify(body);
    expect(text).toContain(String(router.state.name));
    expect(text).toContain(String(mocks.one(TYPES.lambda, 'sipline-voicemail-worker').state.name));
    expect(text).toContain(String(mocks.one(TYPES.api).id));
    expect(text).toContain(String(mocks.one(TYPES.queue, 'sipline-router-voicemail-dead-letters').state.name));
    expect(dashboard.parent).toBe(`${TYPES.dashboardComponent}::sipline-dashboard`);
  });
});

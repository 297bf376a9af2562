/**
 * The stack's CloudWatch dashboard: what the phones did (calls by flow, refusals by reason,
 * unanswered dials and what followed, transfers, voicemails) and how the machinery behaved (the
 * router's errors, duration and cold starts, the API's 4xx/5xx, the voice fallback, the
 * voicemail worker and its queues).
 *
 * Every sipline metric a widget names comes from lambda/metrics.ts, the module the router and
 * the worker emit them with, dimensions included: a widget can never name a metric nobody
 * emits (test/infra/dashboard.test.ts runs the router and compares). AWS's own metrics are
 * named as AWS documents them. Cold starts come from Lambda's own REPORT lines (a Logs Insights
 * widget): the router emits nothing for them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { SPOKEN_REASONS } from '../../lambda/messages';
import {
  CALL_FLOWS,
  FALLBACK_METRICS,
  FALLBACK_SIGNATURE_DIMENSION,
  FALLBACK_SIGNATURES,
  FAILED_DIAL_STATUSES,
  METRIC_SERVICES,
  METRICS_NAMESPACE,
  NO_ANSWER_ACTIONS,
  ROUTER_METRIC_DIMENSIONS,
  ROUTER_METRICS,
  SERVICE_DIMENSION,
  STACK_DIMENSION,
  TRANSFER_OUTCOMES,
  VOICEMAIL_METRICS,
  type RouterMetricName,
} from '../../lambda/metrics';

/** What the widgets point at: physical names, known once the resources exist. */
export interface DashboardTargets {
  region: string;
  stack: string;
  routerFunction: string;
  fallbackFunction: string;
  routerLogGroup: string;
  apiId: string;
  /** Absent when no mailbox emails its voicemail. */
  voicemail?: { workerFunction: string; queue: string; deadLetterQueue: string };
}

/** A CloudWatch metric widget's metric line: namespace, name, then dimension name/value pairs, then options. */
type MetricLine = Array<string | Record<string, unknown>>;

interface Widget {
  type: 'metric' | 'log' | 'text';
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const PERIOD = 300;

/** A sipline metric, with exactly the dimensions its emitter gives it. */
function siplineMetric(service: string, stack: string, name: string, extra?: [string, string], label?: string): MetricLine {
  return [
    METRICS_NAMESPACE,
    name,
    SERVICE_DIMENSION,
    service,
    STACK_DIMENSION,
    stack,
    ...(extra ?? []),
    { label: label ?? extra?.[1] ?? name },
  ];
}

/** A router metric split by its extra dimension, one line per value of its closed set. */
function routerMetricBy(stack: string, name: RouterMetricName, values: readonly string[]): MetricLine[] {
  const dimension = (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[name];
  if (dimension === undefined) throw new Error(`${name} has no extra dimension (lambda/metrics.ts ROUTER_METRIC_DIMENSIONS)`);
  return values.map((value) => siplineMetric(METRIC_SERVICES.router, stack, name, [dimension, value]));
}

function metricWidget(title: string, region: string, metrics: MetricLine[], options: { stat?: string; stacked?: boolean; width?: number; yLabel?: string } = {}): Widget {
  return {
    type: 'metric',
    width: options.width ?? 12,
    height: 6,
    properties: {
      title,
      region,
      metrics,
      stat: options.stat ?? 'Sum',
      period: PERIOD,
      view: 'timeSeries',
      stacked: options.stacked ?? false,
      ...(options.yLabel ? { yAxis: { left: { label: options.yLabel, showUnits: false } } } : {}),
    },
  };
}

function logWidget(title: string, region: string, logGroups: string[], query: string): Widget {
  const sources = logGroups.map((g) => `SOURCE '${g}'`).join(' | ');
  return { type: 'log', width: 12, height: 6, properties: { title, region, query: `${sources} | ${query}`, view: 'timeSeries' } };
}

/**
 * The dashboard's widgets, top to bottom: calls, what went wrong for callers, voicemail, then
 * the machinery. Laid out by CloudWatch (no x/y: widgets flow left to right, 24 units wide).
 */
export function dashboardWidgets(t: DashboardTargets): Widget[] {
  const { region, stack } = t;
  const router = (name: string, label?: string) => siplineMetric(METRIC_SERVICES.router, stack, name, undefined, label);
  const worker = (name: string, label?: string) => siplineMetric(METRIC_SERVICES.voicemail, stack, name, undefined, label);
  const lambda = (metric: string, fn: string, label: string, stat?: string): MetricLine => ['AWS/Lambda', metric, 'FunctionName', fn, { label, ...(stat ? { stat } : {}) }];
  const api = (metric: string, label: string, stat?: string): MetricLine => ['AWS/ApiGateway', metric, 'ApiId', t.apiId, { label, ...(stat ? { stat } : {}) }];

  const widgets: Widget[] = [
    {
      type: 'text',
      width: 24,
      height: 2,
      properties: {
        markdown: `## sipline \`${stack}\`\nCalls are counted when they end (Twilio's status callback); every count is per 5 minutes. What each widget means: README, *Seeing what happens*.`,
      },
    },
    metricWidget('Calls by flow', region, routerMetricBy(stack, ROUTER_METRICS.calls, CALL_FLOWS), { stacked: true }),
    metricWidget('Refused calls by reason', region, routerMetricBy(stack, ROUTER_METRICS.refusals, Object.keys(SPOKEN_REASONS)), { stacked: true }),
    metricWidget('Unanswered dials by status', region, routerMetricBy(stack, ROUTER_METRICS.failedDials, FAILED_DIAL_STATUSES), { stacked: true }),
    metricWidget('What unanswered calls did next', region, routerMetricBy(stack, ROUTER_METRICS.noAnswerActions, NO_ANSWER_ACTIONS), { stacked: true }),
    metricWidget('Transfers (phone button) by outcome', region, routerMetricBy(stack, ROUTER_METRICS.transfers, TRANSFER_OUTCOMES), { stacked: true }),
    metricWidget('Call duration (seconds, average by flow)', region, routerMetricBy(stack, ROUTER_METRICS.callDuration, CALL_FLOWS), { stat: 'Average', yLabel: 'seconds' }),
    metricWidget('Voicemails', region, [
      router(ROUTER_METRICS.voicemails, 'recorded'),
      router(ROUTER_METRICS.voicemailEnqueueFailures, 'not queued (left in Twilio)'),
      ...(t.voicemail
        ? [
            worker(VOICEMAIL_METRICS.emailed, 'emailed'),
            worker(VOICEMAIL_METRICS.alreadyGone, 'already gone from Twilio (not emailed)'),
            worker(VOICEMAIL_METRICS.deferred, 'deferred, out of time (retried)'),
            worker(VOICEMAIL_METRICS.emailFailures, 'email failed (retried)'),
            worker(VOICEMAIL_METRICS.fetchFailures, 'fetch failed (retried)'),
            worker(VOICEMAIL_METRICS.jobsRefused, 'job refused'),
            worker(VOICEMAIL_METRICS.deleteFailures, 'emailed, recording kept in Twilio'),
          ]
        : []),
    ]),
    metricWidget('Router: invocations, errors, throttles', region, [
      lambda('Invocations', t.routerFunction, 'invocations'),
      lambda('Errors', t.routerFunction, 'errors'),
      lambda('Throttles', t.routerFunction, 'throttles'),
    ]),
    metricWidget(
      'Router: duration (ms)',
      region,
      [lambda('Duration', t.routerFunction, 'p99', 'p99'), lambda('Duration', t.routerFunction, 'p50', 'p50'), lambda('Duration', t.routerFunction, 'max', 'Maximum')],
      { stat: 'p99', yLabel: 'ms' },
    ),
    // Lambda's REPORT line carries @initDuration only for a cold start (the Text log format the
    // functions use): a count of them, and how long their init took.
    logWidget(
      'Router: cold starts (count, and init ms)',
      region,
      [t.routerLogGroup],
      "filter @type = 'REPORT' and ispresent(@initDuration) | stats count(*) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs by bin(5m)",
    ),
    metricWidget('Webhook API: requests, 4xx, 5xx', region, [api('Count', 'requests'), api('4xx', '4xx (forged or malformed)'), api('5xx', '5xx (Twilio used the fallback)')]),
    // The fallback counts what it answers by signature: Twilio's requests are calls the router
    // failed; forged ones (its URL is public) are shown apart and alarm no one.
    metricWidget(
      'Voice fallback: calls the router failed',
      region,
      FALLBACK_SIGNATURES.map((signature) =>
        siplineMetric(METRIC_SERVICES.fallback, stack, FALLBACK_METRICS.answers, [FALLBACK_SIGNATURE_DIMENSION, signature], { valid: "Twilio's (the router failed)", unchecked: 'not checked in time', invalid: 'not Twilio (forged)' }[signature]),
      ),
      { stacked: true },
    ),
  ];
  if (t.voicemail) {
    const sqs = (metric: string, queue: string, label: string, stat: string): MetricLine => ['AWS/SQS', metric, 'QueueName', queue, { label, stat }];
    widgets.push(
      metricWidget('Voicemail worker: invocations, errors', region, [lambda('Invocations', t.voicemail.workerFunction, 'invocations'), lambda('Errors', t.voicemail.workerFunction, 'errors')]),
      metricWidget('Voicemail queues', region, [
        sqs('ApproximateNumberOfMessagesVisible', t.voicemail.queue, 'waiting', 'Maximum'),
        sqs('ApproximateAgeOfOldestMessage', t.voicemail.queue, 'oldest (s)', 'Maximum'),
        sqs('ApproximateNumberOfMessagesVisible', t.voicemail.deadLetterQueue, 'dead letters', 'Maximum'),
      ]),
    );
  }
  return widgets;
}

export interface DashboardArgs {
  /** The dashboard's name: unique in the account (dashboards are not regional). */
  dashboardName: pulumi.Input<string>;
  targets: pulumi.Input<DashboardTargets>;
}

export class Dashboard extends pulumi.ComponentResource {
  public readonly dashboardName: pulumi.Output<string>;
  /** The dashboard in the AWS console. */
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sipline:index:Dashboard', name, {}, opts);
    const targets = pulumi.output(args.targets);
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: args.dashboardName, dashboardBody: targets.apply((t) => JSON.stringify({ widgets: dashboardWidgets(t) })) },
      { parent: this },
    );
    this.dashboardName = dashboard.dashboardName;
    this.url = pulumi.interpolate`https://${targets.region}.console.aws.amazon.com/cloudwatch/home?region=${targets.region}#dashboards/dashboard/${dashboard.dashboardName}`;
    this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
  }
}

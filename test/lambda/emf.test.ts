/**
 * The router writes its EMF lines itself (lambda/routerMetrics.ts): they must be the lines
 * Powertools Metrics writes for the same metrics, which CloudWatch reads as the voicemail
 * worker's. Powertools Metrics (the worker's dependency) is the oracle here.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { METRIC_SERVICES, METRICS_NAMESPACE, ROUTER_METRIC_DIMENSIONS, ROUTER_METRICS, STACK_DIMENSION, type RouterMetricName } from '../../lambda/metrics';
import { emfLine, emfMetricsSink, type MetricValue } from '../../lambda/routerMetrics';

/** What Powertools Metrics prints for these metrics, captured from its own console. */
function powertoolsLine(stack: string, metrics: readonly MetricValue[], dimension: string | undefined): Record<string, unknown> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const powertools = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.router, defaultDimensions: { [STACK_DIMENSION]: stack } });
    const name = (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[metrics[0].name];
    if (dimension !== undefined && name !== undefined) powertools.addDimension(name, dimension);
    for (const { name: metric, value, unit = 'Count' } of metrics) powertools.addMetric(metric, unit, value);
    powertools.publishStoredMetrics();
  } finally {
    spy.mockRestore();
  }
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

const withoutTimestamp = (line: Record<string, unknown>) => ({ ...line, _aws: { ...(line._aws as object), Timestamp: 0 } });

describe('the router\'s EMF lines', () => {
  const dimensioned = Object.keys(ROUTER_METRIC_DIMENSIONS) as RouterMetricName[];
  const plain = Object.values(ROUTER_METRICS).filter((name) => !dimensioned.includes(name));

  it('are Powertools Metrics\' lines, key order included, for every metric and value', () => {
    const batch = fc.oneof(
      fc.tuple(fc.constantFrom(...dimensioned), fc.stringMatching(/^[a-z][a-z:-]{0,30}$/), fc.nat(10_000)).map(([name, dimension, value]) => ({ metrics: [{ name, value }], dimension })),
      fc.tuple(fc.constantFrom(...plain), fc.nat(10_000)).map(([name, value]) => ({ metrics: [{ name, value }], dimension: undefined })),
      fc.tuple(fc.stringMatching(/^[a-z-]{1,12}$/), fc.nat(1_000), fc.nat(10_000)).map(([flow, calls, seconds]) => ({
        metrics: [{ name: ROUTER_METRICS.calls, value: calls }, { name: ROUTER_METRICS.callDuration, value: seconds, unit: 'Seconds' as const }],
        dimension: flow,
      })),
    );
    fc.assert(
      fc.property(batch, fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), ({ metrics, dimension }, stack) => {
        const mine = JSON.parse(emfLine(stack, metrics, dimension, 1)) as Record<string, unknown>;
        const theirs = powertoolsLine(stack, metrics, dimension);
        expect(JSON.stringify(withoutTimestamp(mine))).toBe(JSON.stringify(withoutTimestamp(theirs)));
      }),
      { numRuns: 300 },
    );
  });

  it('are one JSON line per publish on stdout, timestamped now, and nothing for no metrics', () => {
    const written: string[] = [];
    const sink = emfMetricsSink('dev', (line) => written.push(line));
    const before = Date.now();
    sink.publish([{ name: ROUTER_METRICS.transfers, value: 1 }], 'pstn');
    sink.publish([]);
    expect(written).toHaveLength(1);
    const line = JSON.parse(written[0]) as { _aws: { Timestamp: number } };
    expect(line._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(line).toMatchObject({ service: 'sipline-router', stack: 'dev', Outcome: 'pstn', Transfers: 1 });
  });
});

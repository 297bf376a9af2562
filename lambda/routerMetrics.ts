/**
 * How the router emits its metrics (names: lambda/metrics.ts): a small interface the handler
 * depends on, and an implementation that writes CloudWatch's Embedded Metric Format to stdout,
 * one JSON line per publish, which CloudWatch Logs turns into metrics (no API call).
 *
 * The lines are the ones Powertools Metrics writes (the voicemail worker uses it;
 * test/lambda/emf.test.ts checks the two agree line for line), written here instead: the router
 * uses none of its features (buffering, metadata, high resolution, the cold-start metric), and
 * its 25 kB in the bundle cost every cold start a millisecond of compiling, ringing phones
 * included, which took the cold start past its target (README, Performance).
 *
 * EMF (AWS CloudWatch User Guide, "Specification: Embedded metric format"): a JSON object with
 * an `_aws` member holding the Timestamp (ms since the epoch) and one CloudWatchMetrics
 * directive (Namespace, Dimensions as one dimension set, Metrics as name and unit), and, as
 * members of the root, each dimension's value and each metric's value.
 */
import { METRIC_SERVICES, METRICS_NAMESPACE, ROUTER_METRIC_DIMENSIONS, SERVICE_DIMENSION, STACK_DIMENSION, type RouterMetricName } from './metrics';

export interface MetricValue {
  name: RouterMetricName;
  value: number;
  unit?: 'Count' | 'Seconds';
}

export interface MetricsSink {
  /**
   * One EMF line: these metrics, with `dimension` as the value of the extra dimension they
   * share (ROUTER_METRIC_DIMENSIONS), if they have one.
   */
  publish(metrics: readonly MetricValue[], dimension?: string): void;
}

/** The EMF line for these metrics, as Powertools Metrics writes it (key order included). */
export function emfLine(stack: string, metrics: readonly MetricValue[], dimension: string | undefined, timestamp: number): string {
  const dimensionName = dimension === undefined ? undefined : (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[metrics[0].name];
  const dimensions: Record<string, string> = { [SERVICE_DIMENSION]: METRIC_SERVICES.router, [STACK_DIMENSION]: stack };
  if (dimensionName !== undefined) dimensions[dimensionName] = dimension as string;
  const line: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [Object.keys(dimensions)], Metrics: metrics.map(({ name, unit = 'Count' }) => ({ Name: name, Unit: unit })) }],
    },
    ...dimensions,
  };
  for (const { name, value } of metrics) line[name] = value;
  return JSON.stringify(line);
}

/** The router's metrics as EMF lines on stdout (what Lambda ships to CloudWatch Logs), `stack` from SIPLINE_STACK. */
export function emfMetricsSink(stack: string, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): MetricsSink {
  return {
    publish(metrics, dimension) {
      if (metrics.length > 0) write(emfLine(stack, metrics, dimension, Date.now()));
    },
  };
}

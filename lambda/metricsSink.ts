/**
 * How sipline's webhook Lambdas emit their metrics (names and dimensions: lambda/metrics.ts): a
 * small interface the handlers depend on, and its implementation by Powertools Metrics, which
 * writes CloudWatch's Embedded Metric Format to stdout, one JSON line per publish, which
 * CloudWatch Logs turns into metrics (no API call).
 *
 * Powertools Metrics is loaded on the first metric (lambda/powertoolsMetrics.ts), never at cold
 * start: the router's routes that answer a ringing phone emit none, and the voice fallback's
 * init only starts reading the token it needs first.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { RouterDeps } from './handler';
import {
  FALLBACK_METRICS,
  FALLBACK_SIGNATURE_DIMENSION,
  METRIC_SERVICES,
  METRICS_NAMESPACE,
  ROUTER_METRIC_DIMENSIONS,
  STACK_DIMENSION,
  type FallbackMetricName,
  type RouterMetricName,
} from './metrics';

export interface MetricValue<Name extends string = RouterMetricName> {
  name: Name;
  value: number;
  unit?: 'Count' | 'Seconds';
}

export interface MetricsSink<Name extends string = RouterMetricName> {
  /**
   * One EMF line: these metrics, with `dimension` as the value of the extra dimension they
   * share (the sink's `dimensions`), if they have one.
   */
  publish(metrics: readonly MetricValue<Name>[], dimension?: string): void;
}

/** Whose metrics a sink writes: its `service` dimension, and the extra dimension of each metric that has one. */
export interface MetricsOf<Name extends string> {
  service: string;
  dimensions: Partial<Record<Name, string>>;
}

/** The router's metrics. */
export const ROUTER_METRICS_OF: MetricsOf<RouterMetricName> = { service: METRIC_SERVICES.router, dimensions: ROUTER_METRIC_DIMENSIONS };
/** The voice fallback's one metric, by `Signature`. */
export const FALLBACK_METRICS_OF: MetricsOf<FallbackMetricName> = { service: METRIC_SERVICES.fallback, dimensions: { [FALLBACK_METRICS.answers]: FALLBACK_SIGNATURE_DIMENSION } };

/** Metrics through Powertools Metrics, created on first use (`stack` from SIPLINE_STACK). */
export function powertoolsMetricsSink<Name extends string>(stack: string, { service, dimensions }: MetricsOf<Name>): MetricsSink<Name> {
  let metrics: Metrics | undefined;
  return {
    publish(values, dimension) {
      if (values.length === 0) return;
      if (!metrics) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Metrics: PowertoolsMetrics } = require('./powertoolsMetrics') as typeof import('./powertoolsMetrics');
        metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: service, defaultDimensions: { [STACK_DIMENSION]: stack } });
      }
      const dimensionName = dimensions[values[0].name];
      if (dimension !== undefined && dimensionName !== undefined) metrics.addDimension(dimensionName, dimension);
      for (const { name, value, unit = 'Count' } of values) metrics.addMetric(name, unit, value);
      // Publishing also clears the dimension added above: the next line starts from the defaults.
      metrics.publishStoredMetrics();
    },
  };
}

/**
 * Publishes one EMF line of the router's metrics, if metrics are wired; a metric that fails
 * never fails the call (it is logged).
 */
export function publishMetrics(deps: Pick<RouterDeps, 'metrics' | 'logger'>, values: readonly MetricValue[], dimension?: string): void {
  try {
    deps.metrics?.publish(values, dimension);
  } catch (err) {
    deps.logger.error('metric not published', { metric: values.map((v) => v.name).join(','), error: (err as Error).message });
  }
}

/** Counts one of something (publishMetrics). */
export function count(deps: Pick<RouterDeps, 'metrics' | 'logger'>, name: RouterMetricName, dimension?: string): void {
  publishMetrics(deps, [{ name, value: 1 }], dimension);
}

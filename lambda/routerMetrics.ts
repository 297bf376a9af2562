/**
 * How the router emits its metrics (names and dimensions: lambda/metrics.ts): a small interface
 * the handler depends on, and its implementation by Powertools Metrics, which writes CloudWatch's
 * Embedded Metric Format to stdout, one JSON line per publish, which CloudWatch Logs turns into
 * metrics (no API call).
 *
 * Powertools Metrics is loaded on the first metric (lambda/powertoolsMetrics.ts), never at cold
 * start: the routes that answer a ringing phone emit none.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_SERVICES, METRICS_NAMESPACE, ROUTER_METRIC_DIMENSIONS, STACK_DIMENSION, type RouterMetricName } from './metrics';

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

/** The router's metrics through Powertools Metrics, created on first use (`stack` from SIPLINE_STACK). */
export function powertoolsMetricsSink(stack: string): MetricsSink {
  let metrics: Metrics | undefined;
  return {
    publish(values, dimension) {
      if (values.length === 0) return;
      if (!metrics) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Metrics: PowertoolsMetrics } = require('./powertoolsMetrics') as typeof import('./powertoolsMetrics');
        metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.router, defaultDimensions: { [STACK_DIMENSION]: stack } });
      }
      const dimensionName = (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[values[0].name];
      if (dimension !== undefined && dimensionName !== undefined) metrics.addDimension(dimensionName, dimension);
      for (const { name, value, unit = 'Count' } of values) metrics.addMetric(name, unit, value);
      // Publishing also clears the dimension added above: the next line starts from the defaults.
      metrics.publishStoredMetrics();
    },
  };
}

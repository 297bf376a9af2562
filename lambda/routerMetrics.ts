/**
 * How the router emits its metrics (names: lambda/metrics.ts): a small interface the handler
 * depends on, and its Powertools Metrics implementation, which writes CloudWatch's Embedded
 * Metric Format to stdout (CloudWatch Logs turns each line into metrics: no API call).
 *
 * Powertools Metrics is loaded on the first metric, not at cold start: the routes that answer
 * a ringing phone emit none (metrics are counted once a call is over, lambda/metrics.ts), so
 * their cold start does not pay for it.
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

/** The router's metrics through Powertools, created on first use (`stack` from SIPLINE_STACK). */
export function powertoolsMetricsSink(stack: string): MetricsSink {
  let metrics: Metrics | undefined;
  return {
    publish(values, dimension) {
      if (!metrics) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Metrics: PowertoolsMetrics } = require('@aws-lambda-powertools/metrics') as typeof import('@aws-lambda-powertools/metrics');
        metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.router, defaultDimensions: { [STACK_DIMENSION]: stack } });
      }
      const dimensionName = (ROUTER_METRIC_DIMENSIONS as Partial<Record<RouterMetricName, string>>)[values[0].name];
      if (dimension !== undefined && dimensionName !== undefined) metrics.addDimension(dimensionName, dimension);
      for (const { name, value, unit = 'Count' } of values) metrics.addMetric(name, unit, value);
      metrics.publishStoredMetrics();
    },
  };
}

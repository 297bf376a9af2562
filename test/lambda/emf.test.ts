/**
 * The router's metrics as CloudWatch reads them: the EMF lines Powertools Metrics writes through
 * lambda/metricsSink.ts, one per publish, each metric with exactly the dimensions
 * lambda/metrics.ts gives it (service, stack, and its one extra dimension if it has one), which
 * is what the dashboard's widgets and the alarms name.
 */
import { METRIC_SERVICES, METRICS_NAMESPACE, ROUTER_METRIC_DIMENSIONS, ROUTER_METRICS, SERVICE_DIMENSION, STACK_DIMENSION, type RouterMetricName } from '../../lambda/metrics';
import { powertoolsMetricsSink, ROUTER_METRICS_OF, type MetricsSink } from '../../lambda/metricsSink';
import { captureLambdaOutput } from '../lambdaOutput';

function published(publish: (sink: MetricsSink) => void) {
  const output = captureLambdaOutput();
  try {
    publish(powertoolsMetricsSink('dev', ROUTER_METRICS_OF));
  } finally {
    output.restore();
  }
  return output.emf();
}

describe("the router's EMF lines (Powertools Metrics)", () => {
  const dimensioned = Object.keys(ROUTER_METRIC_DIMENSIONS) as RouterMetricName[];
  const plain = Object.values(ROUTER_METRICS).filter((name) => !dimensioned.includes(name));

  it.each(dimensioned)('%s carries service, stack and its own dimension, and its value', (name) => {
    const extra = (ROUTER_METRIC_DIMENSIONS as Record<string, string>)[name];
    const [line] = published((sink) => sink.publish([{ name, value: 3 }], 'some-value'));
    expect(line._aws.CloudWatchMetrics).toEqual([{ Namespace: METRICS_NAMESPACE, Dimensions: [[SERVICE_DIMENSION, STACK_DIMENSION, extra]], Metrics: [{ Name: name, Unit: 'Count' }] }]);
    expect(line).toMatchObject({ [SERVICE_DIMENSION]: METRIC_SERVICES.router, [STACK_DIMENSION]: 'dev', [extra]: 'some-value', [name]: 3 });
  });

  it.each(plain)('%s carries service and stack only', (name) => {
    const [line] = published((sink) => sink.publish([{ name, value: 1 }]));
    expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([[SERVICE_DIMENSION, STACK_DIMENSION]]);
    expect(line[name]).toBe(1);
  });

  it('writes one line per publish, a call and its duration together, and starts each line from the default dimensions', () => {
    const lines = published((sink) => {
      sink.publish([{ name: ROUTER_METRICS.calls, value: 1 }, { name: ROUTER_METRICS.callDuration, value: 42, unit: 'Seconds' }], 'pstn');
      sink.publish([{ name: ROUTER_METRICS.voicemails, value: 1 }]);
      sink.publish([]);
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'Calls', Unit: 'Count' }, { Name: 'CallDuration', Unit: 'Seconds' }]);
    expect(lines[0]).toMatchObject({ Flow: 'pstn', Calls: 1, CallDuration: 42 });
    // The Flow of the first line is not carried into the second.
    expect(lines[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[SERVICE_DIMENSION, STACK_DIMENSION]]);
    expect('Flow' in lines[1]).toBe(false);
  });

  it('loads Powertools Metrics only when it first publishes (the ringing routes never do)', () => {
    let loaded = false;
    jest.isolateModules(() => {
      jest.doMock('../../lambda/powertoolsMetrics', () => {
        loaded = true;
        return jest.requireActual('../../lambda/powertoolsMetrics');
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { powertoolsMetricsSink: sinkOf } = require('../../lambda/metricsSink') as typeof import('../../lambda/metricsSink');
      const sink = sinkOf('dev', ROUTER_METRICS_OF);
      expect(loaded).toBe(false);
      const output = captureLambdaOutput();
      try {
        sink.publish([{ name: ROUTER_METRICS.voicemails, value: 1 }]);
      } finally {
        output.restore();
      }
      expect(loaded).toBe(true);
    });
  });
});

/**
 * sipline's alarms: each counts something that should not happen at all (a failed call, a
 * throttled Lambda, a voicemail that could not be delivered), so one occurrence in five minutes
 * is enough to tell someone (or, for a level such as a queue's age, its threshold), and no data
 * (no traffic) is no problem. Every component's alarms
 * are built here, on the one SNS topic the stack has (the Router's).
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { type METRIC_SERVICES, METRICS_NAMESPACE, SERVICE_DIMENSION, STACK_DIMENSION } from '../../lambda/metrics';

export type AlarmMetric = Pick<aws.cloudwatch.MetricAlarmArgs, 'namespace' | 'metricName' | 'dimensions'> &
  Partial<Pick<aws.cloudwatch.MetricAlarmArgs, 'statistic'>>;

/** A metric AWS Lambda publishes per function (`Errors`, `Throttles`), summed. */
export function lambdaMetric(metricName: string, functionName: pulumi.Input<string>): AlarmMetric {
  return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } };
}

/** A level SQS publishes per queue (its depth, its oldest message's age): the period's highest. */
export function queueMetric(metricName: string, queueName: pulumi.Input<string>): AlarmMetric {
  return { namespace: 'AWS/SQS', metricName, statistic: 'Maximum', dimensions: { QueueName: queueName } };
}

/** One of sipline's own metrics (lambda/metrics.ts): a service's, in one stack, and any more dimensions it has. */
export function siplineMetric(service: (typeof METRIC_SERVICES)[keyof typeof METRIC_SERVICES], stack: string, metricName: string, dimensions: Record<string, pulumi.Input<string>> = {}): AlarmMetric {
  return { namespace: METRICS_NAMESPACE, metricName, dimensions: { [SERVICE_DIMENSION]: service, [STACK_DIMENSION]: stack, ...dimensions } };
}

export function countAlarm(
  name: string,
  parent: pulumi.Resource,
  topicArn: pulumi.Input<string>,
  description: string,
  metric: AlarmMetric,
  tags?: Record<string, string>,
  /** How much makes the alarm: one occurrence, unless a metric is a level (an age, a depth). */
  threshold = 1,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    name,
    {
      alarmDescription: description,
      statistic: 'Sum',
      ...metric,
      period: 300,
      evaluationPeriods: 1,
      threshold,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      // No traffic is no problem.
      treatMissingData: 'notBreaching',
      alarmActions: [topicArn],
      okActions: [topicArn],
      tags,
    },
    { parent },
  );
}

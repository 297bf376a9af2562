/**
 * sipline's alarms: each counts something that should not happen at all (a failed call, a
 * throttled Lambda, a voicemail that could not be delivered), so one occurrence in five minutes
 * is enough to tell someone (or, for a level such as a queue's age, its threshold), and no data
 * (no traffic) is no problem. Every component's alarms
 * are built here, on the one SNS topic the stack has (the Router's).
 */
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

export type AlarmMetric = Pick<aws.cloudwatch.MetricAlarmArgs, 'namespace' | 'metricName' | 'dimensions'> &
  Partial<Pick<aws.cloudwatch.MetricAlarmArgs, 'statistic'>>;

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

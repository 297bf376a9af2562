/**
 * Voicemail to email on AWS: the worker that turns a recorded voicemail into an email.
 *
 *   router --SendMessage--> voicemail queue (the Router's) --event source mapping--> worker Lambda
 *                                  |                                                   |-- reads its Twilio API key secret
 *                      5 failed attempts                                               |-- GET .mp3 / DELETE on api.twilio.com
 *                                  v                                                   '-- SES SendEmail (raw MIME, MP3 attached)
 *                         dead-letter queue --> alarm --> the stack's SNS topic
 *
 * The queue and its dead-letter queue belong to the Router, which writes to them (its Lambda
 * needs the queue's URL in its environment); this component is the consumer: the worker, the
 * secret holding the API key it alone uses (least privilege: the router keeps the auth token,
 * the worker never sees it), the SES identity it sends from, and the alarms that say a
 * voicemail did not reach its mailbox. Queue settings come from lambda/voicemail/queue.ts, the
 * numbers the worker's tests run its retry model with.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { METRIC_SERVICES, VOICEMAIL_METRICS } from '../../lambda/metrics';
import type { TwilioApiKey } from '../../lambda/voicemail/apiKey';
import { VOICEMAIL_QUEUE, WORKER_MEMORY_MB, WORKER_TIMEOUT_SECONDS } from '../../lambda/voicemail/queue';
import { lambdaFunctionName } from '../naming';
import { countAlarm, lambdaMetric, queueMetric, siplineMetric } from './alarms';
import { lambdaFunction } from './lambdaFunction';
import type { VoicemailQueueOutputs } from './router';
import { storedSecret } from './storedSecret';

export interface VoicemailArgs {
  /** The worker's esbuild bundle (lambda/voicemail/build.ts `bundleVoicemailWorker`). */
  code: string;
  /** The queue the router enqueues jobs on, and its dead-letter queue, alarmed on (Router.voicemailQueue). */
  queue: Pick<VoicemailQueueOutputs, 'arn' | 'name' | 'deadLetterName'>;
  /** Where the stack runs: SES identities are per account and region. */
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** The address voicemails come from. */
  senderEmail: string;
  /**
   * Whether to declare it as an SES email identity (SES then emails it a link to confirm it), or
   * leave alone the identity the account already has for it or for its domain.
   */
  declareSenderIdentity: boolean;
  /** The Twilio API key the worker fetches and deletes recordings with; its secret a pulumi secret. */
  apiKey: Omit<TwilioApiKey, 'apiKeySecret'> & { apiKeySecret: pulumi.Input<string> };
  /** Delete each recording from Twilio once its email is sent (sipline:deleteVoicemailAfterEmail). */
  deleteAfterEmail: boolean;
  /** IANA time zone of the time shown in the email (sipline:voicemailTimeZone). */
  timeZone: string;
  /** The Pulumi stack: the `stack` dimension of the worker's metrics. */
  stack: string;
  /** Start and end of the worker's physical name (as the Router's Lambdas are named). */
  namePrefix: string;
  nameSuffix: pulumi.Input<string>;
  /** Where the alarms go: the Router's SNS topic. */
  alarmTopicArn: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/** How old the oldest waiting job may get before the queue counts as stalled (a retry is 9 minutes, 5 attempts about 45). */
export const QUEUE_STALLED_SECONDS = 3600;

export class Voicemail extends pulumi.ComponentResource {
  public readonly workerFunctionName: pulumi.Output<string>;
  public readonly workerLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: VoicemailArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sipline:index:Voicemail', name, {}, opts);
    const parent = { parent: this };
    const { tags } = args;

    // --- the API key, in a secret of its own that only the worker may read
    const { secret, version: secretVersion } = storedSecret(
      `${name}-twilio-api-key`,
      this,
      'Twilio API key the sipline voicemail worker fetches and deletes recordings with',
      // The worker's format (lambda/voicemail/apiKey.ts parseApiKeySecret).
      pulumi.jsonStringify({ accountSid: args.apiKey.accountSid, apiKeySid: args.apiKey.apiKeySid, apiKeySecret: args.apiKey.apiKeySecret }),
      tags,
    );

    // --- the sender: SES sends only from a verified identity (an email goes to the address to
    // confirm it). While the account is in the SES sandbox, recipients must be verified too.
    const identity = args.declareSenderIdentity ? new aws.sesv2.EmailIdentity(`${name}-sender`, { emailIdentity: args.senderEmail, tags }, parent) : undefined;

    const worker = lambdaFunction(this, {
      names: { logs: `${name}-worker-logs`, role: `${name}-worker-role`, policy: `${name}-worker-policy`, function: `${name}-worker` },
      functionName: pulumi.output(args.nameSuffix).apply((suffix) => lambdaFunctionName(args.namePrefix, 'voicemail', suffix)),
      logRetentionInDays: 30,
      roleDescription: 'sipline voicemail worker Lambda',
      statements: [
        { Sid: 'ReadTwilioApiKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.arn },
        {
          Sid: 'ConsumeVoicemailQueue',
          Effect: 'Allow',
          // What Lambda's event source mapping calls with the function's role (Lambda's guide,
          // "Execution role permissions" for SQS).
          Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
          Resource: args.queue.arn,
        },
        {
          Sid: 'SendVoicemailEmail',
          Effect: 'Allow',
          // SES API v2 SendEmail with raw content is authorized as ses:SendRawEmail (simple
          // content as ses:SendEmail), on every identity the message involves: the sender's, and
          // in the sandbox the recipients' too. So any identity of this account and region, but
          // only with this From address.
          Action: ['ses:SendRawEmail', 'ses:SendEmail'],
          Resource: pulumi.interpolate`arn:aws:ses:${args.region}:${args.accountId}:identity/*`,
          Condition: { StringEquals: { 'ses:FromAddress': args.senderEmail } },
        },
      ],
      description: 'sipline voicemail worker: emails recorded voicemails through SES',
      files: { 'index.js': args.code },
      memorySize: WORKER_MEMORY_MB,
      timeout: WORKER_TIMEOUT_SECONDS,
      environment: {
        variables: {
          VOICEMAIL_FROM: args.senderEmail,
          // The ARN, never the key: environment variables show in the console.
          TWILIO_API_KEY_SECRET_ARN: secret.arn,
          // Unused by the worker: a new key (a new secret version) changes the function's
          // configuration, so no warm instance keeps using a revoked key.
          TWILIO_API_KEY_VERSION: secretVersion.versionId,
          DELETE_AFTER_EMAIL: String(args.deleteAfterEmail),
          VOICEMAIL_TIME_ZONE: args.timeZone,
          SIPLINE_STACK: args.stack,
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
      dependsOn: [secretVersion, ...(identity ? [identity] : [])],
      tags,
    });

    // Lambda checks the role may read the queue when the mapping is created: after the policy,
    // which the function (whose ARN the mapping takes) already waits for.
    new aws.lambda.EventSourceMapping(
      `${name}-worker-trigger`,
      {
        eventSourceArn: args.queue.arn,
        functionName: worker.fn.arn,
        batchSize: VOICEMAIL_QUEUE.batchSize,
        functionResponseTypes: [...VOICEMAIL_QUEUE.functionResponseTypes],
        tags,
      },
      parent,
    );

    // --- alarms: a voicemail that did not reach its mailbox, or whose audio stayed in Twilio
    const alarm = (key: string, description: string, metric: Parameters<typeof countAlarm>[4], threshold?: number) =>
      countAlarm(`${name}-${key}-alarm`, this, args.alarmTopicArn, description, metric, tags, threshold);
    alarm(
      'dead-letters',
      'A voicemail could not be emailed after every retry: it waits in the dead-letter queue (see README, Voicemail to email)',
      queueMetric('ApproximateNumberOfMessagesVisible', args.queue.deadLetterName),
    );
    // Init failures (a bad setting, the runtime) fail whole batches; partial batch failures are
    // not Lambda errors, hence the dead-letter alarm above.
    alarm('worker-errors', 'The sipline voicemail worker failed (voicemails wait in the queue and are retried)', lambdaMetric('Errors', worker.fn.name));
    // A queue that stops draining (its trigger disabled, its permission gone) fails no job and
    // dead-letters none: its oldest job's age is what shows it, well before the 4 days it is kept.
    alarm(
      'queue-stalled',
      'Voicemail jobs wait in the queue for over an hour: the worker is not taking them (check its trigger and role)',
      queueMetric('ApproximateAgeOfOldestMessage', args.queue.name),
      QUEUE_STALLED_SECONDS,
    );
    alarm(
      'recordings-kept',
      'A voicemail was emailed, but its recording could not be deleted from Twilio (delete it by hand: personal data)',
      siplineMetric(METRIC_SERVICES.voicemail, args.stack, VOICEMAIL_METRICS.deleteFailures),
    );

    this.workerFunctionName = worker.fn.name;
    this.workerLogGroupName = worker.logGroup.name;
    this.registerOutputs({ workerFunctionName: this.workerFunctionName, workerLogGroupName: this.workerLogGroupName });
  }
}

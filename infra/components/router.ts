/**
 * The call router on AWS: the Lambda behind an HTTP API that Twilio asks for TwiML, the
 * Twilio auth token it checks signatures with (in Secrets Manager), its logs, and alarms.
 *
 *   Twilio --POST /voice/<route>--> HTTP API ($default stage) --> router Lambda
 *     (every route of lambda/routes.ts: the voice URLs, the URLs the    |-- reads the token secret
 *      router writes into its TwiML, the status callback; all ANY, so   |-- logs (and EMF metrics)
 *      a GET reaches the router too, which answers it 405)              '-- SendMessage: voicemail queue
 *   voicemail queue --(5 failures)--> dead-letter queue      (the worker: infra/components/voicemail.ts)
 *   Lambda errors, throttles, API 5xx, unqueued voicemails --> CloudWatch alarms --> SNS topic (--> email)
 *
 *   Twilio --POST /voice/fallback--> same API --> fallback Lambda (apologise, hang up)
 *   (Twilio asks the fallback URL when the voice URL failed: 5xx, timeout, unreachable.)
 *   each of Twilio's fallback requests (signature checked) --> CloudWatch alarm --> SNS topic
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { RouterDirectory } from '../../lambda/directory';
import { FALLBACK_METHOD, FALLBACK_ROUTE, ROUTER_METHOD, routeKey, ROUTES, type RouteMethod } from '../../lambda/routes';
import { FALLBACK_METRICS, FALLBACK_SIGNATURE_DIMENSION, METRIC_SERVICES, ROUTER_METRICS, type FallbackSignature } from '../../lambda/metrics';
import { VOICEMAIL_DEAD_LETTER_QUEUE, VOICEMAIL_QUEUE } from '../../lambda/voicemail/queue';
import { lambdaFunctionName } from '../naming';
import { countAlarm, lambdaMetric, siplineMetric, type AlarmMetric } from './alarms';
import { lambdaFunction, type LambdaFunction, type LambdaFunctionArgs } from './lambdaFunction';
import { storedSecret } from './storedSecret';

/**
 * The router's routes (the one list, lambda/routes.ts: each an ANY route to the router) and the
 * fallback's, with their methods: defined beside the handler that serves them, so the router's
 * tests build the events these routes send without loading the Pulumi program.
 */
export { FALLBACK_METHOD, FALLBACK_ROUTE, ROUTER_METHOD, routeKey, ROUTES, type RouteMethod };

/** The HTTP API's stage. `$default` serves at the API's root: no stage prefix in any URL. */
export const STAGE = '$default';

export interface RouterArgs {
  /** The router's code files by name (lambda/build.ts `routerCodeFiles`): `index.js` and what it loads. */
  codeFiles: Record<string, string>;
  /** The voice fallback's bundle (lambda/fallback/build.ts `bundleFallback`), `index.js` in its archive. */
  fallbackCode: string;
  /** The routing directory, `router-config.json` in the archive. */
  directory: RouterDirectory;
  /** A pulumi secret. Goes into Secrets Manager, never into the Lambda's environment. */
  twilioAuthToken: pulumi.Input<string>;
  /**
   * Start of both Lambdas' physical names, e.g. `sipline-dev`: the functions are
   * `<prefix>-router-<suffix>` and `<prefix>-fallback-<suffix>` with a random suffix per stack,
   * and each logs to `/aws/lambda/<its name>` (naming.ts).
   */
  namePrefix: string;
  logRetentionInDays?: number;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Who hears about alarms; absent: the topic has no subscriber (subscribe later by hand). */
  alarmEmail?: string;
  /** The Pulumi stack: the `stack` dimension of the router's metrics (SIPLINE_STACK). */
  stack: string;
  /**
   * Whether voicemails are emailed: then the router gets a queue to hand their jobs to (and its
   * dead-letter queue), which the Voicemail component's worker consumes.
   */
  voicemailQueue?: boolean;
  tags?: Record<string, string>;
}

/** An HTTP API route's Pulumi name part for a route: `afterDial` -> `after-dial`. */
export function routeResourceKey(route: string): string {
  return route.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The Lambda's code archive. Same inputs, same bytes: no timestamps, fixed key order. */
export function routerArchiveFiles(codeFiles: Record<string, string>, directory: RouterDirectory): Record<string, string> {
  return {
    ...codeFiles,
    'router-config.json': JSON.stringify(directory, null, 2),
  };
}

/**
 * Source ARN of the permission that lets API Gateway invoke a Lambda on one route.
 * Invocations come from arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>
 * (executionArn is everything before the first `/`): any stage, this path only, and the
 * route's method, or `*` (any method) for an ANY route.
 */
export function routeSourceArn(executionArn: string, method: RouteMethod, path: string): string {
  return `${executionArn}/*/${method === 'ANY' ? '*' : method}${path}`;
}

/** A route a webhook Lambda serves. */
interface WebhookRoute {
  /** Names its Route `<component>-route-<key>` and its Permission `<component>-invoke-<key>`. */
  key: string;
  method: RouteMethod;
  path: string;
}

interface WebhookLambdaArgs extends Omit<LambdaFunctionArgs, 'names'> {
  /**
   * Pulumi names of the Lambda's resources. They are part of the URNs of deployed stacks (a new
   * name is a delete and a create), so they are given as first deployed, not derived.
   */
  names: LambdaFunctionArgs['names'] & { integration: string };
  routes: WebhookRoute[];
}

interface WebhookLambda extends LambdaFunction {
  routes: aws.apigatewayv2.Route[];
  permissions: aws.lambda.Permission[];
}

/**
 * A Lambda that answers Twilio's webhooks on some of the API's routes: the function
 * (lambdaFunction.ts), its AWS_PROXY integration, and per route the Route and the Permission
 * that lets API Gateway invoke it there. The router and the fallback are both built by it, so
 * the two cannot drift apart on payload format or how narrowly API Gateway may invoke them.
 * Each resource is a direct child of `parent`, under the name it was first deployed with.
 */
function webhookLambda(component: string, parent: pulumi.Resource, api: aws.apigatewayv2.Api, args: WebhookLambdaArgs): WebhookLambda {
  const opts = { parent };
  const lambda = lambdaFunction(parent, args);
  const { fn } = lambda;

  const integration = new aws.apigatewayv2.Integration(
    args.names.integration,
    {
      apiId: api.id,
      integrationType: 'AWS_PROXY',
      // How API Gateway calls Lambda's Invoke API (always POST), whatever the route's method.
      integrationMethod: 'POST',
      integrationUri: fn.arn,
      payloadFormatVersion: '2.0',
    },
    opts,
  );

  const routes: aws.apigatewayv2.Route[] = [];
  const permissions: aws.lambda.Permission[] = [];
  for (const { key, method, path } of args.routes) {
    routes.push(
      new aws.apigatewayv2.Route(
        `${component}-route-${key}`,
        { apiId: api.id, routeKey: routeKey(method, path), target: pulumi.interpolate`integrations/${integration.id}` },
        opts,
      ),
    );
    // Scoped to this API, this path and the route's method: nothing else may invoke the Lambda.
    permissions.push(
      new aws.lambda.Permission(
        `${component}-invoke-${key}`,
        {
          action: 'lambda:InvokeFunction',
          function: fn.name,
          principal: 'apigateway.amazonaws.com',
          sourceArn: api.executionArn.apply((arn) => routeSourceArn(arn, method, path)),
        },
        opts,
      ),
    );
  }
  return { ...lambda, routes, permissions };
}

/** The voicemail queue (the worker consumes it) and its dead-letter queue (alarmed on, redriven by hand). */
export interface VoicemailQueueOutputs {
  arn: pulumi.Output<string>;
  name: pulumi.Output<string>;
  deadLetterArn: pulumi.Output<string>;
  deadLetterName: pulumi.Output<string>;
}

export class Router extends pulumi.ComponentResource {
  /** The API's base URL, no trailing slash, e.g. https://abc123.execute-api.us-east-1.amazonaws.com. */
  public readonly apiUrl: pulumi.Output<string>;
  public readonly outboundVoiceUrl: pulumi.Output<string>;
  public readonly inboundVoiceUrl: pulumi.Output<string>;
  /** Twilio's voice fallback URL for the domain and every number (API URL + /voice/fallback). */
  public readonly fallbackUrl: pulumi.Output<string>;
  /** The status callback of the domain and every number (API URL + /voice/status). */
  public readonly statusCallbackUrl: pulumi.Output<string>;
  public readonly apiId: pulumi.Output<string>;
  /** The AWS region and account the router runs in. */
  public readonly region: pulumi.Output<string>;
  public readonly accountId: pulumi.Output<string>;
  /** The random end of the stack's Lambda names (naming.ts lambdaFunctionName). */
  public readonly nameSuffix: pulumi.Output<string>;
  /** The voicemail queue and its dead-letter queue, when voicemails are emailed. */
  public readonly voicemailQueue?: VoicemailQueueOutputs;
  public readonly fallbackFunctionName: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly secretArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly fallbackLogGroupName: pulumi.Output<string>;
  public readonly alarmTopicArn: pulumi.Output<string>;

  constructor(name: string, args: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sipline:index:Router', name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags;

    // --- the auth token: Secrets Manager, read by this Lambda only
    const { secret, version: secretVersion } = storedSecret(
      `${name}-twilio-auth-token`,
      this,
      'Twilio auth token the sipline router checks X-Twilio-Signature with',
      args.twilioAuthToken,
      tags,
    );

    // --- the API first: the router's PUBLIC_BASE_URL is its endpoint
    const api = new aws.apigatewayv2.Api(
      `${name}-api`,
      { protocolType: 'HTTP', description: 'Twilio voice webhooks for sipline', tags },
      parent,
    );

    // The Lambdas' names end in a suffix random per stack (and kept in its state), as Pulumi's
    // own auto-names do: two projects, or two copies of this one, with a stack of the same name
    // in one account never share a function or a log group.
    const suffix = new random.RandomId(`${name}-name-suffix`, { byteLength: 4 }, parent).hex;
    const functionName = (role: string) => suffix.apply((hex) => lambdaFunctionName(args.namePrefix, role, hex));

    // One value for the Lambda's PUBLIC_BASE_URL and for every URL handed to Twilio, so the
    // router validates signatures against exactly what Twilio signs. HTTP APIs' endpoint has
    // no trailing slash; stripping one anyway keeps `${base}/voice/...` from ever doubling it.
    const baseUrl = api.apiEndpoint.apply((url) => url.replace(/\/+$/, ''));

    // --- the voicemail queue: the router hands each recorded voicemail's job to it (a signed
    // recording callback, then one SendMessage); the Voicemail component's worker emails it.
    // Settings shared with the worker's tests (lambda/voicemail/queue.ts).
    let voicemail: { queue: aws.sqs.Queue; deadLetters: aws.sqs.Queue } | undefined;
    if (args.voicemailQueue) {
      const deadLetters = new aws.sqs.Queue(
        `${name}-voicemail-dead-letters`,
        { messageRetentionSeconds: VOICEMAIL_DEAD_LETTER_QUEUE.messageRetentionSeconds, sqsManagedSseEnabled: true, tags },
        parent,
      );
      const queue = new aws.sqs.Queue(
        `${name}-voicemail-queue`,
        {
          visibilityTimeoutSeconds: VOICEMAIL_QUEUE.visibilityTimeoutSeconds,
          messageRetentionSeconds: VOICEMAIL_QUEUE.messageRetentionSeconds,
          // A message that failed maxReceiveCount times waits in the dead-letter queue (alarmed).
          redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: VOICEMAIL_QUEUE.maxReceiveCount }),
          sqsManagedSseEnabled: true,
          tags,
        },
        parent,
      );
      voicemail = { queue, deadLetters };
    }

    /** What both webhook Lambdas (the router and the fallback) find in their environment. */
    const webhookEnvironment = (service: string) => ({
      // Exactly the base Twilio was given (the URLs below), so signatures validate.
      PUBLIC_BASE_URL: baseUrl,
      // The ARN, never the token: environment variables show in the console and in
      // `pulumi stack export`.
      TWILIO_AUTH_TOKEN_SECRET_ARN: secret.arn,
      // Not secret, and unused by the code: a new token (a new secret version) changes the
      // function's configuration, so no warm instance keeps checking signatures with the old
      // token after a rotation.
      TWILIO_AUTH_TOKEN_VERSION: secretVersion.versionId,
      POWERTOOLS_SERVICE_NAME: service,
      POWERTOOLS_LOG_LEVEL: args.logLevel ?? 'INFO',
      // The `stack` dimension of its metrics (lambda/metrics.ts).
      SIPLINE_STACK: args.stack,
    });

    const router = webhookLambda(name, this, api, {
      names: { logs: `${name}-logs`, role: `${name}-role`, policy: `${name}-policy`, function: `${name}-function`, integration: `${name}-integration` },
      functionName: functionName('router'),
      logRetentionInDays: args.logRetentionInDays ?? 30,
      roleDescription: 'sipline router Lambda',
      // Besides its logs, its own secret and the voicemail queue, nothing else.
      statements: [
        { Sid: 'ReadTwilioAuthToken', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.arn },
        ...(voicemail ? [{ Sid: 'QueueVoicemails', Effect: 'Allow' as const, Action: 'sqs:SendMessage', Resource: voicemail.queue.arn }] : []),
      ],
      description: 'sipline call router: answers Twilio voice webhooks with TwiML',
      files: routerArchiveFiles(args.codeFiles, args.directory),
      memorySize: 256,
      // Twilio gives a webhook 15 s; answering within 10 s or failing leaves it time to
      // play its error message instead of a dead line.
      timeout: 10,
      environment: {
        variables: {
          ...webhookEnvironment(METRIC_SERVICES.router),
          ...(voicemail ? { VOICEMAIL_QUEUE_URL: voicemail.queue.url } : {}),
        },
      },
      // The first call after `pulumi up` must also find a value in its secret.
      dependsOn: [secretVersion],
      routes: Object.entries(ROUTES).map(([route, path]) => ({ key: routeResourceKey(route), method: ROUTER_METHOD, path })),
      tags,
    });

    // --- the voice fallback: a second, minimal Lambda (lambda/fallback/). Twilio asks it when
    // the router failed (5xx such as the router's 503 when its token cannot be loaded, a crash,
    // a timeout, a throttle), so it answers without anything the router could have failed on: no
    // directory, no routing, its own role and log group, and its apology built at deploy time. It
    // may read the token, only to tell Twilio's requests from forged ones for its alarm; without
    // it (in time) it still apologises.
    const fallback = webhookLambda(name, this, api, {
      // `${name}-fallback`, not `${name}-fallback-function`: the name it was first deployed under.
      names: {
        logs: `${name}-fallback-logs`,
        role: `${name}-fallback-role`,
        policy: `${name}-fallback-policy`,
        function: `${name}-fallback`,
        integration: `${name}-fallback-integration`,
      },
      functionName: functionName('fallback'),
      logRetentionInDays: args.logRetentionInDays ?? 30,
      roleDescription: 'sipline voice fallback Lambda',
      statements: [{ Sid: 'ReadTwilioAuthToken', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.arn }],
      description: 'sipline voice fallback: apologises and hangs up when the router failed',
      files: { 'index.js': args.fallbackCode },
      memorySize: 128,
      // It answers a constant; Twilio's 15 s webhook budget is already partly spent by the
      // voice URL that failed.
      timeout: 3,
      environment: { variables: webhookEnvironment(METRIC_SERVICES.fallback) },
      routes: [{ key: 'fallback', method: FALLBACK_METHOD, path: FALLBACK_ROUTE }],
      tags,
    });

    const stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: api.id,
        name: STAGE,
        autoDeploy: true,
        // A ceiling on what a flood of requests (signed or not) can cost; far above what
        // 1,000 phones place.
        defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 25 },
        tags,
      },
      { parent: this, dependsOn: [...router.routes, ...fallback.routes] },
    );

    // --- alarms
    const topic = new aws.sns.Topic(`${name}-alarms`, { displayName: 'sipline router alarms', tags }, parent);
    if (args.alarmEmail !== undefined) {
      // Email subscriptions stay "pending confirmation" until the recipient clicks the link.
      new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: 'email', endpoint: args.alarmEmail }, parent);
    }
    const alarm = (key: string, description: string, metric: AlarmMetric) => countAlarm(`${name}-${key}-alarm`, this, topic.arn, description, metric, tags);
    alarm('errors', 'The sipline router failed (callers heard Twilio\'s error message)', lambdaMetric('Errors', router.fn.name));
    alarm('throttles', 'The sipline router was throttled (calls were not answered)', lambdaMetric('Throttles', router.fn.name));
    // Every call Twilio sent to the fallback is a call the router failed, whatever the reason: one
    // is enough. Counted by the fallback itself, by signature (lambda/metrics.ts): forged POSTs
    // to its public URL are not Twilio's and page no one. Nor do requests it could not check in
    // time: a failure that made the token unreadable shows as the router's 503s (the API 5xx
    // alarm) or errors, and a forger must not be able to page by sending a signature header.
    const signature: FallbackSignature = 'valid';
    alarm(
      'fallback',
      'Twilio used the voice fallback (the router failed a call; the caller heard an apology)',
      siplineMetric(METRIC_SERVICES.fallback, args.stack, FALLBACK_METRICS.answers, { [FALLBACK_SIGNATURE_DIMENSION]: signature }),
    );
    // HTTP APIs publish `5xx` (not REST APIs' `5XXError`). By ApiId alone: the API has one
    // stage, and the per-API series needs no guess at how `$default` is spelt as a dimension.
    alarm('api-5xx', 'The sipline webhook API answered Twilio with 5xx', {
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensions: { ApiId: api.id },
    });

    if (voicemail) {
      // The recording stays in Twilio, but nobody will be emailed it.
      alarm(
        'voicemail-enqueue',
        'A voicemail could not be queued for email (its recording stays in Twilio; see README, Voicemail to email)',
        siplineMetric(METRIC_SERVICES.router, args.stack, ROUTER_METRICS.voicemailEnqueueFailures),
      );
    }

    // The webhook URLs (the fallback's too) resolve only once the stage is deployed and API
    // Gateway may invoke both Lambdas (every permission, the fallback's included), so whatever
    // is given them (the Twilio side) waits until a call can succeed.
    const served = pulumi.all([stage.id, ...router.permissions.map((p) => p.id), ...fallback.permissions.map((p) => p.id)]);
    const urlOf = (route: string) => pulumi.all([baseUrl, served]).apply(([base]) => `${base}${route}`);
    this.apiUrl = baseUrl;
    this.outboundVoiceUrl = urlOf(ROUTES.outbound);
    this.inboundVoiceUrl = urlOf(ROUTES.inbound);
    this.fallbackUrl = urlOf(FALLBACK_ROUTE);
    this.statusCallbackUrl = urlOf(ROUTES.status);
    this.apiId = api.id;
    this.nameSuffix = suffix;
    // arn:aws:lambda:<region>:<account>:function:<name>
    this.region = router.fn.arn.apply((arn) => arn.split(':')[3]);
    this.accountId = router.fn.arn.apply((arn) => arn.split(':')[4]);
    if (voicemail) {
      this.voicemailQueue = { arn: voicemail.queue.arn, name: voicemail.queue.name, deadLetterArn: voicemail.deadLetters.arn, deadLetterName: voicemail.deadLetters.name };
    }
    this.fallbackFunctionName = fallback.fn.name;
    this.functionName = router.fn.name;
    this.functionArn = router.fn.arn;
    this.secretArn = secret.arn;
    this.logGroupName = router.logGroup.name;
    this.fallbackLogGroupName = fallback.logGroup.name;
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({
      apiUrl: this.apiUrl,
      outboundVoiceUrl: this.outboundVoiceUrl,
      inboundVoiceUrl: this.inboundVoiceUrl,
      fallbackUrl: this.fallbackUrl,
      statusCallbackUrl: this.statusCallbackUrl,
      apiId: this.apiId,
      region: this.region,
      accountId: this.accountId,
      voicemailQueue: this.voicemailQueue,
      fallbackFunctionName: this.fallbackFunctionName,
      functionName: this.functionName,
      functionArn: this.functionArn,
      secretArn: this.secretArn,
      logGroupName: this.logGroupName,
      fallbackLogGroupName: this.fallbackLogGroupName,
      alarmTopicArn: this.alarmTopicArn,
    });
  }
}

/**
 * The call router on AWS: the Lambda behind an HTTP API that Twilio asks for TwiML, the
 * Twilio auth token it checks signatures with (in Secrets Manager), its logs, and alarms.
 *
 *   Twilio --POST /voice/outbound|inbound--> HTTP API ($default stage) --> Lambda
 *                                                                          |-- reads the token secret
 *                                                                          '-- logs to its log group
 *   Lambda errors, throttles, API 5xx --> CloudWatch alarms --> SNS topic (--> email)
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { RouterDirectory } from '../../lambda/directory';

/** The router's routes (the router contract, lambda/handler.ts). */
export const ROUTES = {
  outbound: '/voice/outbound',
  inbound: '/voice/inbound',
} as const;

/** The HTTP API's stage. `$default` serves at the API's root: no stage prefix in any URL. */
export const STAGE = '$default';

export interface RouterArgs {
  /** The router's esbuild bundle (lambda/build.ts `bundleRouter`), `index.js` in the archive. */
  code: string;
  /** The routing directory, `router-config.json` in the archive. */
  directory: RouterDirectory;
  /** A pulumi secret. Goes into Secrets Manager, never into the Lambda's environment. */
  twilioAuthToken: pulumi.Input<string>;
  /** Name of the Lambda's log group; one per stack (e.g. /aws/lambda/sipline-dev-router). */
  logGroupName: string;
  logRetentionInDays?: number;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Who hears about alarms; absent: the topic has no subscriber (subscribe later by hand). */
  alarmEmail?: string;
  tags?: Record<string, string>;
}

/** The Lambda's code archive. Same inputs, same bytes: no timestamps, fixed key order. */
export function routerArchiveFiles(code: string, directory: RouterDirectory): Record<string, string> {
  return {
    'index.js': code,
    'router-config.json': JSON.stringify(directory, null, 2),
  };
}

/** Source ARN of the permission that lets API Gateway invoke the Lambda on one route. */
export function routeSourceArn(executionArn: string, route: string): string {
  // execute-api ARNs: <executionArn>/<stage>/<METHOD>/<path>; any stage, POST, this path only.
  return `${executionArn}/*/POST${route}`;
}

export class Router extends pulumi.ComponentResource {
  /** The API's base URL, no trailing slash, e.g. https://abc123.execute-api.us-east-1.amazonaws.com. */
  public readonly apiUrl: pulumi.Output<string>;
  public readonly outboundVoiceUrl: pulumi.Output<string>;
  public readonly inboundVoiceUrl: pulumi.Output<string>;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly secretArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly alarmTopicArn: pulumi.Output<string>;

  constructor(name: string, args: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('sipline:index:Router', name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags;

    // --- the auth token: Secrets Manager, read by this Lambda only
    const secret = new aws.secretsmanager.Secret(
      `${name}-twilio-auth-token`,
      {
        description: 'Twilio auth token the sipline router checks X-Twilio-Signature with',
        // Short window: a destroyed stack's secret is gone within a week; the name is
        // auto-generated, so a new stack never waits for it.
        recoveryWindowInDays: 7,
        tags,
      },
      parent,
    );
    const secretVersion = new aws.secretsmanager.SecretVersion(
      `${name}-twilio-auth-token`,
      { secretId: secret.id, secretString: pulumi.secret(args.twilioAuthToken) },
      parent,
    );

    // --- logs: explicit group, so retention is ours and the role can be scoped to it
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: args.logGroupName, retentionInDays: args.logRetentionInDays ?? 30, tags },
      parent,
    );

    // --- the role: write to its own log group, read its own secret, nothing else
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: 'sipline router Lambda',
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WriteOwnLogs',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              // The group exists (above), so no logs:CreateLogGroup; streams live under `<arn>:*`.
              Resource: pulumi.interpolate`${logGroup.arn}:*`,
            },
            {
              Sid: 'ReadTwilioAuthToken',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: secret.arn,
            },
          ],
        }),
      },
      parent,
    );

    // --- the API first: the Lambda's PUBLIC_BASE_URL is its endpoint
    const api = new aws.apigatewayv2.Api(
      `${name}-api`,
      { protocolType: 'HTTP', description: 'Twilio voice webhooks for sipline', tags },
      parent,
    );

    // One value for the Lambda's PUBLIC_BASE_URL and for every URL handed to Twilio, so the
    // router validates signatures against exactly what Twilio signs. HTTP APIs' endpoint has
    // no trailing slash; stripping one anyway keeps `${base}/voice/...` from ever doubling it.
    const baseUrl = api.apiEndpoint.apply((url) => url.replace(/\/+$/, ''));

    const files = routerArchiveFiles(args.code, args.directory);
    const fn = new aws.lambda.Function(
      `${name}-function`,
      {
        description: 'sipline call router: answers Twilio voice webhooks with TwiML',
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ['arm64'],
        handler: 'index.handler',
        role: role.arn,
        code: new pulumi.asset.AssetArchive(
          Object.fromEntries(Object.entries(files).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
        ),
        memorySize: 256,
        // Twilio gives a webhook 15 s; answering within 10 s or failing leaves it time to
        // play its error message instead of a dead line.
        timeout: 10,
        environment: {
          variables: {
            // Exactly the base Twilio was given (the URLs below), so signatures validate.
            PUBLIC_BASE_URL: baseUrl,
            // The ARN, never the token: environment variables show in the console and in
            // `pulumi stack export`.
            TWILIO_AUTH_TOKEN_SECRET_ARN: secret.arn,
            // Not secret, and unused by the router: a new token (a new secret version) changes
            // the function's configuration, so no warm instance keeps checking signatures with
            // the old token after a rotation.
            TWILIO_AUTH_TOKEN_VERSION: secretVersion.versionId,
            POWERTOOLS_SERVICE_NAME: 'sipline-router',
            POWERTOOLS_LOG_LEVEL: args.logLevel ?? 'INFO',
          },
        },
        loggingConfig: { logFormat: 'Text', logGroup: logGroup.name },
        tags,
      },
      // The first call after `pulumi up` must find its permissions, its log group and a value
      // in its secret.
      { parent: this, dependsOn: [policy, logGroup, secretVersion] },
    );

    const integration = new aws.apigatewayv2.Integration(
      `${name}-integration`,
      {
        apiId: api.id,
        integrationType: 'AWS_PROXY',
        integrationMethod: 'POST',
        integrationUri: fn.arn,
        payloadFormatVersion: '2.0',
      },
      parent,
    );
    const permissions: aws.lambda.Permission[] = [];
    const routes = Object.entries(ROUTES).map(([key, path]) => {
      const route = new aws.apigatewayv2.Route(
        `${name}-route-${key}`,
        { apiId: api.id, routeKey: `POST ${path}`, target: pulumi.interpolate`integrations/${integration.id}` },
        parent,
      );
      // Scoped to this API, POST and this path: nothing else may invoke the router.
      const permission = new aws.lambda.Permission(
        `${name}-invoke-${key}`,
        {
          action: 'lambda:InvokeFunction',
          function: fn.name,
          principal: 'apigateway.amazonaws.com',
          sourceArn: api.executionArn.apply((arn) => routeSourceArn(arn, path)),
        },
        parent,
      );
      permissions.push(permission);
      return route;
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
      { parent: this, dependsOn: routes },
    );

    // --- alarms
    const topic = new aws.sns.Topic(`${name}-alarms`, { displayName: 'sipline router alarms', tags }, parent);
    if (args.alarmEmail !== undefined) {
      // Email subscriptions stay "pending confirmation" until the recipient clicks the link.
      new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: 'email', endpoint: args.alarmEmail }, parent);
    }
    const alarm = (key: string, description: string, metric: Pick<aws.cloudwatch.MetricAlarmArgs, 'namespace' | 'metricName' | 'dimensions'>) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${key}-alarm`,
        {
          alarmDescription: description,
          ...metric,
          statistic: 'Sum',
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          // No traffic is no problem.
          treatMissingData: 'notBreaching',
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          tags,
        },
        parent,
      );
    alarm('errors', 'The sipline router failed (callers heard Twilio\'s error message)', {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: fn.name },
    });
    alarm('throttles', 'The sipline router was throttled (calls were not answered)', {
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: fn.name },
    });
    // HTTP APIs publish `5xx` (not REST APIs' `5XXError`) with ApiId and Stage dimensions.
    alarm('api-5xx', 'The sipline webhook API answered Twilio with 5xx', {
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensions: { ApiId: api.id, Stage: STAGE },
    });

    // The webhook URLs resolve only once the stage is deployed and API Gateway may invoke the
    // Lambda, so whatever is given them (the Twilio side) waits until a call can succeed.
    const served = pulumi.all([stage.id, ...permissions.map((p) => p.id)]);
    const urlOf = (route: string) => pulumi.all([baseUrl, served]).apply(([base]) => `${base}${route}`);
    this.apiUrl = baseUrl;
    this.outboundVoiceUrl = urlOf(ROUTES.outbound);
    this.inboundVoiceUrl = urlOf(ROUTES.inbound);
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.secretArn = secret.arn;
    this.logGroupName = logGroup.name;
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({
      apiUrl: this.apiUrl,
      outboundVoiceUrl: this.outboundVoiceUrl,
      inboundVoiceUrl: this.inboundVoiceUrl,
      functionName: this.functionName,
      functionArn: this.functionArn,
      secretArn: this.secretArn,
      logGroupName: this.logGroupName,
      alarmTopicArn: this.alarmTopicArn,
    });
  }
}

/**
 * The call router on AWS: the Lambda behind an HTTP API that Twilio asks for TwiML, the
 * Twilio auth token it checks signatures with (in Secrets Manager), its logs, and alarms.
 *
 *   Twilio --POST /voice/outbound|inbound--> HTTP API ($default stage) --> Lambda
 *   (routes: ANY; the router itself answers other methods 405)
 *                                                                          |-- reads the token secret
 *                                                                          '-- logs to its log group
 *   Lambda errors, throttles, API 5xx --> CloudWatch alarms --> SNS topic (--> email)
 *
 *   Twilio --POST /voice/fallback--> same API --> fallback Lambda (static TwiML: apologise, hang up)
 *   (Twilio asks the fallback URL when the voice URL failed: 5xx, timeout, unreachable.)
 *   any fallback invocation --> CloudWatch alarm --> SNS topic
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { RouterDirectory } from '../../lambda/directory';
import { sayAndHangUp } from '../../lambda/voiceResponse';

/** The router's routes (the router contract, lambda/handler.ts). */
export const ROUTES = {
  outbound: '/voice/outbound',
  inbound: '/voice/inbound',
} as const;

/** An HTTP API route key's method: one method, or ANY. */
export type RouteMethod = 'ANY' | 'POST';

/**
 * ANY, not POST: lambda/handler.ts answers a non-POST request on its routes 405 with
 * `Allow: POST`, but only if the request reaches it. With `POST` routes API Gateway answers
 * a GET itself, with its own 404, and the Lambda never sees it. The router still accepts
 * nothing but a signed POST.
 */
export const ROUTER_METHOD: RouteMethod = 'ANY';

/**
 * POST, the one method Twilio uses for it (voiceFallbackMethod). Not ANY: the fallback Lambda
 * answers every request 200 and every invocation raises an alarm, so letting a crawler's GET
 * through would page someone for nothing; API Gateway's own 404 answers those.
 */
export const FALLBACK_METHOD: RouteMethod = 'POST';

/**
 * The fallback's route. Not one of ROUTES: it is served by the fallback Lambda, never by the
 * router (lambda/handler.ts answers 404 on it).
 */
export const FALLBACK_ROUTE = '/voice/fallback';

/** What a caller hears when the router failed (Twilio then asked the fallback URL). */
export const FALLBACK_MESSAGE = 'Sorry, we cannot connect your call right now. Please try again in a few minutes.';

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
  /** Name of the fallback Lambda's log group; default `${logGroupName}-fallback`. */
  fallbackLogGroupName?: string;
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

/**
 * The fallback Lambda's code: one CommonJS file that answers every request with `twiml`.
 * The document is rendered at deploy time (sayAndHangUp, so escaping stays VoiceResponse's
 * job) and embedded as a string literal: no dependencies, no files to read, no secret, no
 * directory, nothing at cold start that could fail the way the router did. Same input, same
 * bytes.
 */
export function fallbackHandlerSource(twiml: string): string {
  return [
    "'use strict';",
    '// sipline voice fallback (infra/components/router.ts): Twilio asks this URL when the router',
    '// failed. It does not check X-Twilio-Signature: it needs no token (the router may have',
    '// failed precisely because it could not load one), and all it ever does is apologise and',
    '// hang up, so a forged request gets nothing to abuse.',
    `const TWIML = ${JSON.stringify(twiml)};`,
    '',
    '/** Twilio posts ErrorCode (e.g. 11200, 11205) and CallSid: one log line ties the call to the failure. */',
    'function describe(event) {',
    '  try {',
    "    const raw = event && typeof event.body === 'string' ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';",
    '    const params = new URLSearchParams(raw);',
    "    const field = (name) => (params.get(name) || '').slice(0, 64) || undefined;",
    "    return { callSid: field('CallSid'), errorCode: field('ErrorCode') };",
    '  } catch {',
    '    return {};',
    '  }',
    '}',
    '',
    'exports.handler = async (event) => {',
    "  console.log(JSON.stringify({ message: 'voice fallback answered', ...describe(event) }));",
    "  return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: TWIML };",
    '};',
    '',
  ].join('\n');
}

/** The fallback Lambda's code archive. */
export function fallbackArchiveFiles(message: string = FALLBACK_MESSAGE): Record<string, string> {
  return { 'index.js': fallbackHandlerSource(sayAndHangUp(message)) };
}

/** An HTTP API route key, e.g. `ANY /voice/outbound`. */
export function routeKey(method: RouteMethod, path: string): string {
  return `${method} ${path}`;
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

export class Router extends pulumi.ComponentResource {
  /** The API's base URL, no trailing slash, e.g. https://abc123.execute-api.us-east-1.amazonaws.com. */
  public readonly apiUrl: pulumi.Output<string>;
  public readonly outboundVoiceUrl: pulumi.Output<string>;
  public readonly inboundVoiceUrl: pulumi.Output<string>;
  /** Twilio's voice fallback URL for the domain and every number (API URL + /voice/fallback). */
  public readonly fallbackUrl: pulumi.Output<string>;
  public readonly fallbackFunctionName: pulumi.Output<string>;
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
        { apiId: api.id, routeKey: routeKey(ROUTER_METHOD, path), target: pulumi.interpolate`integrations/${integration.id}` },
        parent,
      );
      // Scoped to this API and this path (any method: the route is ANY): nothing else may
      // invoke the router.
      const permission = new aws.lambda.Permission(
        `${name}-invoke-${key}`,
        {
          action: 'lambda:InvokeFunction',
          function: fn.name,
          principal: 'apigateway.amazonaws.com',
          sourceArn: api.executionArn.apply((arn) => routeSourceArn(arn, ROUTER_METHOD, path)),
        },
        parent,
      );
      permissions.push(permission);
      return route;
    });

    // --- the voice fallback: a second, minimal Lambda with nothing in common with the router
    // but the API. Twilio asks it when the router failed (5xx such as the router's 503 when its
    // token cannot be loaded, a crash, a timeout, a throttle), so it shares none of what could
    // have failed: no secret, no directory, no dependencies, its own role and log group.
    const fallbackLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-fallback-logs`,
      { name: args.fallbackLogGroupName ?? `${args.logGroupName}-fallback`, retentionInDays: args.logRetentionInDays ?? 30, tags },
      parent,
    );
    const fallbackRole = new aws.iam.Role(
      `${name}-fallback-role`,
      {
        description: 'sipline voice fallback Lambda',
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        tags,
      },
      parent,
    );
    const fallbackPolicy = new aws.iam.RolePolicy(
      `${name}-fallback-policy`,
      {
        role: fallbackRole.id,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WriteOwnLogs',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: pulumi.interpolate`${fallbackLogGroup.arn}:*`,
            },
          ],
        }),
      },
      parent,
    );
    const fallbackFiles = fallbackArchiveFiles();
    const fallbackFn = new aws.lambda.Function(
      `${name}-fallback`,
      {
        description: 'sipline voice fallback: apologises and hangs up when the router failed',
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ['arm64'],
        handler: 'index.handler',
        role: fallbackRole.arn,
        code: new pulumi.asset.AssetArchive(
          Object.fromEntries(Object.entries(fallbackFiles).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])),
        ),
        memorySize: 128,
        // It returns a constant; Twilio's 15 s webhook budget is already partly spent by the
        // voice URL that failed.
        timeout: 3,
        loggingConfig: { logFormat: 'Text', logGroup: fallbackLogGroup.name },
        tags,
      },
      { parent: this, dependsOn: [fallbackPolicy, fallbackLogGroup] },
    );
    const fallbackIntegration = new aws.apigatewayv2.Integration(
      `${name}-fallback-integration`,
      {
        apiId: api.id,
        integrationType: 'AWS_PROXY',
        integrationMethod: 'POST',
        integrationUri: fallbackFn.arn,
        payloadFormatVersion: '2.0',
      },
      parent,
    );
    routes.push(
      new aws.apigatewayv2.Route(
        `${name}-route-fallback`,
        { apiId: api.id, routeKey: routeKey(FALLBACK_METHOD, FALLBACK_ROUTE), target: pulumi.interpolate`integrations/${fallbackIntegration.id}` },
        parent,
      ),
    );
    permissions.push(
      new aws.lambda.Permission(
        `${name}-invoke-fallback`,
        {
          action: 'lambda:InvokeFunction',
          function: fallbackFn.name,
          principal: 'apigateway.amazonaws.com',
          sourceArn: api.executionArn.apply((arn) => routeSourceArn(arn, FALLBACK_METHOD, FALLBACK_ROUTE)),
        },
        parent,
      ),
    );

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
    // Every fallback call is a call the router failed, whatever the reason: one is enough.
    alarm('fallback', 'Twilio used the voice fallback (the router failed a call; the caller heard an apology)', {
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: fallbackFn.name },
    });
    // HTTP APIs publish `5xx` (not REST APIs' `5XXError`). By ApiId alone: the API has one
    // stage, and the per-API series needs no guess at how `$default` is spelt as a dimension.
    alarm('api-5xx', 'The sipline webhook API answered Twilio with 5xx', {
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      dimensions: { ApiId: api.id },
    });

    // The webhook URLs (the fallback's too) resolve only once the stage is deployed and API
    // Gateway may invoke both Lambdas (every permission, the fallback's included), so whatever
    // is given them (the Twilio side) waits until a call can succeed.
    const served = pulumi.all([stage.id, ...permissions.map((p) => p.id)]);
    const urlOf = (route: string) => pulumi.all([baseUrl, served]).apply(([base]) => `${base}${route}`);
    this.apiUrl = baseUrl;
    this.outboundVoiceUrl = urlOf(ROUTES.outbound);
    this.inboundVoiceUrl = urlOf(ROUTES.inbound);
    this.fallbackUrl = urlOf(FALLBACK_ROUTE);
    this.fallbackFunctionName = fallbackFn.name;
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.secretArn = secret.arn;
    this.logGroupName = logGroup.name;
    this.alarmTopicArn = topic.arn;
    this.registerOutputs({
      apiUrl: this.apiUrl,
      outboundVoiceUrl: this.outboundVoiceUrl,
      inboundVoiceUrl: this.inboundVoiceUrl,
      fallbackUrl: this.fallbackUrl,
      fallbackFunctionName: this.fallbackFunctionName,
      functionName: this.functionName,
      functionArn: this.functionArn,
      secretArn: this.secretArn,
      logGroupName: this.logGroupName,
      alarmTopicArn: this.alarmTopicArn,
    });
  }
}

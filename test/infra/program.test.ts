/**
 * The real program (infra/index.ts) under Pulumi mocks: the topology `pulumi up` would create,
 * and the wiring between the AWS router and the Twilio side.
 */
import { bundleRouter } from '../../lambda/build';
import { routeResourceKey, ROUTES } from '../../infra/components/router';
import { bundleFallback } from '../../lambda/fallback/build';
import { parseStackConfig, routerDirectoryFrom } from '../../infra/config';
import { validatePassword } from '../../infra/twilio/validate';
import { MOCK_API_ENDPOINT, MOCK_EXECUTION_ARN, runSipline, SiplineMocks, type RecordedResource, type RunResult } from '../../infra/mocks';
import { ALICE_PASSWORD, archiveFiles, demoConfig, NAMES, SECRET_KEYS, TOKEN, TYPES } from './fixtures';

interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
}

const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

describe('the sipline program with the demo config', () => {
  let run: RunResult;
  let mocks: SiplineMocks;
  const one = (type: string, name?: string) => mocks.one(type, name);
  const all = (type: string) => mocks.ofType(type);

  beforeAll(async () => {
    run = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS });
    mocks = run.mocks;
  });

  describe('components', () => {
    it('declares one Router, one TwilioSip and one Dashboard component, and every resource under one of them', () => {
      const parents = new Set([TYPES.router, TYPES.twilioSip, TYPES.dashboardComponent].map((type) => `${type}::${one(type).name}`));
      expect(all(TYPES.voicemail)).toEqual([]);
      const custom = mocks.resources.filter((r) => r.custom);
      expect(custom.length).toBeGreaterThan(20);
      for (const r of custom) expect({ resource: `${r.type}::${r.name}`, parent: r.parent && parents.has(r.parent) }).toEqual({ resource: `${r.type}::${r.name}`, parent: true });
    });

    it('puts the AWS resources (and the suffix of their names) under the Router and the Twilio resources under TwilioSip', () => {
      const router = one(TYPES.router);
      for (const r of [...mocks.resources.filter((x) => x.type.startsWith('aws:') && x.type !== TYPES.dashboard), one(TYPES.randomId)]) expect(r.parent).toBe(`${router.type}::${router.name}`);
      const sip = one(TYPES.twilioSip);
      for (const r of mocks.resources.filter((x) => x.type.startsWith('sipline-twilio:') || x.type === TYPES.password)) {
        expect(r.parent).toBe(`${sip.type}::${sip.name}`);
      }
    });
  });

  describe('what a deployed stack would see change', () => {
    // A resource's URN is its type, name and parent chain: change one and `pulumi up` deletes
    // the resource and creates another (a new API URL, a new function, lost log groups).
    it("keeps every Router child's type and name, directly under the Router", () => {
      const router = one(TYPES.router);
      const children = mocks.resources.filter((r) => r.parent === `${router.type}::${router.name}`).map((r) => `${r.type}::${r.name}`);
      expect(children.sort()).toEqual(
        [
          `${TYPES.secret}::sipline-router-twilio-auth-token`,
          `${TYPES.secretVersion}::sipline-router-twilio-auth-token`,
          `${TYPES.api}::sipline-router-api`,
          `${TYPES.stage}::sipline-router-stage`,
          `${TYPES.topic}::sipline-router-alarms`,
          `${TYPES.randomId}::${NAMES.nameSuffix}`,
          // the router Lambda
          `${TYPES.logGroup}::sipline-router-logs`,
          `${TYPES.role}::sipline-router-role`,
          `${TYPES.rolePolicy}::sipline-router-policy`,
          `${TYPES.lambda}::sipline-router-function`,
          `${TYPES.integration}::sipline-router-integration`,
          // a route and a permission for each route of lambda/routes.ts
          ...Object.keys(ROUTES).map(routeResourceKey).flatMap((key) => [`${TYPES.route}::sipline-router-route-${key}`, `${TYPES.permission}::sipline-router-invoke-${key}`]),
          // the fallback Lambda
          `${TYPES.logGroup}::sipline-router-fallback-logs`,
          `${TYPES.role}::sipline-router-fallback-role`,
          `${TYPES.rolePolicy}::sipline-router-fallback-policy`,
          `${TYPES.lambda}::sipline-router-fallback`,
          `${TYPES.integration}::sipline-router-fallback-integration`,
          `${TYPES.route}::sipline-router-route-fallback`,
          `${TYPES.permission}::sipline-router-invoke-fallback`,
          // alarms
          `${TYPES.alarm}::sipline-router-errors-alarm`,
          `${TYPES.alarm}::sipline-router-throttles-alarm`,
          `${TYPES.alarm}::sipline-router-fallback-alarm`,
          `${TYPES.alarm}::sipline-router-api-5xx-alarm`,
        ].sort(),
      );
    });

    it('creates each Lambda after its role policy and log group (the router also after its secret value), and the stage after every route', () => {
      const key = (type: string, name: string) => `${type}::${name}`;
      expect(one(TYPES.lambda, NAMES.routerFunction).dependsOn).toEqual(
        [key(TYPES.logGroup, NAMES.routerLogs), key(TYPES.rolePolicy, NAMES.routerPolicy), key(TYPES.secretVersion, 'sipline-router-twilio-auth-token')].sort(),
      );
      expect(one(TYPES.lambda, NAMES.fallbackFunction).dependsOn).toEqual([key(TYPES.logGroup, NAMES.fallbackLogs), key(TYPES.rolePolicy, NAMES.fallbackPolicy)].sort());
      expect(one(TYPES.stage).dependsOn).toEqual(all(TYPES.route).map((r) => key(r.type, r.name)).sort());
    });

    it('gives both Lambdas the same shape: runtime, architecture, handler, text logs to their own group, the stack tags', () => {
      for (const [fn, logs] of [
        [NAMES.routerFunction, NAMES.routerLogs],
        [NAMES.fallbackFunction, NAMES.fallbackLogs],
      ] as const) {
        expect(one(TYPES.lambda, fn).inputs).toMatchObject({
          runtime: 'nodejs22.x',
          architectures: ['arm64'],
          handler: 'index.handler',
          loggingConfig: { logFormat: 'Text', logGroup: one(TYPES.logGroup, logs).inputs.name },
          tags: { project: 'sipline', stack: 'dev' },
        });
      }
      expect(one(TYPES.lambda, NAMES.routerFunction).inputs).toMatchObject({ memorySize: 256, timeout: 10 });
      expect(one(TYPES.lambda, NAMES.fallbackFunction).inputs).toMatchObject({ memorySize: 128, timeout: 3 });
    });
  });

  describe('wiring Twilio to the API', () => {
    it("points the SIP domain's voice URL at the API's outbound route, by POST", () => {
      const domain = one(TYPES.sipDomain);
      expect(domain.inputs.voiceUrl).toBe(`${MOCK_API_ENDPOINT}/voice/outbound`);
      expect(domain.inputs.voiceMethod).toBe('POST');
    });

    it('registers phones on acme.sip.twilio.com over TLS with SRTP, emergency calling as configured', () => {
      const domain = one(TYPES.sipDomain);
      expect(domain.inputs).toMatchObject({ domainName: 'acme.sip.twilio.com', sipRegistration: true, secure: true, emergencyCallingEnabled: false });
    });

    it("points the SIP domain's voice fallback URL at the API's fallback route, by POST", () => {
      expect(one(TYPES.sipDomain).inputs).toMatchObject({ voiceFallbackUrl: `${MOCK_API_ENDPOINT}/voice/fallback`, voiceFallbackMethod: 'POST' });
    });

    it("points every bound number's voice fallback URL at the API's fallback route, by POST", () => {
      const numbers = all(TYPES.number);
      expect(numbers).toHaveLength(2);
      for (const n of numbers) expect(n.inputs).toMatchObject({ voiceFallbackUrl: `${MOCK_API_ENDPOINT}/voice/fallback`, voiceFallbackMethod: 'POST' });
    });

    it("binds every user's number, and only those, to the API's inbound route", () => {
      const numbers = all(TYPES.number);
      expect(numbers.map((n) => n.inputs.phoneNumber).sort()).toEqual(['+14155550100', '+14155550199']);
      for (const n of numbers) {
        expect(n.inputs.voiceUrl).toBe(`${MOCK_API_ENDPOINT}/voice/inbound`);
        expect(n.inputs.voiceMethod).toBe('POST');
      }
    });

    it('gives the Lambda the same base URL Twilio was given, so signatures validate', () => {
      const env = (one(TYPES.lambda, NAMES.routerFunction).inputs.environment as { variables: Record<string, string> }).variables;
      expect(env.PUBLIC_BASE_URL).toBe(MOCK_API_ENDPOINT);
      expect(one(TYPES.sipDomain).inputs.voiceUrl).toBe(`${env.PUBLIC_BASE_URL}/voice/outbound`);
      expect(env.PUBLIC_BASE_URL.endsWith('/')).toBe(false);
    });
  });

  describe('credentials', () => {
    it('creates one credential list and one credential per user in it', () => {
      const list = one(TYPES.credentialList);
      const creds = all(TYPES.credential);
      expect(creds.map((c) => c.inputs.username).sort()).toEqual(['+14155550100', 'alice', 'bob']);
      for (const c of creds) expect(c.inputs.credentialListSid).toBe(list.state.sid);
      expect(String(list.state.sid)).toMatch(/^CL[0-9a-f]{32}$/);
    });

    it('maps the list for registrations and for calls on the domain', () => {
      const domain = one(TYPES.sipDomain);
      const list = one(TYPES.credentialList);
      for (const type of [TYPES.registrationMapping, TYPES.callMapping]) {
        expect(one(type).inputs).toMatchObject({ domainSid: domain.state.sid, credentialListSid: list.state.sid });
      }
      expect(String(domain.state.sid)).toMatch(/^SD[0-9a-f]{32}$/);
    });

    it('names per-user resources after usernames, + dropped', () => {
      expect(all(TYPES.credential).map((c) => c.name).sort()).toEqual(['sipline-cred-14155550100', 'sipline-cred-alice', 'sipline-cred-bob']);
      expect(all(TYPES.number).map((c) => c.name).sort()).toEqual(['sipline-number-14155550100', 'sipline-number-14155550199']);
    });

    it('hands every password to Twilio as a secret, the configured one unchanged', () => {
      for (const c of all(TYPES.credential)) expect(c.secretInputs).toContain('password');
      expect(one(TYPES.credential, 'sipline-cred-alice').inputs.password).toBe(ALICE_PASSWORD);
    });

    it('generates passwords only for users without one: 24+ letters and digits with every class', () => {
      const generated = all(TYPES.password);
      expect(generated.map((p) => p.name).sort()).toEqual(['sipline-password-14155550100', 'sipline-password-bob']);
      for (const p of generated) {
        expect(p.inputs.length as number).toBeGreaterThanOrEqual(24);
        expect(p.inputs.special).toBe(false);
        for (const min of ['minUpper', 'minLower', 'minNumeric']) expect(p.inputs[min] as number).toBeGreaterThanOrEqual(1);
      }
      const bob = one(TYPES.credential, 'sipline-cred-bob');
      expect(bob.inputs.password).toBe(one(TYPES.password, 'sipline-password-bob').state.result);
      expect(validatePassword(bob.inputs.password)).toBeUndefined();
    });
  });

  describe('the router Lambda', () => {
    it('runs the bundle on nodejs22.x, arm64, as index.handler with the role', () => {
      const fn = one(TYPES.lambda, NAMES.routerFunction);
      expect(fn.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler', role: one(TYPES.role, NAMES.routerRole).state.arn });
    });

    it('ships the code files of bundleRouter() and router-config.json derived from the config, no passwords in it', async () => {
      const files = await archiveFiles(one(TYPES.lambda, NAMES.routerFunction));
      const bundle = await bundleRouter();
      expect(Object.keys(files).sort()).toEqual(['index.js', 'phone-metadata.json', 'powertools-metrics.js', 'router-config.json']);
      expect(files['index.js']).toBe(bundle.code);
      expect(files['powertools-metrics.js']).toBe(bundle.metricsCode);
      expect(files['phone-metadata.json']).toBe(bundle.phoneMetadata);
      const { twilioAuthToken: _t, 'aws:region': _r, ...values } = demoConfig();
      expect(files['router-config.json']).toBe(JSON.stringify(routerDirectoryFrom(parseStackConfig(values)), null, 2));
      expect(JSON.parse(files['router-config.json']).users).toEqual([
        { username: '+14155550100' },
        { username: 'alice', number: '+14155550199' },
        { username: 'bob' },
      ]);
      expect(files['router-config.json']).not.toContain(ALICE_PASSWORD);
    });

    it("is given the secret's ARN, never the token, and nothing secret in its environment", () => {
      const fn = one(TYPES.lambda, NAMES.routerFunction);
      const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
      expect(env).toEqual({
        PUBLIC_BASE_URL: MOCK_API_ENDPOINT,
        TWILIO_AUTH_TOKEN_SECRET_ARN: one(TYPES.secret).state.arn,
        TWILIO_AUTH_TOKEN_VERSION: one(TYPES.secretVersion).state.versionId,
        POWERTOOLS_SERVICE_NAME: 'sipline-router',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        SIPLINE_STACK: 'dev',
      });
      expect(JSON.stringify(fn.inputs)).not.toContain(TOKEN);
      expect(fn.secretInputs).toEqual([]);
    });

    it('keeps the token in Secrets Manager, as a secret', () => {
      const version = one(TYPES.secretVersion);
      expect(version.inputs).toMatchObject({ secretId: one(TYPES.secret).id, secretString: TOKEN });
      expect(version.secretInputs).toContain('secretString');
    });

    it("logs to an explicit log group with retention, named as Lambda's default: /aws/lambda/<function name>", () => {
      const group = one(TYPES.logGroup, NAMES.routerLogs);
      const fn = one(TYPES.lambda, NAMES.routerFunction);
      expect(fn.state.name).toBe(`sipline-dev-router-${one(TYPES.randomId).state.hex}`);
      expect(group.inputs.name).toBe(`/aws/lambda/${fn.state.name}`);
      expect(group.inputs.retentionInDays as number).toBeGreaterThan(0);
      expect(fn.inputs.loggingConfig).toMatchObject({ logGroup: group.inputs.name });
    });
  });

  describe('the voice fallback Lambda', () => {
    const fallback = () => one(TYPES.lambda, NAMES.fallbackFunction);

    it('runs on nodejs22.x, arm64, as index.handler with a role of its own', () => {
      expect(fallback().inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler', role: one(TYPES.role, NAMES.fallbackRole).state.arn });
      expect(one(TYPES.role, NAMES.fallbackRole).state.arn).not.toBe(one(TYPES.role, NAMES.routerRole).state.arn);
      const trust = JSON.parse(String(one(TYPES.role, NAMES.fallbackRole).inputs.assumeRolePolicy));
      expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    });

    it('ships one index.js, the fallback bundle (lambda/fallback/build.ts), and nothing of the router', async () => {
      const files = await archiveFiles(fallback());
      expect(Object.keys(files)).toEqual(['index.js']);
      expect(files['index.js']).toBe((await bundleFallback()).code);
      expect(files['index.js']).not.toContain('acme');
    });

    it('is told the base URL, the secret ARN (never the token) and its stack, and nothing else', () => {
      const fn = fallback();
      expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toEqual({
        PUBLIC_BASE_URL: MOCK_API_ENDPOINT,
        TWILIO_AUTH_TOKEN_SECRET_ARN: one(TYPES.secret).state.arn,
        TWILIO_AUTH_TOKEN_VERSION: one(TYPES.secretVersion).state.versionId,
        POWERTOOLS_SERVICE_NAME: 'sipline-fallback',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        SIPLINE_STACK: 'dev',
      });
      expect(fn.secretInputs).toEqual([]);
      expect(JSON.stringify(fn.inputs)).not.toContain(TOKEN);
      // It never waits for the secret: it apologises without it.
      expect(fn.dependsOn).toEqual([`${TYPES.logGroup}::${NAMES.fallbackLogs}`, `${TYPES.rolePolicy}::${NAMES.fallbackPolicy}`].sort());
    });

    it('logs to an explicit log group of its own, /aws/lambda/<its name>, with the same retention as the router', () => {
      const group = one(TYPES.logGroup, NAMES.fallbackLogs);
      expect(fallback().state.name).toBe(`sipline-dev-fallback-${one(TYPES.randomId).state.hex}`);
      expect(group.inputs.name).toBe(`/aws/lambda/${fallback().state.name}`);
      expect(group.inputs.retentionInDays).toBe(one(TYPES.logGroup, NAMES.routerLogs).inputs.retentionInDays);
      expect(fallback().inputs.loggingConfig).toMatchObject({ logGroup: group.inputs.name });
    });

    it('may write to its own log group and read the token (to tell Twilio from forgers), and nothing else', () => {
      const policy = one(TYPES.rolePolicy, NAMES.fallbackPolicy);
      expect(policy.inputs.role).toBe(one(TYPES.role, NAMES.fallbackRole).id);
      const statements = JSON.parse(String(policy.inputs.policy)).Statement as PolicyStatement[];
      const logArn = one(TYPES.logGroup, NAMES.fallbackLogs).state.arn;
      const grants = statements.flatMap((s) => asList(s.Action).map((a) => [a, asList(s.Resource)]));
      expect(Object.fromEntries(grants)).toEqual({
        'logs:CreateLogStream': [`${logArn}:*`],
        'logs:PutLogEvents': [`${logArn}:*`],
        'secretsmanager:GetSecretValue': [one(TYPES.secret).state.arn],
      });
      expect(grants).toHaveLength(3);
      for (const s of statements) expect(s.Effect).toBe('Allow');
    });
  });

  describe('IAM', () => {
    it('lets only Lambda assume the role', () => {
      const trust = JSON.parse(String(one(TYPES.role, NAMES.routerRole).inputs.assumeRolePolicy));
      expect(trust.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    });

    it('allows GetSecretValue on exactly the secret, and log writes on exactly the log group', () => {
      const policy = one(TYPES.rolePolicy, NAMES.routerPolicy);
      expect(policy.inputs.role).toBe(one(TYPES.role, NAMES.routerRole).id);
      const statements = JSON.parse(String(policy.inputs.policy)).Statement as PolicyStatement[];
      const secretArn = one(TYPES.secret).state.arn;
      const logArn = one(TYPES.logGroup, NAMES.routerLogs).state.arn;
      const grants = statements.flatMap((s) => asList(s.Action).map((a) => [a, asList(s.Resource)]));
      expect(Object.fromEntries(grants)).toEqual({
        'secretsmanager:GetSecretValue': [secretArn],
        'logs:CreateLogStream': [`${logArn}:*`],
        'logs:PutLogEvents': [`${logArn}:*`],
      });
      for (const s of statements) expect(s.Effect).toBe('Allow');
    });
  });

  describe('the HTTP API', () => {
    it('proxies the outbound and inbound routes to the router with payload 2.0, and only the fallback route to the fallback Lambda', () => {
      const integration = one(TYPES.integration, NAMES.routerIntegration);
      expect(integration.inputs).toMatchObject({
        apiId: 'abc123',
        integrationType: 'AWS_PROXY',
        integrationUri: one(TYPES.lambda, NAMES.routerFunction).state.arn,
        payloadFormatVersion: '2.0',
      });
      const fallbackIntegration = one(TYPES.integration, NAMES.fallbackIntegration);
      expect(fallbackIntegration.inputs).toMatchObject({
        apiId: 'abc123',
        integrationType: 'AWS_PROXY',
        integrationUri: one(TYPES.lambda, NAMES.fallbackFunction).state.arn,
        payloadFormatVersion: '2.0',
      });
      expect(all(TYPES.integration)).toHaveLength(2);
      const targets = Object.fromEntries(all(TYPES.route).map((r) => [r.inputs.routeKey, r.inputs.target]));
      expect(targets).toEqual({
        ...Object.fromEntries(Object.values(ROUTES).map((path) => [`ANY ${path}`, `integrations/${integration.id}`])),
        'POST /voice/fallback': `integrations/${fallbackIntegration.id}`,
      });
      expect(Object.values(ROUTES)).toEqual(expect.arrayContaining(['/voice/outbound', '/voice/inbound', '/voice/after-dial', '/voice/refer', '/voice/status']));
      expect(one(TYPES.api).inputs.protocolType).toBe('HTTP');
    });

    it('serves them on the auto-deployed $default stage (no stage prefix in URLs)', () => {
      expect(one(TYPES.stage).inputs).toMatchObject({ apiId: 'abc123', name: '$default', autoDeploy: true });
    });

    it("lets API Gateway invoke each Lambda only from this API's execution ARN, on its own routes", () => {
      const router = one(TYPES.lambda, NAMES.routerFunction).state.name;
      const fallback = one(TYPES.lambda, NAMES.fallbackFunction).state.name;
      const permissions = all(TYPES.permission);
      expect(Object.fromEntries(permissions.map((p) => [p.inputs.sourceArn, p.inputs.function]))).toEqual({
        // Any stage, any method (the routes are ANY), this path.
        ...Object.fromEntries(Object.values(ROUTES).map((path) => [`${MOCK_EXECUTION_ARN}/*/*${path}`, router])),
        // Any stage, POST only, this path.
        [`${MOCK_EXECUTION_ARN}/*/POST/voice/fallback`]: fallback,
      });
      expect(one(TYPES.permission, NAMES.fallbackPermission).inputs.sourceArn).toBe(`${MOCK_EXECUTION_ARN}/*/POST/voice/fallback`);
      for (const p of permissions) expect(p.inputs).toMatchObject({ action: 'lambda:InvokeFunction', principal: 'apigateway.amazonaws.com' });
    });

    describe('which Lambda a request reaches', () => {
      /** IAM ArnLike: `*` any run of characters (slashes included), `?` one character. */
      const arnLike = (pattern: string, arn: string) =>
        new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(arn);

      /**
       * As API Gateway would answer `method path` on the $default stage: the route whose key
       * names the method, else the path's ANY route, else its own 404; then the route's Lambda,
       * if a permission's source ARN matches the invocation's execute-api ARN, else its 500.
       */
      const reached = (method: string, path: string): string => {
        const routes = all(TYPES.route);
        const route = routes.find((r) => r.inputs.routeKey === `${method} ${path}`) ?? routes.find((r) => r.inputs.routeKey === `ANY ${path}`);
        if (!route) return 'API Gateway 404';
        const integration = all(TYPES.integration).find((i) => route.inputs.target === `integrations/${i.id}`)!;
        const fn = all(TYPES.lambda).find((l) => l.state.arn === integration.inputs.integrationUri)!;
        const invocation = `${MOCK_EXECUTION_ARN}/$default/${method}${path}`;
        const allowed = all(TYPES.permission).some((p) => p.inputs.function === fn.state.name && arnLike(String(p.inputs.sourceArn), invocation));
        return allowed ? String(fn.name) : 'API Gateway 500 (no permission)';
      };

      it.each(['/voice/outbound', '/voice/inbound'])('sends %s to the router whatever the method, so its 405 answers a GET', (path) => {
        for (const method of ['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
          expect({ method, reached: reached(method, path) }).toEqual({ method, reached: NAMES.routerFunction });
        }
      });

      it("sends only POST /voice/fallback to the fallback Lambda; API Gateway answers any other method (no alarm for a crawler's GET)", () => {
        expect(reached('POST', '/voice/fallback')).toBe(NAMES.fallbackFunction);
        for (const method of ['GET', 'HEAD', 'PUT']) expect({ method, reached: reached(method, '/voice/fallback') }).toEqual({ method, reached: 'API Gateway 404' });
      });

      it('sends no other path to either Lambda', () => {
        expect(reached('POST', '/voice')).toBe('API Gateway 404');
        expect(reached('GET', '/voice/outbound/x')).toBe('API Gateway 404');
      });

      it('holds to ArnLike: a permission for one path does not cover another', () => {
        expect(arnLike(`${MOCK_EXECUTION_ARN}/*/*/voice/inbound`, `${MOCK_EXECUTION_ARN}/$default/GET/voice/inbound`)).toBe(true);
        expect(arnLike(`${MOCK_EXECUTION_ARN}/*/*/voice/inbound`, `${MOCK_EXECUTION_ARN}/$default/GET/voice/outbound`)).toBe(false);
        expect(arnLike(`${MOCK_EXECUTION_ARN}/*/POST/voice/fallback`, `${MOCK_EXECUTION_ARN}/$default/GET/voice/fallback`)).toBe(false);
      });
    });
  });

  describe('alarms', () => {
    it("alarms on the router's errors and throttles, API 5xx and the fallback's answers to Twilio, into the SNS topic", () => {
      const topicArn = one(TYPES.topic).state.arn;
      const router = one(TYPES.lambda, NAMES.routerFunction).state.name;
      const alarms = all(TYPES.alarm).map((a) => a.inputs);
      expect(alarms.map((a) => [`${a.namespace}/${a.metricName}`, a.dimensions])).toEqual(
        expect.arrayContaining([
          ['AWS/ApiGateway/5xx', { ApiId: 'abc123' }],
          ['AWS/Lambda/Errors', { FunctionName: router }],
          ['AWS/Lambda/Throttles', { FunctionName: router }],
          ['sipline/FallbackAnswers', { service: 'sipline-fallback', stack: 'dev', Signature: 'valid' }],
        ]),
      );
      expect(alarms).toHaveLength(4);
      for (const a of alarms) expect(a.alarmActions).toEqual([topicArn]);
    });

    // The fallback's URL is public: a forged POST is answered and counted (Signature: invalid), never alarmed.
    it("alarms on a single answer of the fallback to Twilio within 5 minutes (every one is a call the router failed), never on a forged one", () => {
      expect(one(TYPES.alarm, NAMES.fallbackAlarm).inputs).toMatchObject({
        namespace: 'sipline',
        metricName: 'FallbackAnswers',
        dimensions: { service: 'sipline-fallback', stack: 'dev', Signature: 'valid' },
        statistic: 'Sum',
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [one(TYPES.topic).state.arn],
      });
      // Neither on a forged one, nor on one it could not check in time (a forger's header on a cold instance).
      expect(all(TYPES.alarm).filter((a) => /invalid|unchecked/.test(JSON.stringify(a.inputs.dimensions)))).toEqual([]);
    });

    it('subscribes no email when alarmEmail is not set', () => {
      expect(all(TYPES.subscription)).toEqual([]);
    });
  });

  describe('outputs', () => {
    it('exports the API URL, the SIP domain and the registrar', () => {
      expect(run.values).toMatchObject({ apiUrl: MOCK_API_ENDPOINT, sipDomain: 'acme.sip.twilio.com', registrar: 'acme.sip.twilio.com' });
    });

    it('exports the names to tail the logs and find the router by: its function and both log groups', () => {
      expect(run.values).toMatchObject({
        routerFunctionName: one(TYPES.lambda, NAMES.routerFunction).state.name,
        routerLogGroup: one(TYPES.logGroup, NAMES.routerLogs).inputs.name,
        fallbackLogGroup: one(TYPES.logGroup, NAMES.fallbackLogs).inputs.name,
      });
    });

    it('exports registrations as a secret: what each user types into a softphone', () => {
      expect(run.secretOutputs).toEqual(['registrations']);
      const registrations = run.values.registrations as Record<string, Record<string, unknown>>;
      expect(Object.keys(registrations).sort()).toEqual(['+14155550100', 'alice', 'bob']);
      expect(registrations.alice).toEqual({
        username: 'alice',
        authUsername: 'alice',
        password: ALICE_PASSWORD,
        domain: 'acme.sip.twilio.com',
        registrar: 'acme.sip.twilio.com',
        transport: 'TLS',
        port: 5061,
        expires: 3600,
        srtp: true,
      });
      const bobCredential = one(TYPES.credential, 'sipline-cred-bob');
      expect(registrations.bob.password).toBe(bobCredential.inputs.password);
    });
  });

  it('throws on any data-source call rather than reaching for a cloud', () => {
    expect(() => new SiplineMocks().call({ token: 'aws:index/getCallerIdentity:getCallerIdentity', inputs: {} })).toThrow(/Unmocked call aws:index\/getCallerIdentity/);
  });
});

describe('the sipline program with optional settings', () => {
  let run: RunResult;
  const find = (type: string): RecordedResource[] => run.mocks.ofType(type);

  beforeAll(async () => {
    // As the Pulumi CLI hands them over: every value a string.
    run = await runSipline({
      config: demoConfig({ edge: 'dublin', alarmEmail: 'ops@example.com', emergencyCalling: 'true', secureSip: 'false', users: JSON.stringify(demoConfig().users) }),
      secretKeys: SECRET_KEYS,
      stack: 'prod',
    });
  });

  it('hands out the edge registrar host', () => {
    expect(run.values.registrar).toBe('acme.sip.dublin.twilio.com');
    const registrations = run.values.registrations as Record<string, { registrar: string; domain: string }>;
    for (const r of Object.values(registrations)) expect(r).toMatchObject({ registrar: 'acme.sip.dublin.twilio.com', domain: 'acme.sip.twilio.com' });
  });

  it('subscribes alarmEmail to the alarm topic', () => {
    const [subscription] = find(TYPES.subscription);
    expect(subscription.inputs).toMatchObject({ protocol: 'email', endpoint: 'ops@example.com', topic: run.mocks.one(TYPES.topic).state.arn });
  });

  it('enables emergency calling on the domain', () => {
    expect(run.mocks.one(TYPES.sipDomain).inputs.emergencyCallingEnabled).toBe(true);
  });

  it('with secureSip false, lets phones register without TLS and SRTP, and tells them UDP on 5060 with SRTP off', () => {
    expect(run.mocks.one(TYPES.sipDomain).inputs.secure).toBe(false);
    const registrations = run.values.registrations as Record<string, { transport: string; port: number; srtp: boolean }>;
    expect(Object.keys(registrations)).toHaveLength(3);
    for (const r of Object.values(registrations)) expect(r).toMatchObject({ transport: 'UDP', port: 5060, srtp: false });
  });

  it('names stack-scoped physical resources after the project and the stack', () => {
    const hex = run.mocks.one(TYPES.randomId).state.hex;
    expect(run.mocks.one(TYPES.lambda, NAMES.routerFunction).inputs.name).toBe(`sipline-prod-router-${hex}`);
    expect(run.mocks.one(TYPES.logGroup, NAMES.fallbackLogs).inputs.name).toBe(`/aws/lambda/sipline-prod-fallback-${hex}`);
    expect(run.mocks.one(TYPES.sipDomain).inputs.friendlyName).toBe('sipline prod');
  });
});

describe('sipline:secureSip', () => {
  it.each([
    ['yes', 'sipline:secureSip: "yes" must be true or false'],
    ['1', 'sipline:secureSip: "1" must be true or false'],
  ])('refuses %j, naming the key and the value', async (value, message) => {
    await expect(runSipline({ config: demoConfig({ secureSip: value }), secretKeys: SECRET_KEYS })).rejects.toThrow(message);
  });

  it('is on when the stack does not set it', async () => {
    const run = await runSipline({ config: demoConfig({ secureSip: undefined }), secretKeys: SECRET_KEYS });
    expect(run.mocks.one(TYPES.sipDomain).inputs.secure).toBe(true);
  });
});

describe('two projects with a stack of the same name in one account', () => {
  // The names once were /aws/lambda/sipline-<stack>-router: a second project's `dev` collided.
  it('get functions and log groups of their own, each group named after its function', async () => {
    const physical = async (project: string) => {
      const { mocks } = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS, project });
      return [NAMES.routerFunction, NAMES.fallbackFunction].flatMap((fn) => [String(mocks.one(TYPES.lambda, fn).state.name), String(mocks.one(TYPES.logGroup, fn === NAMES.routerFunction ? NAMES.routerLogs : NAMES.fallbackLogs).inputs.name)]);
    };
    const [a, b] = [await physical('sipline'), await physical('sipline-eu')];
    expect(a.filter((n) => b.includes(n))).toEqual([]);
    for (const names of [a, b]) {
      expect(names[1]).toBe(`/aws/lambda/${names[0]}`);
      expect(names[3]).toBe(`/aws/lambda/${names[2]}`);
    }
    expect(b[0]).toMatch(/^sipline-eu-dev-router-[0-9a-f]{8}$/);
  });

  it('keep the suffix in state: a random id with no keepers, so it never changes on its own', async () => {
    const { mocks } = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS });
    expect(mocks.one(TYPES.randomId).inputs).toEqual({ byteLength: 4 });
    });
});

describe('sipline:manageDialingPermissions', () => {
  it('is off by default: the account-wide dialing permissions are left alone', async () => {
    const run = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS });
    expect(run.mocks.ofType(TYPES.dialingPermissions)).toEqual([]);
  });

  it('when true, declares VoiceDialingPermissions for exactly allowedCountries, under TwilioSip', async () => {
    const run = await runSipline({ config: demoConfig({ manageDialingPermissions: true }), secretKeys: SECRET_KEYS });
    const permissions = run.mocks.one(TYPES.dialingPermissions);
    expect(permissions).toMatchObject({ name: 'sipline-dialing-permissions', parent: `${TYPES.twilioSip}::sipline`, inputs: { allowedCountries: ['US', 'CA'] } });
  });

  it('refuses a value that is not a boolean, naming the key', async () => {
    await expect(runSipline({ config: demoConfig({ manageDialingPermissions: 'yes' }), secretKeys: SECRET_KEYS })).rejects.toThrow('sipline:manageDialingPermissions: "yes" must be true or false');
  });
});

describe('resource names', () => {
  it('stay the same when users are reordered, and a removed user takes only its own resources', async () => {
    const users = demoConfig().users as Array<{ username: string }>;
    const names = async (list: unknown[]) =>
      (await runSipline({ config: demoConfig({ users: list }), secretKeys: SECRET_KEYS })).mocks.resources.map((r) => `${r.type}::${r.name}`).sort();
    const before = await names(users);
    expect(await names([...users].reverse())).toEqual(before);
    const withoutAlice = await names(users.filter((u) => u.username !== 'alice'));
    expect(before.filter((n) => !withoutAlice.includes(n)).sort()).toEqual([
      `${TYPES.credential}::sipline-cred-alice`,
      `${TYPES.number}::sipline-number-14155550199`,
    ]);
  });
});

describe('preview', () => {
  it('evaluates as `pulumi preview` does', async () => {
    const run = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS, preview: true });
    expect(run.mocks.ofType(TYPES.credential)).toHaveLength(3);
  });
});

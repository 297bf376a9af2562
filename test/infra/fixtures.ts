/** Stack configs for the infra tests, as `Pulumi.<stack>.yaml` would give them (keys without `sipline:`). */
import type * as pulumi from '@pulumi/pulumi';
import { runSipline, type RecordedResource } from '../../infra/mocks';

/** Twilio's shape: 32 hex characters (the program refuses anything else). */
export const TOKEN = '9c1f4e7a2b8d03f6a5e2c7b94d1a8f30';
export const ALICE_PASSWORD = 'Correct-Horse-42-battery';

export function demoConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'aws:region': 'us-east-1',
    domainName: 'acme',
    defaultCountry: 'US',
    defaultCallerId: '+14155550123',
    allowedCountries: ['US', 'CA'],
    emergencyCalling: false,
    users: [
      { username: '+14155550100' },
      { username: 'alice', number: '+14155550199', password: ALICE_PASSWORD },
      { username: 'bob' },
    ],
    twilioAuthToken: TOKEN,
    ...overrides,
  };
}

/** As the CLI hands them over when the token and a password are `secure:` values. */
export const SECRET_KEYS = ['twilioAuthToken', 'users'];

export const API_KEY_SECRET = 'fedcba9876543210fedcba9876543210';
export const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
export const API_KEY_SID = `SK${'2'.repeat(32)}`;

/** The demo stack with voicemail to email: alice's unanswered calls go to voicemail, emailed. */
export function voicemailConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return demoConfig({
    users: [
      { username: '+14155550100' },
      { username: 'alice', number: '+14155550199', password: ALICE_PASSWORD, noAnswer: { voicemail: { email: 'alice@example.com' } } },
      { username: 'bob' },
    ],
    groups: [{ name: 'sales', number: '+14155550150', members: ['alice', 'bob'], noAnswer: { voicemail: { email: 'sales@example.com' } } }],
    voicemailFrom: 'voicemail@example.com',
    twilioAccountSid: ACCOUNT_SID,
    voicemailApiKeySid: API_KEY_SID,
    voicemailApiKeySecret: API_KEY_SECRET,
    ...overrides,
  });
}

export const VOICEMAIL_SECRET_KEYS = [...SECRET_KEYS, 'voicemailApiKeySecret'];

/** A stack to run: its config, with overrides, and which of its keys are secret. */
export interface TestStack {
  config: (overrides: Record<string, unknown>) => Record<string, unknown>;
  secretKeys: string[];
}
export const DEMO_STACK: TestStack = { config: demoConfig, secretKeys: SECRET_KEYS };
export const VOICEMAIL_STACK: TestStack = { config: voicemailConfig, secretKeys: VOICEMAIL_SECRET_KEYS };

/** The error the program stops with for `stack` with `overrides`; throws when the stack is accepted. */
export async function failure(overrides: Record<string, unknown>, stack: TestStack = DEMO_STACK): Promise<Error> {
  try {
    await runSipline({ config: stack.config(overrides), secretKeys: stack.secretKeys });
  } catch (e) {
    return e as Error;
  }
  throw new Error(`config ${JSON.stringify(overrides)} was accepted`);
}

export const TYPES = {
  router: 'sipline:index:Router',
  twilioSip: 'sipline:index:TwilioSip',
  voicemail: 'sipline:index:Voicemail',
  dashboardComponent: 'sipline:index:Dashboard',
  dashboard: 'aws:cloudwatch/dashboard:Dashboard',
  queue: 'aws:sqs/queue:Queue',
  eventSourceMapping: 'aws:lambda/eventSourceMapping:EventSourceMapping',
  emailIdentity: 'aws:sesv2/emailIdentity:EmailIdentity',
  lambda: 'aws:lambda/function:Function',
  permission: 'aws:lambda/permission:Permission',
  api: 'aws:apigatewayv2/api:Api',
  integration: 'aws:apigatewayv2/integration:Integration',
  route: 'aws:apigatewayv2/route:Route',
  stage: 'aws:apigatewayv2/stage:Stage',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  secret: 'aws:secretsmanager/secret:Secret',
  secretVersion: 'aws:secretsmanager/secretVersion:SecretVersion',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  topic: 'aws:sns/topic:Topic',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  password: 'random:index/randomPassword:RandomPassword',
  randomId: 'random:index/randomId:RandomId',
  sipDomain: 'sipline-twilio:index:SipDomain',
  credentialList: 'sipline-twilio:index:CredentialList',
  credential: 'sipline-twilio:index:Credential',
  registrationMapping: 'sipline-twilio:index:RegistrationCredentialListMapping',
  callMapping: 'sipline-twilio:index:CallCredentialListMapping',
  number: 'sipline-twilio:index:PhoneNumberVoiceConfig',
  dialingPermissions: 'sipline-twilio:index:VoiceDialingPermissions',
} as const;

/** The files of a recorded Lambda's code archive, by name. */
export async function archiveFiles(lambda: RecordedResource): Promise<Record<string, string>> {
  const archive = lambda.inputs.code as pulumi.asset.AssetArchive;
  const assets = (await archive.assets) as Record<string, pulumi.asset.StringAsset>;
  const files: Record<string, string> = {};
  for (const [name, asset] of Object.entries(assets)) files[name] = (await asset.text) as string;
  return files;
}

/** Names the program gives the Router's children (`sipline-router-...`): two Lambdas, each with its own role, policy, logs. */
export const NAMES = {
  routerFunction: 'sipline-router-function',
  routerRole: 'sipline-router-role',
  routerPolicy: 'sipline-router-policy',
  routerLogs: 'sipline-router-logs',
  routerIntegration: 'sipline-router-integration',
  fallbackFunction: 'sipline-router-fallback',
  fallbackRole: 'sipline-router-fallback-role',
  fallbackPolicy: 'sipline-router-fallback-policy',
  fallbackLogs: 'sipline-router-fallback-logs',
  fallbackIntegration: 'sipline-router-fallback-integration',
  fallbackRoute: 'sipline-router-route-fallback',
  fallbackPermission: 'sipline-router-invoke-fallback',
  fallbackAlarm: 'sipline-router-fallback-alarm',
  nameSuffix: 'sipline-router-name-suffix',
} as const;

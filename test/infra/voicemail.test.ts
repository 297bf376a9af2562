/**
 * Voicemail to email in the stack: the router's queue and its dead-letter queue, the worker, its
 * trigger, its secret and sender identity, its IAM, its alarms, and the status callbacks the
 * Twilio side is given; all wired on values, under Pulumi's mocks.
 */
import { bundleVoicemailWorker } from '../../lambda/voicemail/build';
import { VOICEMAIL_DEAD_LETTER_QUEUE, VOICEMAIL_QUEUE, WORKER_MEMORY_MB, WORKER_TIMEOUT_SECONDS } from '../../lambda/voicemail/queue';
import { MOCK_API_ENDPOINT, runSipline, type SiplineMocks } from '../../infra/mocks';
import { QUEUE_STALLED_SECONDS } from '../../infra/components/voicemail';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, archiveFiles, demoConfig, failure, SECRET_KEYS, TYPES, VOICEMAIL_SECRET_KEYS, VOICEMAIL_STACK, voicemailConfig } from './fixtures';

type Statement = { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown };
const statementsOf = (mocks: SiplineMocks, policy: string) => (JSON.parse(String(mocks.one(TYPES.rolePolicy, policy).inputs.policy)) as { Statement: Statement[] }).Statement;

describe('a stack whose mailboxes ask for voicemail by email', () => {
  let mocks: SiplineMocks;
  let values: Record<string, unknown>;
  const one = (type: string, name?: string) => mocks.one(type, name);
  beforeAll(async () => {
    ({ mocks, values } = await runSipline({ config: voicemailConfig(), secretKeys: VOICEMAIL_SECRET_KEYS }));
  });

  it('outputs the dead-letter queue a redrive starts from, and where the worker logs', () => {
    expect(values.voicemailDeadLetterQueueArn).toBe(one(TYPES.queue, 'sipline-router-voicemail-dead-letters').state.arn);
    expect(values.voicemailLogGroup).toBe(one(TYPES.logGroup, 'sipline-voicemail-worker-logs').inputs.name);
  });

  it('gives the router a queue, dead-lettering after the retries the worker is tested with', () => {
    const queue = one(TYPES.queue, 'sipline-router-voicemail-queue');
    const deadLetters = one(TYPES.queue, 'sipline-router-voicemail-dead-letters');
    expect(queue.parent).toBe(`${TYPES.router}::sipline-router`);
    expect(queue.inputs).toMatchObject({
      visibilityTimeoutSeconds: VOICEMAIL_QUEUE.visibilityTimeoutSeconds,
      messageRetentionSeconds: VOICEMAIL_QUEUE.messageRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    expect(JSON.parse(String(queue.inputs.redrivePolicy))).toEqual({ deadLetterTargetArn: deadLetters.state.arn, maxReceiveCount: VOICEMAIL_QUEUE.maxReceiveCount });
    expect(deadLetters.inputs.messageRetentionSeconds).toBe(VOICEMAIL_DEAD_LETTER_QUEUE.messageRetentionSeconds);
    // A message keeps its enqueue time in the dead-letter queue: it must outlive the queue's retention.
    expect(VOICEMAIL_DEAD_LETTER_QUEUE.messageRetentionSeconds).toBeGreaterThan(VOICEMAIL_QUEUE.messageRetentionSeconds);
  });

  it("tells the router where the queue is, and lets it send there and nowhere else", () => {
    const env = (one(TYPES.lambda, 'sipline-router-function').inputs.environment as { variables: Record<string, string> }).variables;
    expect(env.VOICEMAIL_QUEUE_URL).toBe(one(TYPES.queue, 'sipline-router-voicemail-queue').state.url);
    expect(statementsOf(mocks, 'sipline-router-policy').find((s) => s.Sid === 'QueueVoicemails')).toEqual({
      Sid: 'QueueVoicemails',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: one(TYPES.queue, 'sipline-router-voicemail-queue').state.arn,
    });
  });

  it('runs the worker bundle on nodejs22.x/arm64, triggered by the queue with partial batch responses, after its policy', async () => {
    const worker = one(TYPES.lambda, 'sipline-voicemail-worker');
    expect(worker.parent).toBe(`${TYPES.voicemail}::sipline-voicemail`);
    expect(worker.inputs).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler', memorySize: WORKER_MEMORY_MB, timeout: WORKER_TIMEOUT_SECONDS });
    expect(String(worker.inputs.name)).toMatch(/^sipline-dev-voicemail-[0-9a-f]{8}$/);
    expect((await archiveFiles(worker))['index.js']).toBe((await bundleVoicemailWorker()).code);
    const trigger = one(TYPES.eventSourceMapping);
    expect(trigger.inputs).toEqual(
      expect.objectContaining({
        eventSourceArn: one(TYPES.queue, 'sipline-router-voicemail-queue').state.arn,
        functionName: worker.state.arn,
        batchSize: VOICEMAIL_QUEUE.batchSize,
        functionResponseTypes: ['ReportBatchItemFailures'],
      }),
    );
    // Created after the function whose ARN it takes, which waits for its policy: Lambda checks
    // the role may read the queue when the mapping is created.
    expect(worker.dependsOn).toContain(`${TYPES.rolePolicy}::sipline-voicemail-worker-policy`);
  });

  it('keeps the API key in a secret of its own, in the format the worker reads, and gives the worker its ARN only', () => {
    const version = one(TYPES.secretVersion, 'sipline-voicemail-twilio-api-key');
    expect(version.secretInputs).toContain('secretString');
    expect(JSON.parse(String(version.inputs.secretString))).toEqual({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET });
    const worker = one(TYPES.lambda, 'sipline-voicemail-worker');
    expect((worker.inputs.environment as { variables: Record<string, string> }).variables).toEqual({
      VOICEMAIL_FROM: 'voicemail@example.com',
      TWILIO_API_KEY_SECRET_ARN: one(TYPES.secret, 'sipline-voicemail-twilio-api-key').state.arn,
      TWILIO_API_KEY_VERSION: version.state.versionId,
      DELETE_AFTER_EMAIL: 'true',
      VOICEMAIL_TIME_ZONE: 'UTC',
      SIPLINE_STACK: 'dev',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    expect(JSON.stringify(worker.inputs)).not.toContain(API_KEY_SECRET);
  });

  it("lets the worker read its own secret, consume its queue, write its logs, and send email only from the stack's address", () => {
    const statements = statementsOf(mocks, 'sipline-voicemail-worker-policy');
    expect(statements.map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'ReadTwilioApiKey', 'ConsumeVoicemailQueue', 'SendVoicemailEmail']);
    expect(statements[1]).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: one(TYPES.secret, 'sipline-voicemail-twilio-api-key').state.arn });
    expect(statements[2]).toMatchObject({ Resource: one(TYPES.queue, 'sipline-router-voicemail-queue').state.arn });
    // SESv2 SendEmail with raw content is authorized as ses:SendRawEmail: the worker sends raw MIME.
    expect(statements[3]).toEqual({
      Sid: 'SendVoicemailEmail',
      Effect: 'Allow',
      Action: ['ses:SendRawEmail', 'ses:SendEmail'],
      Resource: 'arn:aws:ses:us-east-1:123456789012:identity/*',
      Condition: { StringEquals: { 'ses:FromAddress': 'voicemail@example.com' } },
    });
    expect(one(TYPES.emailIdentity).inputs.emailIdentity).toBe('voicemail@example.com');
  });

  it('alarms when a voicemail is dead-lettered, not queued, or left in Twilio, when the worker fails, and when the queue stops draining', () => {
    const alarms = mocks.ofType(TYPES.alarm);
    const named = (name: string) => alarms.find((a) => a.name === name)!;
    expect(named('sipline-voicemail-dead-letters-alarm').inputs).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      statistic: 'Maximum',
      dimensions: { QueueName: one(TYPES.queue, 'sipline-router-voicemail-dead-letters').state.name },
      threshold: 1,
    });
    expect(named('sipline-voicemail-queue-stalled-alarm').inputs).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      statistic: 'Maximum',
      dimensions: { QueueName: one(TYPES.queue, 'sipline-router-voicemail-queue').state.name },
      threshold: QUEUE_STALLED_SECONDS,
    });
    expect(named('sipline-voicemail-worker-errors-alarm').inputs.dimensions).toEqual({ FunctionName: one(TYPES.lambda, 'sipline-voicemail-worker').state.name });
    expect(named('sipline-voicemail-recordings-kept-alarm').inputs).toMatchObject({ namespace: 'sipline', metricName: 'VoicemailDeleteFailures', dimensions: { service: 'sipline-voicemail', stack: 'dev' } });
    expect(named('sipline-router-voicemail-enqueue-alarm').inputs).toMatchObject({ namespace: 'sipline', metricName: 'VoicemailEnqueueFailures', dimensions: { service: 'sipline-router', stack: 'dev' } });
    const topic = one(TYPES.topic).state.arn;
    for (const name of ['sipline-voicemail-dead-letters-alarm', 'sipline-voicemail-queue-stalled-alarm', 'sipline-voicemail-worker-errors-alarm', 'sipline-voicemail-recordings-kept-alarm', 'sipline-router-voicemail-enqueue-alarm']) {
      expect(named(name).inputs.alarmActions).toEqual([topic]);
    }
  });

  it("hands Twilio the status callback on the domain and every number, the hunt group's number included", () => {
    const status = `${MOCK_API_ENDPOINT}/voice/status`;
    expect(one(TYPES.sipDomain).inputs).toMatchObject({ voiceStatusCallbackUrl: status, voiceStatusCallbackMethod: 'POST' });
    const numbers = mocks.ofType(TYPES.number);
    expect(numbers.map((n) => n.inputs.phoneNumber).sort()).toEqual(['+14155550100', '+14155550150', '+14155550199']);
    for (const n of numbers) {
      expect(n.inputs).toMatchObject({ voiceUrl: `${MOCK_API_ENDPOINT}/voice/inbound`, statusCallback: status, statusCallbackMethod: 'POST' });
    }
  });

  it("leaves the sender's identity alone when the account already has it (for the address or its domain)", async () => {
    const run = await runSipline({ config: voicemailConfig({ voicemailSenderIdentity: 'existing' }), secretKeys: VOICEMAIL_SECRET_KEYS });
    expect(run.mocks.ofType(TYPES.emailIdentity)).toEqual([]);
    expect(run.mocks.one(TYPES.lambda, 'sipline-voicemail-worker').dependsOn).not.toContain(`${TYPES.emailIdentity}::sipline-voicemail-sender`);
  });

  it('keeps the recording in Twilio, and shows the time in the zone asked, when the stack says so', async () => {
    const run = await runSipline({ config: voicemailConfig({ deleteVoicemailAfterEmail: 'false', voicemailTimeZone: 'Europe/London' }), secretKeys: VOICEMAIL_SECRET_KEYS });
    const env = (run.mocks.one(TYPES.lambda, 'sipline-voicemail-worker').inputs.environment as { variables: Record<string, string> }).variables;
    expect(env).toMatchObject({ DELETE_AFTER_EMAIL: 'false', VOICEMAIL_TIME_ZONE: 'Europe/London' });
  });
});

describe('a stack whose mailboxes keep their voicemail in Twilio (no email)', () => {
  it('has no queue, no worker and no API key, and the router no queue URL', async () => {
    const { mocks } = await runSipline({ config: demoConfig(), secretKeys: SECRET_KEYS });
    expect(mocks.ofType(TYPES.queue)).toEqual([]);
    expect(mocks.ofType(TYPES.voicemail)).toEqual([]);
    expect(mocks.ofType(TYPES.emailIdentity)).toEqual([]);
    const env = (mocks.one(TYPES.lambda, 'sipline-router-function').inputs.environment as { variables: Record<string, string> }).variables;
    expect(env.VOICEMAIL_QUEUE_URL).toBeUndefined();
    expect(statementsOf(mocks, 'sipline-router-policy').map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'ReadTwilioAuthToken']);
  });
});

describe('voicemail to email settings', () => {
  const messageOf = async (overrides: Record<string, unknown>) => (await failure(overrides, VOICEMAIL_STACK)).message;

  it('are required once a mailbox asks for email, all of them named at once with the key that asks', async () => {
    const message = await messageOf({ voicemailFrom: undefined, twilioAccountSid: undefined, voicemailApiKeySid: undefined, voicemailApiKeySecret: undefined });
    expect(message).toContain('sipline:voicemailFrom is required: sipline:users[1].noAnswer.voicemail.email asks for voicemail by email');
    expect(message).toContain('sipline:twilioAccountSid is required');
    expect(message).toContain('sipline:voicemailApiKeySid is required');
    expect(message).toContain('sipline:voicemailApiKeySecret is required');
  });

  it('name each bad value', async () => {
    const message = await messageOf({ voicemailFrom: 'not an address', twilioAccountSid: 'SK123', voicemailApiKeySid: 'AC123', voicemailTimeZone: 'Mars/Olympus', deleteVoicemailAfterEmail: 'maybe', voicemailSenderIdentity: 'domain' });
    expect(message).toContain('sipline:voicemailFrom: "not an address" is not an email address SES can send from');
    expect(message).toContain('sipline:twilioAccountSid: "SK123" is not a Twilio account sid');
    expect(message).toContain('sipline:voicemailApiKeySid: "AC123" is not a Twilio API key sid');
    expect(message).toContain('sipline:voicemailTimeZone: "Mars/Olympus" is not an IANA time zone');
    expect(message).toContain('sipline:deleteVoicemailAfterEmail: "maybe" must be true or false');
    expect(message).toContain('sipline:voicemailSenderIdentity: "domain" must be address');
  });

  it("want the API key's secret, set as a secret, never echoed", async () => {
    expect(await messageOf({ voicemailApiKeySecret: undefined })).toContain("sipline:voicemailApiKeySecret is required: sipline:users[1].noAnswer.voicemail.email asks for voicemail by email (the API key's secret");
    const short = await messageOf({ voicemailApiKeySecret: 'tiny-secret' });
    expect(short).toContain('sipline:voicemailApiKeySecret is too short to be an API key secret');
    expect(short).not.toContain('tiny-secret');
  });
});

/**
 * The worker as Lambda runs it: the real entry point (lambda/voicemail/index.ts) loaded fresh
 * with its environment, the real AWS SDK clients and fetch, talking to scripted Twilio, SES
 * and Secrets Manager on loopback; and what it writes to stdout (what Lambda ships to
 * CloudWatch Logs), split into log lines and EMF metric lines.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type * as QueueSettings from '../../lambda/voicemail/queue';
import { API_KEY_SECRET_ARN, FROM_ADDRESS, lambdaContext } from './fixtures';
import { captureLambdaOutput, type EmfLine } from '../lambdaOutput';
import { type ScriptedHttp, scriptedSecretsManager, scriptedSes, scriptedTwilio, type ScriptedTwilio } from './scripted';

export { metricTotals, type EmfLine } from '../lambdaOutput';

export interface World {
  twilio: ScriptedTwilio;
  ses: ScriptedHttp;
  secrets: ScriptedHttp;
  /**
   * Invokes the worker with an event, as the event source mapping does, and a context with the
   * worker's whole (scaled) timeout left unless another is given.
   */
  invoke(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The Powertools log lines (JSON), EMF lines excluded. */
  logs(): Array<Record<string, unknown>>;
  /** The EMF lines Powertools Metrics wrote. */
  emf(): EmfLine[];
  stop(): Promise<void>;
}

export interface WorldOptions {
  twilio?: ScriptedTwilio;
  ses?: ScriptedHttp;
  secrets?: ScriptedHttp;
  env?: Record<string, string>;
  /**
   * Runs the worker's clock this many times faster: its time budget and timeout
   * (lambda/voicemail/queue.ts) divided by it, so a test of a stall takes seconds, not minutes.
   */
  timeScale?: number;
}

const QUEUE_MODULE = require.resolve('../../lambda/voicemail/queue');

/** lambda/voicemail/queue.ts with its times divided by `scale` (see WorldOptions.timeScale). */
export function scaledTimes(scale: number): { WORKER_TIME_BUDGET_MS: QueueSettings.WorkerTimeBudget; WORKER_TIMEOUT_SECONDS: number } {
  const actual = jest.requireActual<typeof QueueSettings>(QUEUE_MODULE);
  const budget = Object.fromEntries(Object.entries(actual.WORKER_TIME_BUDGET_MS).map(([step, ms]) => [step, ms / scale]));
  return { WORKER_TIME_BUDGET_MS: budget as unknown as QueueSettings.WorkerTimeBudget, WORKER_TIMEOUT_SECONDS: actual.WORKER_TIMEOUT_SECONDS / scale };
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const twilio = options.twilio ?? scriptedTwilio();
  const ses = options.ses ?? scriptedSes();
  const secrets = options.secrets ?? scriptedSecretsManager();
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    // The Lambda runs Node 22; this machine's Node 20 only earns a deprecation notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_SESV2: await ses.start(),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: await secrets.start(),
    TWILIO_API_BASE_URL: await twilio.start(),
    TWILIO_API_KEY_SECRET_ARN: API_KEY_SECRET_ARN,
    VOICEMAIL_FROM: FROM_ADDRESS,
    SIPLINE_STACK: 'dev',
    ...options.env,
  });
  for (const key of ['POWERTOOLS_DEV', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'DELETE_AFTER_EMAIL', 'VOICEMAIL_TIME_ZONE']) {
    if (!options.env || !(key in options.env)) delete process.env[key];
  }

  // Lambda ships both streams to CloudWatch Logs; Powertools writes errors to stderr.
  const captured = captureLambdaOutput();
  const restore = captured.restore;

  const scale = options.timeScale ?? 1;
  let handler!: typeof import('../../lambda/voicemail/index').handler;
  try {
    if (scale !== 1) jest.doMock(QUEUE_MODULE, () => ({ ...jest.requireActual<typeof QueueSettings>(QUEUE_MODULE), ...scaledTimes(scale) }));
    jest.isolateModules(() => {
      handler = (require('../../lambda/voicemail/index') as typeof import('../../lambda/voicemail/index')).handler;
    });
  } catch (err) {
    restore();
    process.env = saved;
    await Promise.all([twilio.stop(), ses.stop(), secrets.stop()]);
    throw err;
  } finally {
    jest.dontMock(QUEUE_MODULE);
  }

  return {
    twilio,
    ses,
    secrets,
    invoke: (event, context = lambdaContext(scaledTimes(scale).WORKER_TIMEOUT_SECONDS * 1000)) => handler(event, context),
    output: captured.output,
    logs: captured.logs,
    emf: captured.emf,
    async stop() {
      restore();
      process.env = saved;
      await Promise.all([twilio.stop(), ses.stop(), secrets.stop()]);
    },
  };
}

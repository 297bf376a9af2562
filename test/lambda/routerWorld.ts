/**
 * The router as Lambda runs it: the real entry point (lambda/index.ts) loaded fresh with its
 * environment, Powertools' Logger and Metrics writing to stdout (what Lambda ships to
 * CloudWatch Logs), and the real AWS SDK's SQS client sending voicemail jobs to a scripted SQS
 * on loopback, which speaks SQS's JSON protocol. The SQS client sends to the host of the queue
 * URL (its `useQueueUrlAsEndpoint`, on by default), so the queue URL names the scripted one,
 * and so does the endpoint (AWS_ENDPOINT_URL_SQS): they agree, as they do in AWS.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RouterDirectory } from '../../lambda/directory';
import { ScriptedHttp, type Reply, type SeenRequest } from '../voicemail/scripted';
import { captureLambdaOutput, type EmfLine } from '../lambdaOutput';
import { AUTH_TOKEN, BASE_URL, withNoAnswerAndGroups } from './fixtures';

/** The path of the queue URL, as SQS writes it: account id and queue name. */
export const QUEUE_PATH = '/123456789012/sipline-dev-voicemail';

/** SendMessage as SQS answers it (AWS JSON 1.0): a message id and the MD5 of the body, which the SDK checks. */
export function sqsAccepts(request: SeenRequest): Reply {
  const { MessageBody } = JSON.parse(request.body.toString()) as { MessageBody: string };
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(MessageBody).digest('hex') }),
  };
}

/** An SQS outage: 500 InternalError (the SDK retries it once, then gives up). */
export function sqsFails(): Reply {
  return { status: 500, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify({ __type: 'InternalError', message: 'We encountered an internal error.' }) };
}

/** The SendMessage requests a scripted SQS saw: target, queue and body. */
export function sentMessages(sqs: ScriptedHttp): Array<{ target: string | undefined; QueueUrl: string; MessageBody: string }> {
  return sqs.seen.map((r) => ({ target: r.headers['x-amz-target'] as string | undefined, ...(JSON.parse(r.body.toString()) as { QueueUrl: string; MessageBody: string }) }));
}

export interface RouterWorld {
  sqs: ScriptedHttp;
  /** VOICEMAIL_QUEUE_URL, on the scripted SQS. */
  queueUrl: string;
  invoke(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2>;
  /** The Powertools log lines (JSON), EMF lines excluded. */
  logs(): Array<Record<string, unknown>>;
  /** The EMF lines Powertools Metrics wrote. */
  emf(): EmfLine[];
  stop(): Promise<void>;
}

export const LAMBDA_CONTEXT = { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'sipline-dev-router' } as never;

export async function startRouter(options: { directory?: RouterDirectory; sqs?: ScriptedHttp; env?: Record<string, string> } = {}): Promise<RouterWorld> {
  const sqs = options.sqs ?? new ScriptedHttp(sqsAccepts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-router-'));
  const directoryFile = path.join(dir, 'router-config.json');
  fs.writeFileSync(directoryFile, JSON.stringify(options.directory ?? withNoAnswerAndGroups()));
  const saved = { ...process.env };
  Object.assign(process.env, {
    ROUTER_CONFIG_FILE: directoryFile,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    PUBLIC_BASE_URL: BASE_URL,
    SIPLINE_STACK: 'dev',
    // The region's endpoint and the queue's host agree, as in AWS (else the SDK warns).
    AWS_ENDPOINT_URL_SQS: await sqs.start(),
    VOICEMAIL_QUEUE_URL: `${sqs.url}${QUEUE_PATH}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    // The Lambda runs Node 22; this machine's Node 20 only earns a deprecation notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.env,
  });
  for (const key of ['POWERTOOLS_DEV', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_SERVICE_NAME', 'VOICEMAIL_SPOOL_DIR', 'TWILIO_AUTH_TOKEN_SECRET_ARN']) {
    if (!options.env || !(key in options.env)) delete process.env[key];
  }

  const captured = captureLambdaOutput();
  const restore = () => {
    captured.restore();
    process.env = saved;
  };

  let handler!: (event: APIGatewayProxyEventV2, context: never) => Promise<APIGatewayProxyStructuredResultV2>;
  try {
    jest.isolateModules(() => {
      handler = (require('../../lambda/index') as typeof import('../../lambda/index')).handler as typeof handler;
    });
  } catch (err) {
    restore();
    await sqs.stop();
    throw err;
  }

  return {
    sqs,
    queueUrl: `${sqs.url}${QUEUE_PATH}`,
    invoke: (event) => handler(event, LAMBDA_CONTEXT),
    logs: captured.logs,
    emf: captured.emf,
    async stop() {
      restore();
      fs.rmSync(dir, { recursive: true, force: true });
      await sqs.stop();
    },
  };
}

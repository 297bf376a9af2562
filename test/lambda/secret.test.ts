/**
 * In AWS the auth token comes from Secrets Manager, fetched during the Lambda's init: the
 * real lambda/index.ts and the real AWS SDK, against a scripted Secrets Manager on loopback
 * (the SDK's AWS_ENDPOINT_URL_SECRETS_MANAGER points it there).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SECRET_READ_DEADLINE_MS } from '../../lambda/authToken';
import { type Reply, type ScriptedHttp, scriptedSecretsManager, secretsManagerError, stalledBody } from '../voicemail/scripted';
import { BASE_URL, OTHER_TOKEN, demoDirectory, outboundCall, webhookEvent } from './fixtures';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sipline-twilio-auth-token-AbCdEf';
const TOKEN = '4a7e1c9f0b3d5e8a2c6f9b1d4e7a0c3f';
const saved = { ...process.env };

let secrets: ScriptedHttp;

/** Waits until the scripted Secrets Manager has seen `count` requests (the init-time fetch is async). */
async function requestsSeen(count: number): Promise<void> {
  for (let waited = 0; secrets.seen.length < count; waited += 10) {
    if (waited > 5000) throw new Error(`Secrets Manager saw ${secrets.seen.length} requests, expected ${count}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A Secrets Manager holding TOKEN, answering the nth request with `reply(n)` when it gives one. */
async function startSecretsManager(reply?: (count: number) => Reply | undefined): Promise<void> {
  secrets = scriptedSecretsManager(TOKEN, reply);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = await secrets.start();
}

/** The router's entry point, loaded fresh: its token read starts now, as in a Lambda's init. */
function coldStart(): typeof import('../../lambda/index').handler {
  let handler!: typeof import('../../lambda/index').handler;
  jest.isolateModules(() => {
    handler = (require('../../lambda/index') as typeof import('../../lambda/index')).handler;
  });
  return handler;
}

const statusOf = async (answer: Promise<unknown>) => ((await answer) as { statusCode: number }).statusCode;

beforeEach(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-secret-'));
  fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(demoDirectory()));
  Object.assign(process.env, {
    ROUTER_CONFIG_FILE: path.join(dir, 'router-config.json'),
    TWILIO_AUTH_TOKEN_SECRET_ARN: SECRET_ARN,
    PUBLIC_BASE_URL: BASE_URL,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The Lambda runs Node 22; this machine's Node 20 only earns a deprecation notice.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.TWILIO_AUTH_TOKEN;
});

afterEach(async () => {
  await secrets.stop();
  process.env = { ...saved };
});

describe('the auth token in AWS', () => {
  it('is fetched from the secret during init, before the first call arrives, and checks signatures', async () => {
    await startSecretsManager();
    const handler = coldStart();
    await requestsSeen(1);
    // Fetched by init alone, for exactly this secret.
    expect(secrets.seen.map((r) => [r.headers['x-amz-target'], JSON.parse(r.body.toString())])).toEqual([['secretsmanager.GetSecretValue', { SecretId: SECRET_ARN }]]);

    expect(await statusOf(handler(webhookEvent(outboundCall('alice', '4155551234'), { signWith: TOKEN })))).toBe(200);
    expect(await statusOf(handler(webhookEvent(outboundCall('alice', '4155551234'), { signWith: OTHER_TOKEN })))).toBe(403);
  });

  it('is fetched again by the next call when the fetch at init failed', async () => {
    // A 4xx the SDK does not retry.
    await startSecretsManager((count) => (count === 1 ? secretsManagerError(400, 'AccessDeniedException', 'not authorized') : undefined));
    const handler = coldStart();
    await requestsSeen(1); // the init-time fetch, denied
    const event = webhookEvent(outboundCall('alice', '4155551234'), { signWith: TOKEN });
    // The call that finds the failure (503) or the one after it fetches again and succeeds;
    // which one depends on when the denial reaches the token source, not on the router.
    const first = await statusOf(handler(event));
    const answered = first === 200 ? first : await statusOf(handler(event));
    expect([first, answered]).toEqual(first === 200 ? [200, 200] : [503, 200]);
    expect(secrets.seen).toHaveLength(2);
  });

  it('gives up a read that never completes at SECRET_READ_DEADLINE_MS: the call waiting on it gets its 503, and the next call reads again', async () => {
    // The first read's answer starts and never ends: the SDK stops timing a request once its
    // headers came, so only the read's own deadline can end it.
    await startSecretsManager((count) => (count === 1 ? stalledBody({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ SecretString: TOKEN }) }) : undefined));
    const started = Date.now();
    const handler = coldStart();
    const event = webhookEvent(outboundCall('alice', '4155551234'), { signWith: TOKEN });

    expect(await statusOf(handler(event))).toBe(503);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(SECRET_READ_DEADLINE_MS - 50);
    expect(waited).toBeLessThan(SECRET_READ_DEADLINE_MS + 1000);
    expect(secrets.seen).toHaveLength(1);

    expect(await statusOf(handler(event))).toBe(200);
    expect(secrets.seen).toHaveLength(2);
  }, 15_000);
});

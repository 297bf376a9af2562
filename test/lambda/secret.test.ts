/**
 * In AWS the auth token comes from Secrets Manager, fetched during the Lambda's init: the
 * real lambda/index.ts and the real AWS SDK, against a scripted Secrets Manager on loopback
 * (the SDK's AWS_ENDPOINT_URL_SECRETS_MANAGER points it there).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAuthToken, SECRET_READ_DEADLINE_MS } from '../../lambda/authToken';
import { BASE_URL, OTHER_TOKEN, demoDirectory, outboundCall, webhookEvent } from './fixtures';

interface SeenRequest {
  target: string | undefined;
  body: { SecretId?: string };
}

/** Answers GetSecretValue with the scripted replies in turn, recording each request. */
class ScriptedSecretsManager {
  readonly seen: SeenRequest[] = [];
  private server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      this.seen.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(body || '{}') });
      const [status, reply] = this.replies.shift() ?? [500, { __type: 'InternalServiceError', message: 'unscripted' }];
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply));
    });
  });
  constructor(private replies: Array<[number, object]>) {}
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sipline-twilio-auth-token-AbCdEf';
const TOKEN = '4a7e1c9f0b3d5e8a2c6f9b1d4e7a0c3f';
const saved = { ...process.env };

let secrets: ScriptedSecretsManager;

/** Waits until the scripted Secrets Manager has seen `count` requests (the init-time fetch is async). */
async function requestsSeen(count: number): Promise<void> {
  for (let waited = 0; secrets.seen.length < count; waited += 10) {
    if (waited > 5000) throw new Error(`Secrets Manager saw ${secrets.seen.length} requests, expected ${count}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startSecretsManager(replies: Array<[number, object]>): Promise<void> {
  secrets = new ScriptedSecretsManager(replies);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = await secrets.start();
}

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
    await startSecretsManager([[200, { ARN: SECRET_ARN, Name: 'sipline-twilio-auth-token', SecretString: TOKEN }]]);
    let handler: typeof import('../../lambda/index').handler;
    jest.isolateModules(() => {
      handler = require('../../lambda/index').handler;
    });
    await requestsSeen(1);
    // Fetched by init alone, for exactly this secret.
    expect(secrets.seen).toEqual([{ target: 'secretsmanager.GetSecretValue', body: { SecretId: SECRET_ARN } }]);

    const signedWithSecret = webhookEvent(outboundCall('alice', '4155551234'), { signWith: TOKEN });
    expect((await handler!(signedWithSecret)) as { statusCode: number }).toMatchObject({ statusCode: 200 });
    const signedWithOther = webhookEvent(outboundCall('alice', '4155551234'), { signWith: OTHER_TOKEN });
    expect((await handler!(signedWithOther)) as { statusCode: number }).toMatchObject({ statusCode: 403 });
  });

  it('is fetched again by the next call when the fetch at init failed', async () => {
    const denied: [number, object] = [400, { __type: 'AccessDeniedException', message: 'not authorized' }];
    await startSecretsManager([denied, [200, { SecretString: TOKEN }]]);
    let handler: typeof import('../../lambda/index').handler;
    jest.isolateModules(() => {
      handler = require('../../lambda/index').handler;
    });
    await requestsSeen(1); // the init-time fetch, denied (a 4xx the SDK does not retry)
    const event = webhookEvent(outboundCall('alice', '4155551234'), { signWith: TOKEN });
    // The call that finds the failure (503) or the one after it fetches again and succeeds;
    // which one depends on when the denial reaches the token source, not on the router.
    const first = (await handler!(event)) as { statusCode: number };
    const answered = first.statusCode === 200 ? first : ((await handler!(event)) as { statusCode: number });
    expect([first.statusCode, answered.statusCode]).toEqual(first.statusCode === 200 ? [200, 200] : [503, 200]);
    expect(secrets.seen).toHaveLength(2);
  });

  it('gives up a read that never answers within SECRET_READ_DEADLINE_MS, so the calls waiting on it get their 503 and the next one tries again', async () => {
    // A Secrets Manager that accepts connections and never answers.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    secrets = new ScriptedSecretsManager([]);
    await secrets.start();
    try {
      const started = Date.now();
      await expect(loadAuthToken({ TWILIO_AUTH_TOKEN_SECRET_ARN: SECRET_ARN })).rejects.toThrow();
      expect(Date.now() - started).toBeLessThanOrEqual(SECRET_READ_DEADLINE_MS + 1000);
    } finally {
      silent.close();
    }
  }, 15_000);
});

/**
 * The voice fallback as Lambda runs it: its bundle (lambda/fallback/build.ts) in a folder with no
 * node_modules, in a process of its own per case (it reads its environment at cold start), sent
 * real payload 2.0 events: Twilio's fallback request, signed, and what anyone else could send.
 * It always apologises; its log line and metric say whether the request was Twilio's.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bundleFallback } from '../../lambda/fallback/build';
import { TOKEN_WAIT_MS } from '../../lambda/fallback/index';
import { FALLBACK_MESSAGE } from '../../lambda/messages';
import { NO_ANSWER, ScriptedHttp } from '../voicemail/scripted';
import { AUTH_TOKEN, inboundCall, OTHER_TOKEN, webhookEvent } from './fixtures';

const APOLOGY = `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${FALLBACK_MESSAGE}</Say><Hangup/></Response>`;

let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-fallback-'));
  fs.writeFileSync(path.join(dir, 'index.js'), (await bundleFallback()).code);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * One cold start and one request: the answer (and how long it took), the log lines and the EMF
 * lines. The process ends once it has answered, as Lambda freezes a function that has returned
 * (a token read still under way must not hold the test).
 */
function invoke(event: unknown, env: Record<string, string>) {
  const script = `const { handler } = require('./index.js'); const t = Date.now(); handler(${JSON.stringify(event)}, { awsRequestId: 'req-1' }).then((r) => process.stderr.write(JSON.stringify({ ...r, ms: Date.now() - t }), () => process.exit(0)))`;
  const child = spawnSync(process.execPath, ['-e', script], { cwd: dir, env: { PATH: process.env.PATH, PUBLIC_BASE_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com', SIPLINE_STACK: 'dev', ...env }, encoding: 'utf8' });
  const lines = child.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const { ms, ...answer } = JSON.parse(child.stderr) as { statusCode: number; headers: Record<string, string>; body: string; ms: number };
  return { answer, ms, logs: lines.filter((l) => !('_aws' in l)), emf: lines.filter((l) => '_aws' in l) };
}

/** What Twilio posts to a voice fallback URL: the call's parameters, and why the voice URL failed. */
const twilioFallback = (opts: Parameters<typeof webhookEvent>[1] = {}): APIGatewayProxyEventV2 =>
  webhookEvent({ ...inboundCall('+12125550123', '+14155550199'), ErrorCode: '11200', ErrorUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/voice/inbound' }, { path: '/voice/fallback', ...opts });

describe('the voice fallback', () => {
  it("apologises to Twilio's request, counts it as Twilio's (what the alarm watches), and logs the call and Twilio's error", () => {
    const { answer, logs, emf } = invoke(twilioFallback(), { TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    expect(answer).toEqual({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: APOLOGY });
    expect(logs).toEqual([expect.objectContaining({ level: 'INFO', message: 'voice fallback answered', service: 'sipline-fallback', signature: 'valid', requestId: 'req-1', callSid: expect.stringMatching(/^CA/), errorCode: '11200' })]);
    expect(emf).toEqual([expect.objectContaining({ service: 'sipline-fallback', stack: 'dev', Signature: 'valid', FallbackAnswers: 1 })]);
  });

  it('checks the signature over the URL Twilio was given, however PUBLIC_BASE_URL ends', () => {
    const { logs } = invoke(twilioFallback(), { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com/' });
    expect(logs).toEqual([expect.objectContaining({ signature: 'valid' })]);
  });

  it.each([
    ['no signature', { signature: null }],
    ['a signature made with another token', { signWith: OTHER_TOKEN }],
  ])('apologises just the same to a request with %s, but counts it as not Twilio\'s and logs none of its values', (_what, opts) => {
    const { answer, logs, emf } = invoke(twilioFallback(opts as Parameters<typeof webhookEvent>[1]), { TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    expect(answer.body).toBe(APOLOGY);
    expect(logs).toEqual([expect.objectContaining({ signature: 'invalid' })]);
    expect(logs[0]).not.toHaveProperty('errorCode');
    expect(emf).toEqual([expect.objectContaining({ Signature: 'invalid', FallbackAnswers: 1 })]);
  });

  it('apologises within its wait for the token when Secrets Manager never answers, says it could not check, and pages no one for it', async () => {
    // A Secrets Manager that accepts connections and never answers: the slowest way to fail.
    const silent = new ScriptedHttp(() => NO_ANSWER);
    const endpoint = await silent.start();
    try {
      const { answer, ms, logs, emf } = await new Promise<ReturnType<typeof invoke>>((resolve) =>
        setImmediate(() =>
          resolve(
            invoke(twilioFallback(), {
              TWILIO_AUTH_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stuck',
              AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
              AWS_REGION: 'us-east-1',
              AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
              AWS_SECRET_ACCESS_KEY: 'secret',
              // The Lambda runs Node 22; this machine's Node 20 only earns a deprecation notice.
              AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
              NODE_PATH: path.join(__dirname, '../../node_modules'),
            }),
          ),
        ),
      );
      expect(answer.body).toBe(APOLOGY);
      expect(logs).toEqual([expect.objectContaining({ signature: 'unchecked' })]);
      expect(emf).toEqual([expect.objectContaining({ Signature: 'unchecked' })]);
      // It waited for the token, and no longer: well inside the Lambda's 3 s.
      expect(ms).toBeGreaterThanOrEqual(TOKEN_WAIT_MS - 50);
      expect(ms).toBeLessThan(2500);
    } finally {
      await silent.stop();
    }
  });

  it('apologises to anything at all, even no event or a body that is no form', () => {
    for (const event of [null, {}, { body: '%%%', headers: { 'x-twilio-signature': 'x' } }, { body: 'a'.repeat(40_000), headers: { 'x-twilio-signature': 'x' } }]) {
      const { answer, emf } = invoke(event, { TWILIO_AUTH_TOKEN: AUTH_TOKEN });
      expect(answer).toMatchObject({ statusCode: 200, body: APOLOGY });
      expect(emf).toEqual([expect.objectContaining({ Signature: 'invalid' })]);
    }
  });

  it('builds its answer at build time: no VoiceResponse, no xmlbuilder, no directory in the bundle', async () => {
    const { code } = await bundleFallback();
    expect(code).toContain(APOLOGY);
    expect(code).not.toContain('xmlbuilder');
    expect(code).not.toContain('router-config.json');
  });
});

/**
 * The built worker: one self-contained, deterministic CommonJS file that runs where Lambda
 * runs it, a folder with no node_modules, finding only what the nodejs22.x runtime provides
 * (the AWS SDK, on NODE_PATH as in /var/runtime/node_modules).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simpleParser } from 'mailparser';
import { bundleVoicemailWorker } from '../../lambda/voicemail/build';
import { WORKER_TIMEOUT_SECONDS } from '../../lambda/voicemail/queue';
import { API_KEY_SECRET, API_KEY_SECRET_ARN, FROM_ADDRESS, jobMessage, lambdaContext, mp3Bytes, REQUEST_ID, sqsEvent, sqsRecord } from './fixtures';
import { RECORDING_PATH, type ScriptedHttp, scriptedSecretsManager, scriptedSes, scriptedTwilio, sesRequest } from './scripted';

const PROJECT_ROOT = path.resolve(__dirname, '../..');

/** A stand-in for /var/runtime/node_modules: the AWS SDK clients the worker uses, nothing else. */
function lambdaRuntimeModules(dir: string): string {
  const modules = path.join(dir, 'runtime', 'node_modules', '@aws-sdk');
  fs.mkdirSync(modules, { recursive: true });
  for (const client of ['client-sesv2', 'client-secrets-manager']) {
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules', '@aws-sdk', client), path.join(modules, client), 'dir');
  }
  return path.join(dir, 'runtime', 'node_modules');
}

function run(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the voicemail worker bundle', () => {
  let code: string;
  let inputs: string[];
  beforeAll(async () => {
    const bundle = await bundleVoicemailWorker();
    code = bundle.code;
    inputs = Object.keys(bundle.metafile.inputs);
  });

  it('is byte-identical when built twice', async () => {
    expect((await bundleVoicemailWorker()).code).toBe(code);
  });

  it('holds only what the worker needs: no twilio SDK, no SMTP transport, the AWS SDK left to the runtime', () => {
    expect(inputs.filter((f) => f.startsWith('node_modules/twilio/') || f.includes('axios'))).toEqual([]);
    expect(inputs.filter((f) => /nodemailer\/dist\/[^/]+\/(smtp-|sendmail-|ses-transport|mailer)/.test(f))).toEqual([]);
    expect(inputs.filter((f) => f.includes('@aws-sdk/'))).toEqual([]);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(250 * 1024);
  });

  it('contains no absolute path of this machine and no credential', () => {
    expect(code).not.toContain(PROJECT_ROOT);
    expect(code).not.toMatch(/\b(AC|SK)[0-9a-f]{32}\b/);
    expect(code).not.toMatch(/\bAKIA[0-9A-Z]{16}\b/);
    expect(code).not.toContain(API_KEY_SECRET);
  });

  describe('run from a folder with no node_modules', () => {
    let twilio: ScriptedHttp;
    let ses: ScriptedHttp;
    let secrets: ScriptedHttp;
    let dir: string;
    const mp3 = mp3Bytes();

    beforeAll(async () => {
      twilio = scriptedTwilio({ mp3 });
      ses = scriptedSes();
      secrets = scriptedSecretsManager();
      await Promise.all([twilio.start(), ses.start(), secrets.start()]);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-voicemail-bundle-'));
    });
    afterAll(async () => {
      await Promise.all([twilio.stop(), ses.stop(), secrets.stop()]);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('emails a voicemail, deletes it, and logs one JSON line and one EMF line per job', async () => {
      const task = path.join(dir, 'task');
      fs.mkdirSync(task);
      fs.writeFileSync(path.join(task, 'index.js'), code);
      const event = sqsEvent(sqsRecord(jobMessage()));
      // stdout and stderr are what Lambda ships to CloudWatch; the result goes to a file.
      // The context as Lambda's runtime makes it: the time left counts down from the timeout.
      const context = `{ ...${JSON.stringify(lambdaContext())}, getRemainingTimeInMillis: ((end) => () => end - Date.now())(Date.now() + ${WORKER_TIMEOUT_SECONDS * 1000}) }`;
      const script = `require('./index.js').handler(${JSON.stringify(event)}, ${context}).then((r) => require('node:fs').writeFileSync('result.json', JSON.stringify(r)))`;

      const child = await run(script, task, {
        PATH: process.env.PATH,
        NODE_PATH: lambdaRuntimeModules(dir),
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ENDPOINT_URL_SESV2: ses.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        TWILIO_API_BASE_URL: twilio.url,
        TWILIO_API_KEY_SECRET_ARN: API_KEY_SECRET_ARN,
        VOICEMAIL_FROM: FROM_ADDRESS,
        SIPLINE_STACK: 'dev',
      });

      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(task, 'result.json'), 'utf8'))).toEqual({ batchItemFailures: [] });
      expect(twilio.seen.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${RECORDING_PATH}.mp3`, `DELETE ${RECORDING_PATH}.json`]);
      const mail = await simpleParser(sesRequest(ses.seen[0]).raw);
      expect(Buffer.compare(mail.attachments[0].content, mp3)).toBe(0);

      const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'INFO', service: 'sipline-voicemail', outcome: 'emailed', recording: 'deleted', requestId: REQUEST_ID }),
        expect.objectContaining({ _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'sipline' })] }), VoicemailsEmailed: 1 }),
      ]);
      expect(child.stdout).not.toContain(API_KEY_SECRET);
    });
  });
});

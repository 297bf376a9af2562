/** The built artifact: one self-contained, deterministic CommonJS file that Lambda can run. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleRouter } from '../../lambda/build';
import { statusCallbackParams } from '../../scripts/simulatedCall';
import { AUTH_TOKEN, demoDirectory, inboundCall, outboundCall, webhookEvent } from './fixtures';

describe('the router bundle', () => {
  let code: string;
  beforeAll(async () => {
    code = (await bundleRouter()).code;
  });

  it('is byte-identical when built twice', async () => {
    expect((await bundleRouter()).code).toBe(code);
  });

  it('stays within the 250 KB budget', () => {
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(250 * 1024);
  });

  it('contains no absolute path of this machine, no REST client and no TwiML builder', () => {
    expect(code).not.toContain(path.resolve(__dirname, '../..'));
    expect(code).not.toContain('api.twilio.com');
    expect(code).not.toContain('xmlbuilder');
  });

  it('leaves the SQS client to the Lambda runtime (external), and writes EMF without Powertools Metrics', () => {
    expect(code).toContain('require("@aws-sdk/client-sqs")');
    expect(code).not.toContain('SendMessageCommand=');
    expect(code).not.toContain('No application metrics to publish');
  });

  it('writes a finished call\'s log line and EMF metrics from a folder with no node_modules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bundle-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(demoDirectory()));
    const event = webhookEvent(
      statusCallbackParams(inboundCall('+12125550123', '+14155550199'), { status: 'completed', seconds: 42, sipResponseCode: '200', at: new Date('2025-06-03T14:06:00Z') }),
      { path: '/voice/status' },
    );
    const script = `require('./index.js').handler(${JSON.stringify(event)}, {}).then(r => process.stderr.write(JSON.stringify(r)))`;
    const child = spawnSync(process.execPath, ['-e', script], { cwd: dir, env: { PATH: process.env.PATH, TWILIO_AUTH_TOKEN: AUTH_TOKEN, SIPLINE_STACK: 'prod', NODE_PATH: '' }, encoding: 'utf8' });
    expect(JSON.parse(child.stderr)).toMatchObject({ statusCode: 204 });
    const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({ _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'sipline', Dimensions: [['service', 'stack', 'Flow']] })] }), stack: 'prod', Flow: 'inbound', Calls: 1, CallDuration: 42 }),
      expect.objectContaining({ level: 'INFO', message: 'call finished', flow: 'inbound', status: 'completed', durationSeconds: 42 }),
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs from a folder with no node_modules, reading router-config.json beside it, and logs one JSON line per call', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bundle-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(demoDirectory()));
    const event = webhookEvent(outboundCall('alice', '4155551234'));
    const context = { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'sipline-dev-router' };
    // The result goes to stderr; stdout is what Lambda would ship to CloudWatch: the logs.
    const script = `require('./index.js').handler(${JSON.stringify(event)}, ${JSON.stringify(context)}).then(r => process.stderr.write(JSON.stringify(r)))`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: dir,
      // PUBLIC_BASE_URL unset: the signature is checked against https:// + the request's host.
      env: { PATH: process.env.PATH, TWILIO_AUTH_TOKEN: AUTH_TOKEN, NODE_PATH: '' },
      encoding: 'utf8',
    });
    const result = JSON.parse(child.stderr);
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<Number>+14155551234</Number>');
    const lines = child.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'call routed',
        service: 'sipline-router',
        flow: 'pstn',
        route: 'outbound',
        callSid: 'CA0123456789abcdef0123456789abcdef',
        requestId: context.awsRequestId,
        dialed: '+14155551234',
      }),
    ]);
    expect(child.stdout).not.toContain(AUTH_TOKEN);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails its init naming the file when the directory is invalid', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bundle-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify({ ...demoDirectory(), defaultCountry: 'XX' }));
    let stderr = '';
    try {
      execFileSync(process.execPath, ['-e', "require('./index.js')"], { cwd: dir, env: { PATH: process.env.PATH, TWILIO_AUTH_TOKEN: 'x' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      stderr = (e as { stderr: string }).stderr;
    }
    expect(stderr).toContain(`${path.join(dir, 'router-config.json')}: defaultCountry: "XX" is not an ISO 3166 alpha-2 country code`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

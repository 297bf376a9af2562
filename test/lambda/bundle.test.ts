/** The built artifact: one self-contained, deterministic CommonJS file that Lambda can run. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleRouter, routerCodeFiles, type RouterBundle } from '../../lambda/build';
import { statusCallbackParams } from '../../scripts/simulatedCall';
import { AUTH_TOKEN, demoDirectory, inboundCall, outboundCall, webhookEvent } from './fixtures';

describe('the router bundle', () => {
  let bundle: RouterBundle;
  let code: string;
  beforeAll(async () => {
    bundle = await bundleRouter();
    code = bundle.code;
  });

  /** The router's code files, as in its Lambda archive, in a new folder with no node_modules. */
  function lambdaFolder(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bundle-'));
    for (const [name, text] of Object.entries(routerCodeFiles(bundle))) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  it('is byte-identical when built twice', async () => {
    const again = await bundleRouter();
    expect(again.code).toBe(code);
    expect(again.metricsCode).toBe(bundle.metricsCode);
  });

  it('stays within the 250 kB budget: Powertools Metrics (loaded only to emit) and the phone metadata (data) beside it', () => {
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(250_000);
    expect(code).not.toContain('No application metrics to publish');
    expect(code).toContain('require("./powertools-metrics.js")');
    expect(bundle.metricsCode).toContain('No application metrics to publish');
    expect(code).toContain('"phone-metadata.json"');
    expect(JSON.parse(bundle.phoneMetadata)).toHaveProperty('countries.GB');
  });

  it('needs no node:zlib', () => {
    expect(code).not.toMatch(/require\("(node:)?zlib"\)/);
  });

  it('contains no absolute path of this machine, no REST client and no TwiML builder', () => {
    expect(code).not.toContain(path.resolve(__dirname, '../..'));
    expect(code).not.toContain('api.twilio.com');
    expect(code).not.toContain('xmlbuilder');
  });

  it('leaves the SQS client to the Lambda runtime (external)', () => {
    expect(code).toContain('require("@aws-sdk/client-sqs")');
    expect(code).not.toContain('SendMessageCommand=');
  });

  it('writes a finished call\'s log line and EMF metrics from a folder with no node_modules', () => {
    const dir = lambdaFolder();
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
    const dir = lambdaFolder();
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
    const dir = lambdaFolder();
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

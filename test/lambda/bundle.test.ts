/** The built artifact: one self-contained, deterministic CommonJS file that Lambda can run. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleRouter } from '../../lambda/build';
import { demoDirectory, outboundCall, webhookEvent } from './fixtures';

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

  it('contains no auth token, no absolute path of this machine and no REST client', () => {
    expect(code).not.toContain(path.resolve(__dirname, '../..'));
    expect(code).not.toMatch(/TWILIO_AUTH_TOKEN=|api\.twilio\.com\/2010-04-01/);
  });

  it('runs from a folder with no node_modules, reading router-config.json beside it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bundle-'));
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(demoDirectory()));
    const event = webhookEvent(outboundCall('alice', '4155551234'));
    const script = `require('./index.js').handler(${JSON.stringify(event)}).then(r => process.stdout.write(JSON.stringify(r)))`;
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: dir,
      // PUBLIC_BASE_URL unset: the signature is checked against https:// + the request's host.
      env: { PATH: process.env.PATH, TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef', NODE_PATH: '' },
      encoding: 'utf8',
    });
    const lines = out.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1].replace(/^.*?(\{"statusCode")/, '$1'));
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('<Number>+14155551234</Number>');
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

/**
 * The oldest Pulumi CLI sipline runs on, and what an older one shows. Pulumi CLI 3.139.0 and
 * 3.140.0's Node.js language host started a source plugin as
 * `node <run-plugin> <req.Info.EntryPoint>` (".") in req.Pwd, the program's directory, with no
 * engine address and its own environment (pulumi/pulumi v3.140.0
 * sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin; fixed by #17836 in 3.141.0): that ran
 * the program where the engine wanted the plugin. test/twilio/plugin.ts starts the plugin as
 * 3.141.0 and later do.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIN_PULUMI_CLI, OLD_CLI_MESSAGE, startedAsPlugin } from '../../infra/pulumiCli';
import { programDirectory, ROOT } from '../pulumiHost';
import { projectPluginFolder } from '../twilio/plugin';

describe('a Pulumi CLI older than 3.141.0', () => {
  it('stops with a message naming the version to install, not a config error of the program run by mistake', async () => {
    // locateModule from the plugin folder, as every version of the host does.
    const runPlugin = spawnSync(process.execPath, ['-e', "console.log(require.resolve('@pulumi/pulumi/cmd/run-plugin'))"], { cwd: projectPluginFolder(), encoding: 'utf8' }).stdout.trim();
    // The language host's own environment: no PULUMI_CONFIG (that was in req.Env, not passed).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PULUMI_') && !k.startsWith('TWILIO_')));
    const child = spawn(process.execPath, [runPlugin, '.'], { cwd: programDirectory().pwd, env: { ...env, PULUMI_NODEJS_TYPESCRIPT: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stdout).toBe(''); // no port: the engine reports the plugin failed, with this stderr
    expect(stderr).toContain(OLD_CLI_MESSAGE);
    expect(stderr).not.toMatch(/sipline:users is required|\n\s+at /);
  }, 60000);

  it('is told apart from the program run by cmd/run, whatever the platform writes', () => {
    const pulumiDir = path.dirname(require.resolve('@pulumi/pulumi/package.json'));
    expect(startedAsPlugin([process.execPath, path.join(pulumiDir, 'cmd', 'run-plugin')])).toBe(true);
    expect(startedAsPlugin([process.execPath, path.join(pulumiDir, 'cmd', 'run-plugin', 'index.js')])).toBe(true);
    expect(startedAsPlugin([process.execPath, path.join(pulumiDir, 'cmd', 'run')])).toBe(false);
    expect(startedAsPlugin([process.execPath, path.join(ROOT, 'node_modules/.bin/jest')])).toBe(false);
  });
});

describe('the minimum Pulumi CLI', () => {
  it('is the one the README states (test/ci/workflows.test.ts checks what CI installs)', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`**The Pulumi CLI, ${MIN_PULUMI_CLI} or later**`);
    expect(readme).toContain(`needs a Pulumi CLI of ${MIN_PULUMI_CLI} or later`);
    expect(readme).not.toMatch(/3\.139 or later|3\.140 or later/);
  });
});

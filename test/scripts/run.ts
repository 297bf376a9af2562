/**
 * The command-line scripts run as a user runs them: `tsx scripts/<name>.ts` (what `npm start`,
 * `npm run call` and `npm run plan` run) in its own process, from the project's root, with an
 * environment that holds only what the test gives it (no PORT, token or stack of the machine).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { PORT: _p, SIPLINE_STACK: _s, TWILIO_AUTH_TOKEN: _t, ROUTER_CONFIG_FILE: _r, ...rest } = process.env;
  return { ...rest, POWERTOOLS_LOG_LEVEL: 'SILENT', ...env };
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `tsx scripts/<script>.ts ...args`, to completion. */
export function runScript(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Finished> {
  return collect(spawn(TSX, [path.join('scripts', `${script}.ts`), ...args], { cwd: ROOT, env: baseEnv(env) }));
}

/** A command line exactly as printed for a person to paste (`PORT=3301 npm run call -- ...`). */
export function runShell(command: string, env: Record<string, string> = {}): Promise<Finished> {
  return collect(spawn('bash', ['-c', command], { cwd: ROOT, env: baseEnv(env) }));
}

export interface RunningServer {
  port: number;
  /** What it printed until it was listening. */
  stdout: string;
  stderr: string;
  /** SIGTERM to its process group (tsx and the node process it runs), then its exit. */
  stop(): Promise<Finished>;
}

/** `npm start` (tsx scripts/local-server.ts), resolved once it prints that it is listening. */
export function startServer(env: Record<string, string>): Promise<RunningServer> {
  // Its own process group, so stop() reaches tsx's child too, as Ctrl-C would.
  const child = spawn(TSX, [path.join('scripts', 'local-server.ts')], { cwd: ROOT, env: baseEnv(env), detached: true });
  const finished = collect(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const listening = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      // The whole banner: it ends with the line about --help.
      if (listening && stdout.includes('--help')) {
        resolve({
          port: Number(listening[1]),
          stdout,
          stderr,
          stop: () => {
            try {
              process.kill(-(child.pid as number), 'SIGTERM');
            } catch {
              // already gone
            }
            return finished;
          },
        });
      }
    });
    void finished.then((f) => reject(new Error(`npm start exited (${f.code}) before listening:\n${f.stdout}${f.stderr}`)));
  });
}

/**
 * Writes `Pulumi.<stack>.yaml` at the project's root, where stackConfigPath looks for every
 * stack, and returns a function that removes it. The stack name has a dot (Pulumi allows it),
 * which keeps the file out of test/infra/project.test.ts's check of the committed stack files.
 */
export function writeStackFile(stack: string, yaml: string): () => void {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, yaml);
  return () => fs.rmSync(file, { force: true });
}

/** The bytes of every file in a directory and its folders, by path (`voicemail/RE….json`). */
export function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((name) => fs.statSync(path.join(dir, name)).isFile())
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('base64')]),
  );
}

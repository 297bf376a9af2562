import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SPECS = path.join(ROOT, 'node_modules/@twilio/cli-core/src/services/twilio-api');
/** Twilio's own OpenAPI description of API 2010-04-01, as shipped with the Twilio CLI. */
export const TWILIO_SPEC = path.join(SPECS, 'twilio_api_v2010.json');
/** ...and of Voice v1 (dialing permissions). */
export const TWILIO_VOICE_SPEC = path.join(SPECS, 'twilio_voice_v1.json');
const PRISM_BIN = path.join(ROOT, 'node_modules/.bin/prism');

export interface PrismServer {
  baseUrl: string;
  /** Prism's output so far: a failing test can print it. */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `prism mock` on a free loopback port serving the Twilio spec; resolves once Prism
 * says it is listening. Static mode (no -d): answers are the spec's examples, so they are
 * stable; every request is validated against the spec and a bad one gets 422.
 */
export async function startPrism(spec = TWILIO_SPEC, timeoutMs = 45000): Promise<PrismServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(PRISM_BIN, ['mock', '-h', '127.0.0.1', '-p', String(port), spec], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const killOnExit = () => child.kill('SIGKILL');
  // If jest dies before afterAll, do not leave Prism behind.
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Prism did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (code ${code}) before listening:\n${output.slice(-2000)}`));
    });
  });
  return { baseUrl: `http://127.0.0.1:${port}`, log: () => output, stop };
}

/**
 * `npm run bench`: prints the router's size, cold start, warm latency and memory, and how long
 * the Pulumi program takes to evaluate a 1,000-user stack. Figures, not pass/fail: machines
 * are shared and noisy, so the targets are printed beside the measurements.
 *
 * Each measurement runs in its own node process with the router's logs sent to /dev/null, as
 * Lambda would ship them, so logging is part of the cost measured.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';
import { bundleRouter } from '../lambda/build';
import { AUTH_TOKEN, BASE_URL, demoDirectory, inboundCall, outboundCall, webhookEvent } from '../test/lambda/fixtures';

const WARM_REQUESTS = 100_000;
const COLD_RUNS = 15;

/** The tests' demo directory, and 200 more users bound to numbers. */
const directory = {
  ...demoDirectory(),
  users: [...demoDirectory().users, ...Array.from({ length: 200 }, (_, i) => ({ username: `user${i}`, number: `+1415555${String(1000 + i)}` }))],
};

/** The mix of flows the warm benchmark cycles through: signed payload 2.0 events. */
const dial = (from: string, to: string) => webhookEvent(outboundCall(from, to));
const ring = (to: string) => webhookEvent(inboundCall('+12125550123', to), { path: '/voice/inbound' });
const MIX = [
  dial('+14155550100', '4155551234'), // E.164 user -> PSTN, national digits
  dial('alice', '+16135550123'), // alphanumeric -> PSTN (CA)
  dial('+14155550100', '4155550101'), // E.164 -> E.164 user by number
  dial('bob', 'alice'), // alphanumeric -> alphanumeric
  webhookEvent({ ...outboundCall('+14155550100', '4155551234'), To: 'sip:4155551234@acme.sip.twilio.com;user=phone' }),
  dial('bob', '+442079460000'), // refused: country
  dial('bob', '19005551234'), // refused: premium rate
  ring('+14155550199'), // PSTN -> alice
  ring('+14155551010'), // PSTN -> user10
  ring('+14155550777'), // not in service
];

function childScript(mode: 'cold' | 'warm', bundle: string): string {
  return `
const t0 = process.hrtime.bigint();
const { handler: invoke } = require(${JSON.stringify(bundle)});
const mix = JSON.parse(require('fs').readFileSync(process.env.BENCH_EVENTS, 'utf8'));
// As Lambda calls it: with a context, which the router adds to its log line.
const context = { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'sipline-dev-router', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sipline-dev-router', memoryLimitInMB: '256' };
const handler = (event) => invoke(event, context);
(async () => {
  const first = await handler(mix[0]);
  if (first.statusCode !== 200) throw new Error('first request got ' + first.statusCode);
  const cold = Number(process.hrtime.bigint() - t0) / 1e6;
  if (${JSON.stringify(mode)} === 'cold') { process.stderr.write(JSON.stringify({ cold }) + '\\n'); return; }
  for (let i = 0; i < 5000; i++) await handler(mix[i % mix.length]);
  const n = ${WARM_REQUESTS};
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = mix[i % mix.length];
    const s = process.hrtime.bigint();
    const r = await handler(e);
    samples[i] = Number(process.hrtime.bigint() - s) / 1e3;
    if (r.statusCode !== 200) throw new Error('request got ' + r.statusCode);
  }
  samples.sort();
  const q = (p) => samples[Math.min(n - 1, Math.floor(p * n))];
  process.stderr.write(JSON.stringify({ median: q(0.5), p99: q(0.99), rssMiB: process.memoryUsage().rss / 2 ** 20, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 }) + '\\n');
})().catch((e) => { console.error(e); process.exit(1); });`;
}

/**
 * The baseline of the cold-start target: the very same router, built the same way, except that
 * its two deep imports become `require('twilio')` whole, loaded from node_modules the way a
 * handler that requires twilio is usually deployed. So the comparison isolates what the deep
 * imports (and keeping the REST client out) buy.
 */
const requireTwilioWhole: esbuild.Plugin = {
  name: 'require-twilio-whole',
  setup(build) {
    build.onResolve({ filter: /^twilio\/lib\/(webhooks\/webhooks|twiml\/VoiceResponse)$/ }, (args) => ({ path: args.path, namespace: 'twilio-whole' }));
    build.onLoad({ filter: /.*/, namespace: 'twilio-whole' }, (args) => ({
      loader: 'js',
      contents: args.path.endsWith('VoiceResponse') ? "module.exports = require('twilio').twiml.VoiceResponse;" : "module.exports = require('twilio');",
    }));
    build.onResolve({ filter: /^twilio$/ }, () => ({ path: 'twilio', external: true }));
  },
};

function runChild(script: string, env: Record<string, string>): Record<string, number> {
  // stdout (the router's logs) goes to /dev/null; the figures come back on stderr.
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`benchmark process failed:\n${child.stderr}`);
  return JSON.parse(child.stderr.trim().split('\n').pop()!);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** A router bundle and its directory in a folder of their own. */
function writeRouter(dir: string, code: string): string {
  fs.writeFileSync(path.join(dir, 'index.js'), code);
  fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(directory));
  return path.join(dir, 'index.js');
}

async function benchRouter(work: string, baselineDir: string): Promise<void> {
  const { code } = await bundleRouter();
  const bundlePath = writeRouter(work, code);
  const baseline = writeRouter(baselineDir, (await bundleRouter([requireTwilioWhole])).code);
  const events = path.join(work, 'events.json');
  fs.writeFileSync(events, JSON.stringify(MIX));
  const env = { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: BASE_URL, BENCH_EVENTS: events };

  console.log(`router bundle            ${fmt(Buffer.byteLength(code) / 1024)} KiB                 (target: at most 250 KB)`);

  const cold = Array.from({ length: COLD_RUNS }, () => runChild(childScript('cold', bundlePath), env).cold);
  const coldWhole = Array.from({ length: COLD_RUNS }, () => runChild(childScript('cold', baseline), env).cold);
  console.log(`cold start, sipline      ${fmt(median(cold))} ms   (load + first request, median of ${COLD_RUNS} new processes)`);
  console.log(`cold start, whole twilio ${fmt(median(coldWhole))} ms   (the same router with require('twilio') whole)`);
  console.log(`cold start ratio         ${fmt(median(cold) / median(coldWhole), 3)}                   (target: at most 0.2)`);

  const warm = runChild(childScript('warm', bundlePath), env);
  console.log(`warm, median             ${fmt(warm.median)} µs   (${WARM_REQUESTS.toLocaleString('en')} signed requests, ${MIX.length} flows; target: at most 35 µs)`);
  console.log(`warm, p99                ${fmt(warm.p99)} µs   (target: at most 150 µs)`);
  console.log(`memory after warm run    ${fmt(warm.rssMiB)} MiB RSS, ${fmt(warm.heapMiB)} MiB heap`);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-bench-'));
  // Inside the project, so that the baseline's require('twilio') finds node_modules.
  const baselineDir = fs.mkdtempSync(path.join(process.cwd(), 'node_modules', '.sipline-bench-'));
  try {
    await benchRouter(work, baselineDir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(baselineDir, { recursive: true, force: true });
  }

  const { benchStack } = await import('./bench-stack');
  const { ms, resources } = await benchStack(1000);
  console.log(`stack with 1,000 users   ${fmt(ms, 0)} ms to evaluate under mocks (${resources.toLocaleString('en')} resources)`);

  const { benchProvider } = await import('./bench-provider');
  const provider = await benchProvider();
  for (const [what, bytes] of Object.entries(provider.stateBytes)) {
    console.log(`state, ${`${what} `.padEnd(17)}${bytes.toLocaleString('en')} bytes (inputs + outputs as the engine stores them; target: at most 2 KB)`);
  }
  console.log(`100 credentials          ${provider.requestsFor100Credentials} requests to Twilio, ${provider.lookupsFor100Credentials} lookups (target: N + a small constant)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

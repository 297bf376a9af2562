/**
 * `npm run bench`: prints the router's size, cold start, warm latency, the cost of hostile
 * bodies and memory, and how long the Pulumi program takes to evaluate a 1,000-user stack.
 * Figures, not pass/fail: machines are shared and noisy, so each figure with a target is
 * printed beside it, in the same unit, marked `ok` or `MISSED`.
 *
 * Units, one per kind of figure: sizes in kB (1,000 bytes), memory in MiB (2^20 bytes, as
 * Lambda sizes memory), times in ms, and per-request latencies of the warm router in µs.
 *
 * Each measurement runs in its own node process with the router's logs sent to /dev/null, as
 * Lambda would ship them, so logging is part of the cost measured.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as esbuild from 'esbuild';
import { bundleRouter, routerCodeFiles, type RouterBundle } from '../lambda/build';
import { AFTER_DIAL_PARAMS, afterDialValues, REFER_PARAMS, referValues, type AfterDialContext, type ReferContext } from '../lambda/callbackUrls';
import { WEBHOOK_BODY_LIMITS } from '../lambda/webhookForm';
import { AUTH_TOKEN, BASE_URL, DOMAIN, inboundCall, outboundCall, webhookEvent, withNoAnswerAndGroups } from '../test/lambda/fixtures';
import { dialActionParams, referParams, statusCallbackParams } from './simulatedCall';

const WARM_REQUESTS = 100_000;
const COLD_RUNS = 15;
const HOSTILE_RUNS = 30;

/** The tests' directory with every kind of noAnswer and two hunt groups, and 200 more users bound to numbers. */
const directory = {
  ...withNoAnswerAndGroups(),
  users: [...withNoAnswerAndGroups().users, ...Array.from({ length: 200 }, (_, i) => ({ username: `user${i}`, number: `+1415555${String(1000 + i)}` }))],
};

/** The caller of every call from the PSTN. */
const PSTN = '+12125550123';
/** The mix of flows the warm benchmark cycles through: signed payload 2.0 events. */
const dial = (from: string, to: string) => webhookEvent(outboundCall(from, to));
const ring = (to: string) => webhookEvent(inboundCall(PSTN, to), { path: '/voice/inbound' });
const AT = new Date('2025-06-03T14:06:00Z');
/** Twilio's status callback at the end of a call (every call has one). */
const finished = (call: Record<string, string>, seconds: number) => webhookEvent(statusCallbackParams(call, { status: 'completed', seconds, sipResponseCode: '200', at: AT }), { path: '/voice/status' });
/** A callback URL's query as the router writes it (lambda/voiceResponse.ts urlWithSlots): its parameters in order, with the router's own values. */
const queryOf = <P extends string>(params: readonly P[], values: Record<P, string>) => params.map((p) => `${p}=${values[p]}`).join('&');
/** Twilio's <Dial action> request, on the URL the router wrote for that context. */
const dialEnded = (call: Record<string, string>, status: 'completed' | 'no-answer', after: AfterDialContext) =>
  webhookEvent(dialActionParams(call, status), { path: '/voice/after-dial', query: queryOf(AFTER_DIAL_PARAMS, afterDialValues(after)) });
/** Twilio's REFER request, on the referUrl the router wrote for that context. */
const referred = (call: Record<string, string>, target: string, refer: ReferContext) =>
  webhookEvent(referParams(call, target, DOMAIN), { path: '/voice/refer', query: queryOf(REFER_PARAMS, referValues(refer)) });
/** What the router writes when the PSTN calls a user or a group: no calling phone, the caller's number to forward with. */
const fromPstn = (to: string): AfterDialContext => ({ to, member: 0, forwardCallerId: PSTN, from: PSTN });
const PSTN_TO_ALICE = inboundCall(PSTN, '+14155550199');
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
  ring('+14155550150'), // PSTN -> the sales group (sequential)
  dial('bob', 'support'), // a phone -> the support group (simultaneous)
  dialEnded(PSTN_TO_ALICE, 'no-answer', fromPstn('alice')), // -> voicemail
  dialEnded(PSTN_TO_ALICE, 'no-answer', fromPstn('sales')), // -> next member
  dialEnded(inboundCall(PSTN, '+14155550100'), 'no-answer', fromPstn('+14155550100')), // -> forward
  dialEnded(PSTN_TO_ALICE, 'completed', fromPstn('alice')), // answered: hang up
  referred(PSTN_TO_ALICE, '6135550123', { by: 'alice', party: PSTN }), // transfer to the PSTN
  finished(PSTN_TO_ALICE, 42), // the end of each kind of call: a line and its EMF metrics
  finished(outboundCall('alice', '4155551234'), 95),
  finished(outboundCall('bob', '+442079460000'), 4), // a refused one: a Refusals line too
];

/**
 * Bodies anyone can send, before any signature is checked: the audit's 100,000 repeats of
 * `a&` (200 kB; at 40,000 repeats the old parser took 13 s of CPU), without a signature and
 * with a forged one, and the costliest body the caps let through to the signature check.
 */
function hostileEvent(form: string, signature: string | null) {
  const event = webhookEvent({}, { signature });
  return { ...event, body: Buffer.from(form).toString('base64'), isBase64Encoded: true };
}
const FORGED = 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==';
const repeats = 'a&'.repeat(100_000);
const parameterWidth = Math.floor(WEBHOOK_BODY_LIMITS.maxBytes / WEBHOOK_BODY_LIMITS.maxParams) - 8;
const largestUnderCaps = Array.from({ length: WEBHOOK_BODY_LIMITS.maxParams }, (_, i) => `P${String(i).padStart(3, '0')}=${'v'.repeat(parameterWidth)}`).join('&');
// The audit's To, signed (so it reaches the dial plan): a local number in a context of 15,000
// ones and an x, as To and Called, 30 kB under the caps; read with the old pattern, its To cost about 150 ms of CPU.
const hostileTo = `sip:1;phone-context=+${'1'.repeat(15_000)}x@acme.sip.twilio.com`;
const HOSTILE = {
  unsigned: { event: hostileEvent(repeats, null), status: 403 },
  forged: { event: hostileEvent(repeats, FORGED), status: 413 },
  underCaps: { event: hostileEvent(largestUnderCaps, FORGED), status: 403 },
  signedTo: { event: webhookEvent({ ...outboundCall('bob', 'x'), To: hostileTo, Called: hostileTo }), status: 200 },
};

function childScript(mode: 'cold' | 'warm', bundle: string): string {
  return `
// The events are read first: parsing the benchmark's own JSON is no part of a cold start (Lambda
// hands the function its event already parsed).
const mix = JSON.parse(require('fs').readFileSync(process.env.BENCH_EVENTS, 'utf8'));
const t0 = process.hrtime.bigint();
const { handler: invoke } = require(${JSON.stringify(bundle)});
// As Lambda calls it: with a context, which the router adds to its log line.
const context = { awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678', functionName: 'sipline-dev-router', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sipline-dev-router', memoryLimitInMB: '256' };
const handler = (event) => invoke(event, context);
(async () => {
  const first = await handler(mix[0]);
  if (first.statusCode !== 200) throw new Error('first request got ' + first.statusCode);
  const cold = Number(process.hrtime.bigint() - t0) / 1e6;
  if (${JSON.stringify(mode)} === 'cold') { process.stderr.write(JSON.stringify({ cold }) + '\\n'); return; }
  for (let i = 0; i < 5000; i++) {
    const r = await handler(mix[i % mix.length]);
    if (r.statusCode !== 200 && r.statusCode !== 204) throw new Error('warm-up request ' + (i % mix.length) + ' got ' + r.statusCode);
  }
  const n = ${WARM_REQUESTS};
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = mix[i % mix.length];
    const s = process.hrtime.bigint();
    const r = await handler(e);
    samples[i] = Number(process.hrtime.bigint() - s) / 1e3;
    if (r.statusCode !== 200 && r.statusCode !== 204) throw new Error('request got ' + r.statusCode);
  }
  samples.sort();
  const q = (p) => samples[Math.min(n - 1, Math.floor(p * n))];
  const memory = { rssMiB: process.memoryUsage().rss / 2 ** 20, heapMiB: process.memoryUsage().heapUsed / 2 ** 20 };
  // Each hostile body, one request at a time: the median and the slowest of ${HOSTILE_RUNS}, in ms.
  // Read only now: 600 kB of JSON has no place in the cold start measured above.
  const hostile = JSON.parse(require('fs').readFileSync(process.env.BENCH_HOSTILE, 'utf8'));
  const hostileMs = {};
  for (const [name, { event, status }] of Object.entries(hostile)) {
    const times = [];
    for (let i = 0; i < ${HOSTILE_RUNS}; i++) {
      const s = process.hrtime.bigint();
      const r = await handler(event);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.statusCode !== status) throw new Error(name + ' got ' + r.statusCode + ', expected ' + status);
    }
    times.sort((a, b) => a - b);
    hostileMs[name] = { median: times[Math.floor(times.length / 2)], max: times[times.length - 1] };
  }
  process.stderr.write(JSON.stringify({ median: q(0.5), p99: q(0.99), ...memory, hostileMs }) + '\\n');
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

/** What a warm child reports: latencies in µs, memory in MiB, hostile bodies in ms. */
interface WarmFigures {
  median: number;
  p99: number;
  rssMiB: number;
  heapMiB: number;
  hostileMs: Record<keyof typeof HOSTILE, { median: number; max: number }>;
}

function runChild<Figures>(script: string, env: Record<string, string>): Figures {
  // stdout (the router's logs) goes to /dev/null; the figures come back on stderr.
  const child = spawnSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`benchmark process failed:\n${child.stderr}`);
  return JSON.parse(child.stderr.trim().split('\n').pop()!) as Figures;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Figures whose target was missed, for the summary line. */
const missed: string[] = [];

/**
 * One line: the figure, its value in its unit, and, when it has one, its target in the same
 * unit and whether it was met. `note` says how it was measured.
 */
function figure(name: string, value: number, unit: string, digits: number, target?: number, note = ''): void {
  const shown = `${fmt(value, digits)}${unit ? ` ${unit}` : ''}`;
  let verdict = '';
  if (target !== undefined) {
    const met = value <= target;
    if (!met) missed.push(name);
    verdict = `at most ${target}${unit ? ` ${unit}` : ''}  ${met ? 'ok' : 'MISSED'}`;
  }
  console.log(`${name.padEnd(38)} ${shown.padEnd(12)} ${verdict.padEnd(24)} ${note}`.trimEnd());
}

/** A router's code files and its directory in a folder of their own, as in its Lambda archive. */
function writeRouter(dir: string, bundle: RouterBundle): string {
  for (const [name, text] of Object.entries(routerCodeFiles(bundle))) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(path.join(dir, 'router-config.json'), JSON.stringify(directory));
  return path.join(dir, 'index.js');
}

async function benchRouter(work: string, baselineDir: string): Promise<void> {
  const bundle = await bundleRouter();
  const { code } = bundle;
  const bundlePath = writeRouter(work, bundle);
  const baseline = writeRouter(baselineDir, await bundleRouter([requireTwilioWhole]));
  const events = path.join(work, 'events.json');
  const hostileEvents = path.join(work, 'hostile.json');
  fs.writeFileSync(events, JSON.stringify(MIX));
  fs.writeFileSync(hostileEvents, JSON.stringify(HOSTILE));
  const env = { TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_BASE_URL: BASE_URL, SIPLINE_STACK: 'bench', BENCH_EVENTS: events, BENCH_HOSTILE: hostileEvents };

  console.log(`${'figure'.padEnd(38)} ${'value'.padEnd(12)} ${'target'.padEnd(24)} how`);
  figure('router bundle', Buffer.byteLength(code) / 1000, 'kB', 1, 250, '(dist/lambda/index.js, 1 kB = 1,000 bytes)');
  figure('  beside it, read at cold start', Buffer.byteLength(bundle.phoneMetadata) / 1000, 'kB', 1, undefined, '(phone-metadata.json: the numbering plans, data)');
  figure('  beside it, loaded to emit metrics', Buffer.byteLength(bundle.metricsCode) / 1000, 'kB', 1, undefined, '(powertools-metrics.js: never on a ringing phone\'s path)');

  // Interleaved, one of each in turn: a ratio of two batches run minutes apart on a shared machine
  // would measure the machine's load changing between them as much as the routers.
  const cold: number[] = [];
  const coldWhole: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    cold.push(runChild<{ cold: number }>(childScript('cold', bundlePath), env).cold);
    coldWhole.push(runChild<{ cold: number }>(childScript('cold', baseline), env).cold);
  }
  figure('cold start, sipline', median(cold), 'ms', 1, undefined, `(load + first request, median of ${COLD_RUNS} new processes)`);
  figure('cold start, whole twilio', median(coldWhole), 'ms', 1, undefined, "(the same router with require('twilio') whole)");
  figure('cold start ratio', median(cold) / median(coldWhole), '', 3, 0.2, '(sipline / whole twilio)');

  const warm = runChild<WarmFigures>(childScript('warm', bundlePath), env);
  figure('warm, median', warm.median, 'µs', 1, 35, `(${WARM_REQUESTS.toLocaleString('en')} signed requests, ${MIX.length} flows)`);
  figure('warm, p99', warm.p99, 'µs', 1, 150);
  const hostile = warm.hostileMs;
  const hostileNote = (name: keyof typeof HOSTILE, what: string) => `(${what}; median of ${HOSTILE_RUNS}, slowest ${fmt(hostile[name].max, 3)} ms)`;
  figure('100,000-repeat unsigned body', hostile.unsigned.median, 'ms', 3, 10, hostileNote('unsigned', '200 kB of a&a&..., no signature: 403 before decoding'));
  figure('100,000-repeat forged body', hostile.forged.median, 'ms', 3, 10, hostileNote('forged', 'the same with a forged signature: 413 unparsed'));
  figure('largest forged body under the caps', hostile.underCaps.median, 'ms', 3, 10, hostileNote('underCaps', `${WEBHOOK_BODY_LIMITS.maxParams} parameters, ${WEBHOOK_BODY_LIMITS.maxBytes / 1024} KiB: parsed, 403`));
  figure('signed 30 kB hostile To', hostile.signedTo.median, 'ms', 3, 10, hostileNote('signedTo', 'a phone-context of 15,000 ones and an x, as To and Called: refused unread, over 256 characters'));
  figure('memory after warm run, RSS', warm.rssMiB, 'MiB', 1, undefined, `(heap ${fmt(warm.heapMiB)} MiB)`);
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
  figure('stack with 1,000 users', ms, 'ms', 0, undefined, `(to evaluate under mocks: ${resources.toLocaleString('en')} resources)`);

  const { benchProvider } = await import('./bench-provider');
  const provider = await benchProvider();
  for (const [what, bytes] of Object.entries(provider.stateBytes)) {
    figure(`state per ${what}`, bytes / 1000, 'kB', 2, 2, '(its inputs + outputs in the checkpoint, as the engine writes them)');
  }
  figure('requests to create 100 credentials', provider.requestsFor100Credentials, '', 0, 100 + 5, `(through the plugin at once; ${provider.lookupsFor100Credentials} lookups)`);
  console.log(missed.length === 0 ? 'every figure with a target is within it' : `MISSED: ${missed.join(', ')} (a shared, noisy machine: run again before concluding)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

/**
 * The router writes its log lines itself (lambda/routerLog.ts): they must be the lines
 * Powertools Logger writes for the same calls, on the same stream, under the same environment
 * (the voicemail worker's dependency is the oracle here).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import type { LogFields } from '../../lambda/handler';
import { jsonLogger } from '../../lambda/routerLog';

type Level = 'info' | 'warn' | 'error';
interface Written {
  stream: 'stdout' | 'stderr';
  line: Record<string, unknown>;
}

const ENV_KEYS = ['AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL', '_X_AMZN_TRACE_ID', 'POWERTOOLS_DEV', 'POWERTOOLS_LOGGER_SAMPLE_RATE', 'TZ'] as const;
type Env = Partial<Record<(typeof ENV_KEYS)[number], string>>;

/** Runs `body` with exactly `env` set of ENV_KEYS (Lambda's TZ), capturing both streams. */
function written(env: Env, body: () => void): Written[] {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, { TZ: ':UTC', ...env });
  const out: Written[] = [];
  const capture = (stream: Written['stream']) => (chunk: string | Uint8Array) => {
    for (const text of String(chunk).split('\n').filter((l) => l !== '')) out.push({ stream, line: JSON.parse(text) as Record<string, unknown> });
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(capture('stdout')), jest.spyOn(process.stderr, 'write').mockImplementation(capture('stderr'))];
  try {
    body();
  } finally {
    spies.forEach((s) => s.mockRestore());
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  return out;
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const withoutTimestamp = (w: Written[]) => w.map(({ stream, line }) => ({ stream, json: JSON.stringify({ ...line, timestamp: ISO_UTC.test(String(line.timestamp)) }) }));

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const level = fc.option(fc.oneof(fc.constantFrom(...LEVELS, 'FATAL', 'warn', ' WARN ', 'bogus', '')), { nil: undefined });
const env = fc.record(
  {
    AWS_LAMBDA_LOG_LEVEL: level,
    POWERTOOLS_LOG_LEVEL: level,
    LOG_LEVEL: level,
    _X_AMZN_TRACE_ID: fc.option(
      fc.constantFrom('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1', '1-67a2f6c1-0c0e5f1e5e9d3a7b2c1d4e5f', 'Parent=557abcec3ee5a047;Sampled=0', ''),
      { nil: undefined },
    ),
  },
  { requiredKeys: [] },
).map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Env);
/** The router's field names are its own: none of Powertools' (level, message, service...). */
const fieldName = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['level', 'message', 'sampling_rate', 'service', 'timestamp', 'xray_trace_id', '__proto__'].includes(k));
const fieldValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constantFrom(null, undefined, ''));
const fields = fc.dictionary(fieldName, fieldValue, { maxKeys: 8 }) as fc.Arbitrary<LogFields>;
const calls = fc.array(fc.tuple(fc.constantFrom<Level>('info', 'warn', 'error'), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fields), { minLength: 1, maxLength: 4 });

describe("the router's log lines", () => {
  it("are Powertools Logger's lines, key order and stream included, under every log level and trace id", () => {
    fc.assert(
      fc.property(env, calls, fc.constantFrom('sipline-router', 'other'), (environment, logCalls, service) => {
        const theirs = written(environment, () => {
          const logger = new Logger({ serviceName: service });
          for (const [lvl, message, f] of logCalls) logger[lvl](message, f);
        });
        const mine = written(environment, () => {
          const logger = jsonLogger(service);
          for (const [lvl, message, f] of logCalls) logger[lvl](message, f);
        });
        expect(withoutTimestamp(mine)).toEqual(withoutTimestamp(theirs));
      }),
      { numRuns: 300 },
    );
  });

  it('print the router\'s own lines as Powertools does: a call routed, a forged request, a failure', () => {
    const lines = written({ POWERTOOLS_LOG_LEVEL: 'INFO', _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' }, () => {
      const logger = jsonLogger('sipline-router');
      logger.info('call routed', { route: 'outbound', flow: 'pstn', callSid: 'CA0123', caller: undefined, from: '' });
      logger.warn('rejected unsigned or forged request', { route: 'status', signed: true });
      logger.error('routing failed', { route: 'inbound', error: 'boom' });
    });
    expect(lines.map((l) => l.stream)).toEqual(['stdout', 'stderr', 'stderr']);
    expect(Object.keys(lines[0].line)).toEqual(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'route', 'flow', 'callSid']);
    expect(lines[0].line).toMatchObject({ level: 'INFO', service: 'sipline-router', sampling_rate: 0, xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793' });
    // SILENT, as the tests run the router: nothing at all.
    expect(written({ POWERTOOLS_LOG_LEVEL: 'SILENT' }, () => jsonLogger('sipline-router').error('routing failed', {}))).toEqual([]);
  });
});

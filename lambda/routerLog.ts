/**
 * The router's log lines: one JSON object a line, the very lines Powertools Logger writes for the
 * same calls (test/lambda/routerLog.test.ts holds them to it, Powertools as the oracle), written
 * here instead: with its commons, Powertools Logger is 23 kB of the bundle and builds a Console of
 * its own, about 3.5 ms of every cold start, a fifth of it (README, Performance). The voicemail
 * worker, which no caller waits for, keeps it.
 *
 * As Powertools writes them:
 * - `level`, `message`, `timestamp` (ISO 8601 in UTC, Lambda's `TZ` being `:UTC`), `service`,
 *   `sampling_rate`, `xray_trace_id` (the Root of `_X_AMZN_TRACE_ID`, which Lambda sets for each
 *   invocation, so read for each line), then the fields in their order, leaving out those that
 *   are undefined, null or "";
 * - INFO on stdout, WARN and ERROR on stderr;
 * - printed from a threshold: AWS_LAMBDA_LOG_LEVEL (Lambda's own, set only with its JSON log
 *   format; FATAL read as CRITICAL) when it is a level, else POWERTOOLS_LOG_LEVEL or else
 *   LOG_LEVEL when that is one (upper case, blanks trimmed), else INFO; SILENT prints nothing.
 * What the router never asked of Powertools is not done: Lambda context fields (the router logs
 * the request id itself), persistent keys, debug sampling (the router has no debug lines:
 * POWERTOOLS_LOGGER_SAMPLE_RATE is not read and `sampling_rate` is 0), POWERTOOLS_DEV's
 * indentation, other time zones.
 */
import type { LogFields, RouterLogger } from './handler';

/** Powertools Logger's thresholds (its LogLevelThreshold). */
const THRESHOLDS: Record<string, number> = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 };

type Env = Record<string, string | undefined>;

/** The threshold Powertools Logger would take from this environment. */
export function logThreshold(env: Env): number {
  const lambdaLevel = env.AWS_LAMBDA_LOG_LEVEL?.trim();
  const lambda = lambdaLevel === 'FATAL' ? 'CRITICAL' : lambdaLevel;
  if (lambda !== undefined && Object.hasOwn(THRESHOLDS, lambda)) return THRESHOLDS[lambda];
  const configured = env.POWERTOOLS_LOG_LEVEL?.trim() || env.LOG_LEVEL?.trim();
  return configured !== undefined && Object.hasOwn(THRESHOLDS, configured) ? THRESHOLDS[configured] : THRESHOLDS.INFO;
}

/** The X-Ray trace id of the invocation: `Root=1-…;Parent=…;Sampled=1` gives its Root. */
function traceId(env: Env): string | undefined {
  const value = env._X_AMZN_TRACE_ID?.trim();
  if (!value) return undefined;
  if (!value.includes('=')) return value;
  for (const field of value.split(';')) {
    const [key, id] = field.split('=');
    if (key === 'Root') return id;
  }
  return undefined;
}

/** One line as Powertools Logger prints it, without its newline. */
export function logLine(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: LogFields, service: string, env: Env, now: Date): string {
  const line: Record<string, unknown> = { level, message, timestamp: now.toISOString(), service, sampling_rate: 0 };
  const trace = traceId(env);
  if (trace) line.xray_trace_id = trace;
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined && value !== null && value !== '') line[key] = value;
  }
  return JSON.stringify(line);
}

export interface LogOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_OUTPUT: LogOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The router's logger, `service` as its lines name it, reading `env` as Powertools Logger does. */
export function jsonLogger(service: string, env: Env = process.env, output: LogOutput = PROCESS_OUTPUT): RouterLogger {
  const threshold = logThreshold(env);
  const print = (level: 'INFO' | 'WARN' | 'ERROR', stream: keyof LogOutput) => (message: string, fields: LogFields) => {
    if (THRESHOLDS[level] >= threshold) output[stream](`${logLine(level, message, fields, service, env, new Date())}\n`);
  };
  return { info: print('INFO', 'stdout'), warn: print('WARN', 'stderr'), error: print('ERROR', 'stderr') };
}

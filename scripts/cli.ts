/**
 * What the command-line scripts (npm start, npm run call, npm run plan) share: reading their
 * arguments and environment, and saying what is wrong with them in the user's own terms.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const DEFAULT_PORT = 3000;

/** A mistake in how a command was started (an argument, PORT, SIPLINE_STACK): printed without a trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * node:util parseArgs, strict, with positionals; its messages reworded for someone typing
 * `npm run x -- ...` (its own advice about `--` makes no sense behind npm's).
 */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    const option = /'(-[^']*)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) throw new UsageError(`unknown option ${option}`);
    throw new UsageError(message);
  }
}

/** `PORT` as `npm start` and `npm run call` read it: 3000 when unset, 0 for any free port. */
export function portFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`PORT=${value} is not a port number: use 1-65535, e.g. PORT=3001 (or PORT=0 for any free port)`);
  }
  return port;
}

/** A stack name as Pulumi allows it (dev when none); anything else could reach outside the project (../x). */
export function stackFrom(value: string | undefined, shown = (stack: string) => `SIPLINE_STACK=${stack}`): string {
  const stack = value === undefined || value === '' ? 'dev' : value;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || /^\.+$/.test(stack)) {
    throw new UsageError(`${shown(stack)} is not a stack name: letters, digits, "_", "." and "-", whose config is Pulumi.<stack>.yaml`);
  }
  return stack;
}

/**
 * npm run check-stack-secrets -- <stack>...
 *
 * Run by the preview, drift and deploy workflows before any `pulumi` command: fails, saying what
 * to run and commit, when a stack file lacks a secret the stack needs or holds one in clear text
 * (infra/stackSecrets.ts). A stack is named as the workflow names it, `org/dev` or `dev`; its
 * file is Pulumi.<last part>.yaml.
 */
import { ConfigError } from '../infra/config';
import { checkStackFile } from '../infra/stackSecrets';
import { parseCommandLine, UsageError } from './cli';

const USAGE = 'usage: npm run check-stack-secrets -- <stack>...   (a stack as org/name or name; its file is Pulumi.<name>.yaml)';

function main(argv: string[]): number {
  let stacks: string[];
  try {
    const { values, positionals } = parseCommandLine(argv, { help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('name at least one stack');
    stacks = positionals;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  let failed = false;
  for (const stack of stacks) {
    try {
      const { problems, notices } = checkStackFile(stack);
      for (const notice of notices) console.log(`notice: ${notice}`);
      for (const problem of problems) console.error(`error: ${problem}`);
      if (problems.length > 0) failed = true;
      else console.log(`ok: the stack file of ${stack} holds every secret the stack needs`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      console.error(`error: ${e.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));

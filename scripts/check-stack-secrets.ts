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

const USAGE = 'usage: npm run check-stack-secrets -- <stack>...   (a stack as org/name or name; its file is Pulumi.<name>.yaml)';

function main(stacks: string[]): number {
  if (stacks.length === 0 || stacks.some((s) => s.startsWith('-'))) {
    const help = stacks.length === 1 && (stacks[0] === '--help' || stacks[0] === '-h');
    (help ? console.log : console.error)(USAGE);
    return help ? 0 : 2;
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

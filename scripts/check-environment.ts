/**
 * npm run check-environment -- <environment> [--reviewers]
 *
 * Run by deploy.yml and drift.yml in a job of their own, before the job that uses the environment:
 * does the GitHub environment keep its secrets to `main` (and, with --reviewers, make a reviewer
 * approve each job)? Every secret sipline's workflows use lives in an environment (README, CI), and
 * GitHub hands an environment's secrets to any job that names it, on any branch, unless its
 * "Deployment branches and tags" rule restricts it: "Selected branches and tags" with the one rule
 * `main` is what keeps them from anyone who can push a branch (GitHub's docs, Managing
 * environments for deployment). "Protected branches only" is refused: it admits every protected
 * branch, and every branch while none is protected (same page).
 *
 * This is an alarm for a misconfigured repository, not the boundary itself: the boundary is the
 * environment's branch rule, which GitHub enforces whatever a branch's workflow files say. A
 * missing environment is refused too, before a job names it (GitHub would create it unprotected).
 *
 * Reads GitHub's REST API with the job's GITHUB_TOKEN (GH_TOKEN; `actions: read`), at
 * GITHUB_API_URL (set by the runner), for GITHUB_REPOSITORY:
 * GET /repos/{repo}/environments/{name} and .../deployment-branch-policies.
 */
import { parseCommandLine, UsageError } from './cli';

const USAGE = 'usage: npm run check-environment -- <environment> [--reviewers]   (needs GH_TOKEN, GITHUB_REPOSITORY; GITHUB_API_URL defaults to https://api.github.com)';

/** GET /repos/{owner}/{repo}/environments/{environment_name}, as far as this check reads it. */
interface Environment {
  protection_rules?: Array<{ type: string }>;
  deployment_branch_policy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
}
/** GET .../deployment-branch-policies. */
interface BranchPolicies {
  branch_policies: Array<{ name: string; type?: string }>;
}

interface CheckOptions {
  reviewers: boolean;
  repository: string;
  apiUrl: string;
  token: string;
}

/** Problems with the environment, each saying what to change where; empty when it is as it must be. */
async function environmentProblems(name: string, options: CheckOptions): Promise<string[]> {
  const base = `${options.apiUrl.replace(/\/+$/, '')}/repos/${options.repository}/environments/${encodeURIComponent(name)}`;
  const get = async <T>(url: string): Promise<T | undefined> => {
    const res = await fetch(url, { headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${options.token}`, 'X-GitHub-Api-Version': '2022-11-28' } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GitHub answered ${res.status} to GET ${url}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  };
  const where = `Settings > Environments > ${name}`;
  const environment = await get<Environment>(base);
  if (!environment) {
    return [
      `The GitHub environment "${name}" does not exist, and a job naming it would create it with no protection. Create it (Settings > Environments > New environment: ${name}), set Deployment branches and tags to Selected branches and tags with the one rule main${options.reviewers ? ', tick Required reviewers' : ''}, add its secrets and variables (README, CI), then run this workflow again.`,
    ];
  }
  const problems: string[] = [];
  const policy = environment.deployment_branch_policy;
  const branches = policy?.custom_branch_policies ? ((await get<BranchPolicies>(`${base}/deployment-branch-policies?per_page=100`))?.branch_policies ?? []) : [];
  const onlyMain = branches.length === 1 && branches[0].name === 'main' && (branches[0].type ?? 'branch') === 'branch';
  if (!onlyMain) {
    const now = !policy ? 'any branch' : policy.protected_branches ? 'every protected branch (and every branch while none is protected)' : `the branches and tags ${branches.map((b) => `${b.type ?? 'branch'} ${b.name}`).join(', ') || '(none listed)'}`;
    problems.push(
      `The GitHub environment "${name}" lets ${now} use its secrets, so anyone who can push a branch could read them. In ${where}, set Deployment branches and tags to Selected branches and tags with the one rule main (ref type Branch).`,
    );
  }
  if (options.reviewers && !(environment.protection_rules ?? []).some((r) => r.type === 'required_reviewers')) {
    problems.push(`The GitHub environment "${name}" requires no reviewer. In ${where}, tick Required reviewers and name who approves.`);
  }
  return problems;
}

async function main(argv: string[]): Promise<number> {
  let name: string;
  let reviewers: boolean;
  try {
    const { values, positionals } = parseCommandLine(argv, { reviewers: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('name one environment');
    [name] = positionals;
    reviewers = values.reviewers === true;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  const { GH_TOKEN: token, GITHUB_REPOSITORY: repository, GITHUB_API_URL: apiUrl = 'https://api.github.com' } = process.env;
  if (!token || !repository) {
    console.error(`GH_TOKEN and GITHUB_REPOSITORY must be set (GitHub's runner sets GITHUB_REPOSITORY; pass GH_TOKEN: \${{ github.token }})\n${USAGE}`);
    return 2;
  }
  const problems = await environmentProblems(name, { reviewers, repository, apiUrl, token });
  // `::error::` lines are GitHub's annotations: they show on the run's summary.
  for (const problem of problems) console.log(`::error::${problem}`);
  if (problems.length === 0) console.log(`The environment ${name} keeps its secrets to main${reviewers ? ' and requires a reviewer' : ''}.`);
  return problems.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.log(`::error::${e.message}`);
    process.exitCode = 1;
  },
);

/**
 * The check the preview, drift and deploy workflows run before any `pulumi` command
 * (`npm run check-stack-secrets -- <org>/<stack>`): a stack file in git must hold, encrypted,
 * every secret Pulumi.yaml requires, or CI stops with the command to run and the file to commit.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { checkStackSecrets, readProjectFile, requiredSecretKeys } from '../../infra/stackSecrets';

const ROOT = path.resolve(__dirname, '../..');
const project = readProjectFile();
const stackFile = (config: Record<string, unknown>) => ({ name: 'Pulumi.dev.yaml', config: { 'sipline:domainName': 'acme', ...config } });

describe('the secrets a stack file must hold', () => {
  it("are Pulumi.yaml's secret keys without a default: the Twilio auth token", () => {
    expect(requiredSecretKeys(project)).toEqual(['sipline:twilioAuthToken']);
  });

  it("and the voicemail worker's API key secret, when a mailbox of the stack emails its voicemail", () => {
    const withEmail = stackFile({ 'sipline:users': [{ username: 'alice', noAnswer: { voicemail: { email: 'alice@example.com' } } }] });
    expect(requiredSecretKeys(project, withEmail)).toEqual(['sipline:twilioAuthToken', 'sipline:voicemailApiKeySecret']);
    const withoutEmail = stackFile({ 'sipline:users': [{ username: 'alice', noAnswer: { voicemail: {} } }] });
    expect(requiredSecretKeys(project, withoutEmail)).toEqual(['sipline:twilioAuthToken']);
    const inClearText = stackFile({ 'sipline:twilioAuthToken': { secure: 'v1:AAAA' }, 'sipline:voicemailApiKeySecret': 'plain-secret-plain-secret-plain!', 'sipline:groups': [{ name: 'sales', members: ['alice'], noAnswer: { voicemail: { email: 'sales@example.com' } } }] });
    const { problems } = checkStackSecrets('dev', inClearText, project);
    expect(problems).toEqual([expect.stringContaining('Pulumi.dev.yaml holds sipline:voicemailApiKeySecret in clear text. Run\n    pulumi config set --secret voicemailApiKeySecret --stack dev\n')]);
    expect(problems[0]).not.toContain('plain-secret');
  });

  it('include a secret Pulumi.yaml declares without the namespace, and no secret with a default', () => {
    const declared = { name: 'p', config: { token: { type: 'string', secret: true }, pin: { type: 'string', secret: true, default: '' }, region: { type: 'string' } } };
    expect(requiredSecretKeys(declared)).toEqual(['p:token']);
  });
});

describe('checking a stack file', () => {
  it('passes one that holds the token as `pulumi config set --secret` writes it', () => {
    expect(checkStackSecrets('acme/dev', stackFile({ 'sipline:twilioAuthToken': { secure: 'v1:AAAABBBBCCCC' } }), project)).toEqual({ problems: [], notices: [] });
  });

  it('fails one without the token, saying what to run for that stack and what to commit', () => {
    expect(checkStackSecrets('acme/dev', stackFile({}), project).problems).toEqual([
      'Pulumi.dev.yaml does not hold sipline:twilioAuthToken, which pulumi preview, refresh and up of stack acme/dev need. Run\n' +
        '    pulumi config set --secret twilioAuthToken --stack acme/dev\n' +
        "(it prompts for the value) and commit Pulumi.dev.yaml: the value is stored encrypted (secure: v1:...) by the stack's secrets provider, and CI decrypts it with PULUMI_ACCESS_TOKEN.",
    ]);
  });

  it('fails one with the token in clear text, and says to rotate it, never echoing it', () => {
    const { problems } = checkStackSecrets('dev', stackFile({ 'sipline:twilioAuthToken': '0123456789abcdef0123456789abcdef' }), project);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('Pulumi.dev.yaml holds sipline:twilioAuthToken in clear text. Run\n    pulumi config set --secret twilioAuthToken --stack dev\n');
    expect(problems[0]).toContain('rotate the secret');
    expect(problems[0]).not.toContain('0123456789abcdef');
  });

  it('only notes a missing token when the stack imports a Pulumi ESC environment, which may supply it', () => {
    expect(checkStackSecrets('dev', stackFile({}), project, true)).toEqual({
      problems: [],
      notices: ['Pulumi.dev.yaml does not set sipline:twilioAuthToken; the Pulumi ESC environment it imports must (not checked here).'],
    });
  });
});

describe('npm run check-stack-secrets, as the workflows run it', () => {
  const run = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/check-stack-secrets.ts', ...args], { cwd: ROOT });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
      return { code, stdout, stderr };
    }
  };

  // The dev stack ships as a demo, with no token: CI stops here until its owner sets one.
  it('fails on the shipped Pulumi.dev.yaml with the command for that stack', async () => {
    const { code, stderr } = await run('acme/dev');
    expect(code).toBe(1);
    expect(stderr).toContain('error: Pulumi.dev.yaml does not hold sipline:twilioAuthToken');
    expect(stderr).toContain('    pulumi config set --secret twilioAuthToken --stack acme/dev\n');
  });

  it('passes a stack file holding the token encrypted, and only notes one whose ESC environment may hold it', async () => {
    // Stack files live at the project's root; these two exist for this test only.
    const files = { [`ci-${process.pid}-a`]: '    secure: v1:AAAABBBBCCCC', [`ci-${process.pid}-b`]: null };
    try {
      for (const [stack, token] of Object.entries(files)) {
        const lines = ['config:', '  sipline:domainName: acme', ...(token ? ['  sipline:twilioAuthToken:', token] : []), ...(token ? [] : ['environment:', '  - acme/sipline'])];
        fs.writeFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), `${lines.join('\n')}\n`);
      }
      const [a, b] = Object.keys(files);
      expect(await run(`acme/${a}`, `acme/${b}`)).toEqual({
        code: 0,
        stdout: `ok: the stack file of acme/${a} holds every secret the stack needs\nnotice: Pulumi.${b}.yaml does not set sipline:twilioAuthToken; the Pulumi ESC environment it imports must (not checked here).\nok: the stack file of acme/${b} holds every secret the stack needs\n`,
        stderr: '',
      });
    } finally {
      for (const stack of Object.keys(files)) fs.rmSync(path.join(ROOT, `Pulumi.${stack}.yaml`), { force: true });
    }
  });

  // `${{ vars.PULUMI_ORG }}/dev` with the variable unset is `/dev`.
  it('refuses a stack with no organization, naming PULUMI_ORG, and any other empty part', async () => {
    const noOrg = await run('/dev');
    expect(noOrg).toMatchObject({ code: 1, stdout: '' });
    expect(noOrg.stderr).toContain('error: "/dev" names no Pulumi organization: the workflows write it as <PULUMI_ORG>/<stack>, and the variable PULUMI_ORG is unset or empty. Set PULUMI_ORG');
    expect(await run('/t6')).toMatchObject({ code: 1, stderr: expect.stringContaining('"/t6" names no Pulumi organization') });
    expect(await run('acme/')).toMatchObject({ code: 1, stderr: expect.stringContaining('error: "acme/" has an empty part') });
    expect(await run('a/b/c/dev')).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a stack name') });
  });

  it('fails on a stack that has no file, naming the file', async () => {
    const { code, stderr } = await run('acme/nope');
    expect({ code, stderr }).toEqual({ code: 1, stderr: expect.stringContaining('Pulumi.nope.yaml not found') });
  });

  it('prints its usage for --help, and refuses no stack at all', async () => {
    expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: npm run check-stack-secrets -- <stack>...') });
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  });
});

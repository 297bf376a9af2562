/**
 * The check the preview, drift and deploy workflows run before any `pulumi` command
 * (`npm run check-stack-secrets -- <org>/<stack>`): a stack file in git must hold, encrypted,
 * every secret Pulumi.yaml requires, or CI stops with the command to run and the file to commit.
 */
import { checkStackSecrets, readProjectFile, requiredSecretKeys } from '../../infra/stackSecrets';
import { runScript, writeStackFile } from '../scripts/run';

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
    // A list written as JSON text, which Pulumi hands the program as it is, and the program reads.
    const asJsonText = stackFile({ 'sipline:users': JSON.stringify([{ username: 'alice', noAnswer: { voicemail: { email: 'alice@example.com' } } }]) });
    expect(requiredSecretKeys(project, asJsonText)).toEqual(['sipline:twilioAuthToken', 'sipline:voicemailApiKeySecret']);
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
    expect(checkStackSecrets('dev', { ...stackFile({}), environment: ['acme/sipline'] }, project)).toEqual({
      problems: [],
      notices: ['Pulumi.dev.yaml does not set sipline:twilioAuthToken; the Pulumi ESC environment it imports must (not checked here).'],
    });
  });
});

describe('npm run check-stack-secrets, as the workflows run it', () => {
  const run = (...args: string[]) => runScript('check-stack-secrets', args);

  // The dev stack ships as a demo, with no token: CI stops here until its owner sets one.
  it('fails on the shipped Pulumi.dev.yaml with the command for that stack', async () => {
    const { code, stderr } = await run('acme/dev');
    expect(code).toBe(1);
    expect(stderr).toContain('error: Pulumi.dev.yaml does not hold sipline:twilioAuthToken');
    expect(stderr).toContain('    pulumi config set --secret twilioAuthToken --stack acme/dev\n');
  });

  it('passes a stack file holding the token encrypted, and only notes one whose ESC environment may hold it', async () => {
    // Stack files live at the project's root; these two exist for this test only.
    const [a, b] = [`ci.${process.pid}-a`, `ci.${process.pid}-b`];
    const removes = [
      writeStackFile(a, 'config:\n  sipline:domainName: acme\n  sipline:twilioAuthToken:\n    secure: v1:AAAABBBBCCCC\n'),
      writeStackFile(b, 'config:\n  sipline:domainName: acme\nenvironment:\n  - acme/sipline\n'),
    ];
    try {
      expect(await run(`acme/${a}`, `acme/${b}`)).toEqual({
        code: 0,
        stdout: `ok: the stack file of acme/${a} holds every secret the stack needs\nnotice: Pulumi.${b}.yaml does not set sipline:twilioAuthToken; the Pulumi ESC environment it imports must (not checked here).\nok: the stack file of acme/${b} holds every secret the stack needs\n`,
        stderr: '',
      });
    } finally {
      for (const remove of removes) remove();
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

  it('prints its usage for --help, and refuses no stack at all and an option it does not know', async () => {
    expect(await run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: npm run check-stack-secrets -- <stack>...') });
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('name at least one stack\nusage:') });
    expect(await run('--stack', 'acme/dev')).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('unknown option --stack\nusage:') });
  });
});

/**
 * What `npm run call` and `npm run plan` say, run as a user runs them: help on request (exit 0),
 * usage on a mistake (exit 2), and a clear message naming what is wrong otherwise (exit 1).
 */
import { runScript, writeStackFile } from './run';

const CALL_USAGE = 'usage: npm run call -- FROM TO [--country GB] [--url URL] [--status S] [--refer TARGET] [--finished]';
const PLAN_USAGE = 'usage: npm run plan -- [STACK]';

describe('npm run call', () => {
  it.each([[['--help']], [['-h']], [['alice', '--help']]])('%j prints the usage and exits 0', async (args) => {
    const result = await runScript('call', args);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining(CALL_USAGE), stderr: '' });
    expect(result.stdout).toContain('PORT               the port of the local router, as npm start printed it (3000)');
  });

  it.each([
    ['FROM only', ['alice'], 'FROM and TO are required'],
    ['an unknown option', ['--verbose', 'alice', 'bob'], 'unknown option --verbose'],
    ['a third argument', ['alice', '415', '5551234'], 'unexpected "5551234" (quote a number with spaces)'],
    ['an unknown country', ['alice', '4155551234', '--country', 'XX'], '--country XX: not an ISO 3166 alpha-2 country code (like GB)'],
    ['a --url that is no http(s) URL', ['--url', 'ftp://example.com', 'alice', 'bob'], '--url ftp://example.com: not an http(s) URL (like https://abc123.execute-api.us-east-1.amazonaws.com)'],
    ['a --status Twilio never sends', ['alice', 'bob', '--status', 'voicemail'], '--status voicemail: not a DialCallStatus; use one of completed, busy, no-answer, failed, canceled'],
    ['a --refer without a target', ['alice', 'bob', '--refer', ' '], '--refer needs a TARGET: a username, a number, or a sip:/tel: URI'],
  ])('refuses %s with the usage, exit 2', async (_what, args, message) => {
    const result = await runScript('call', args);
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    expect(result.stderr.startsWith(`${message}\n${CALL_USAGE}`)).toBe(true);
  });

  it('names PORT and its value when PORT is no port', async () => {
    const result = await runScript('call', ['alice', 'bob'], { PORT: 'abc' });
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 1, stderr: 'PORT=abc is not a port number: use 1-65535, e.g. PORT=3001 (or PORT=0 for any free port)' });
  });

  it('says when no local router runs on PORT', async () => {
    const result = await runScript('call', ['alice', 'bob'], { PORT: '9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^No local router on port 9[:;] /);
  });

  it('asks for TWILIO_AUTH_TOKEN with --url', async () => {
    const result = await runScript('call', ['--url', 'https://abc123.execute-api.us-east-1.amazonaws.com', 'alice', 'bob']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('--url needs TWILIO_AUTH_TOKEN: the auth token of the Twilio account, which the router at https://abc123.execute-api.us-east-1.amazonaws.com checks signatures with');
  });
});

describe('npm run plan', () => {
  it.each([['--help'], ['-h']])('%s prints the usage and exits 0', async (flag) => {
    const result = await runScript('plan', [flag]);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining(PLAN_USAGE), stderr: '' });
  });

  it.each([
    ['a second stack', ['dev', 'prod'], 'one stack at a time: unexpected "prod"'],
    ['an unknown option', ['--verbose'], 'unknown option --verbose'],
    ['an unknown option after the stack', ['dev', '--json'], 'unknown option --json'],
    ['a stack name that is none', ['../dev'], '"../dev" is not a stack name'],
  ])('refuses %s with the usage, exit 2', async (_what, args, message) => {
    const result = await runScript('plan', args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(PLAN_USAGE);
  });

  it('names a stack file that does not exist', async () => {
    const result = await runScript('plan', ['nope']);
    expect({ code: result.code, stderr: result.stderr.trim() }).toEqual({ code: 1, stderr: expect.stringMatching(/^Pulumi\.nope\.yaml not found/) });
  });

  describe('on a stack file with mistakes', () => {
    const stack = `plan-mistakes.${process.pid}`;
    let remove: () => void;
    afterEach(() => remove?.());

    it('warns about keys it does not read and names each unquoted number, as pulumi preview does', async () => {
      remove = writeStackFile(
        stack,
        `config:
  sipline:domainName: acme-test
  sipline:defaultCallerID: "+14155550123"
  Sipline:edge: dublin
  sipline:users:
    - username: +14155550100
    - username: 1001
`,
      );
      const result = await runScript('plan', [stack]);
      expect(result.code).toBe(1);
      // As `pulumi preview` words them: no `[runtime]`, the SDK's prefix when no engine runs it.
      expect(result.stderr).toContain('warning: sipline:defaultCallerID is not a sipline setting and is ignored: did you mean sipline:defaultCallerId?');
      expect(result.stderr).toContain('warning: Sipline:edge is not a sipline setting and is ignored: did you mean sipline:edge?');
      expect(result.stderr).not.toContain('[runtime]');
      expect(result.stderr).toContain(
        [
          'Invalid stack configuration:',
          '  - sipline:users[0].username: 14155550100 is a number in YAML (the "+" was lost): quote it, "+14155550100"',
          '  - sipline:users[1].username: 1001 is a number in YAML: quote it, "1001"',
        ].join('\n'),
      );
    });

    it('names the file and the line of a YAML error', async () => {
      remove = writeStackFile(stack, 'config:\n  sipline:domainName: acme-test\n  sipline:users:\n    - username: alice\n   number: "+14155550199"\n');
      const result = await runScript('plan', [stack]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^Pulumi\\.${stack.replace('.', '\\.')}\\.yaml is not valid YAML \\(Pulumi cannot read it either\\): .* at line 5, column 1`));
    });
  });
});

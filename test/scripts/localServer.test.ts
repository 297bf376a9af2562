/**
 * `npm start` as a new user meets it: the calls it suggests come from the stack it serves and
 * work as printed, and a second `npm start` that fails leaves the running one exactly as it was.
 */
import { localState } from '../../scripts/localRouter';
import { runScript, runShell, snapshot, startServer, writeStackFile, type RunningServer } from './run';

// Not the dev stack: another domain, country and users, so nothing printed can be fixed text.
const STACK = `firsthour.${process.pid}`;
const STACK_FILE = `config:
  aws:region: eu-west-2
  sipline:domainName: firsthour-test
  sipline:defaultCountry: GB
  # No namespace: Pulumi reads it as sipline:allowedCountries, and so must npm start.
  allowedCountries: [GB, IE]
  # Mis-cased: Pulumi ignores it; npm start warns, as pulumi preview does.
  sipline:defaultCallerID: "+442079460999"
  sipline:users:
    - username: carol
      number: "+442079460123"
      noAnswer:
        voicemail:
          email: carol@example.com
    - username: dave
`;
const TOKEN_FROM_ENV = '0123456789abcdef0123456789abcdef';

let removeStackFile: () => void;
let first: RunningServer;

beforeAll(async () => {
  removeStackFile = writeStackFile(STACK, STACK_FILE);
  first = await startServer({ SIPLINE_STACK: STACK, PORT: '0' });
}, 60_000);

afterAll(async () => {
  await first?.stop();
  removeStackFile?.();
});

/** The `npm run call` lines npm start printed, as printed. */
function sampleCommands(banner: string): string[] {
  return banner
    .split('\n')
    .map((line) => /^\s+((?:PORT=\d+ )?npm run call -- .*?)\s+#/.exec(line)?.[1])
    .filter((command): command is string => command !== undefined && !command.endsWith('--help'));
}

describe('npm start on a stack other than dev', () => {
  it('suggests calls on its own domain, users, numbers and port', () => {
    const samples = sampleCommands(first.stdout);
    expect(samples).toEqual([
      `PORT=${first.port} npm run call -- sip:carol@firsthour-test.sip.twilio.com 07400123456`,
      `PORT=${first.port} npm run call -- sip:dave@firsthour-test.sip.twilio.com carol`,
      `PORT=${first.port} npm run call -- +447400123456 +442079460123`,
      `PORT=${first.port} npm run call -- +447400123456 +442079460123 --status no-answer`,
    ]);
    expect(first.stdout).toContain(`listening on http://127.0.0.1:${first.port}  (stack: ${STACK}, domain: firsthour-test.sip.twilio.com`);
    expect(first.stdout).not.toMatch(/acme|alice|127\.0\.0\.1:3000\b/);
  });

  it('each suggested call works exactly as printed, and takes the flow it says', async () => {
    const results = [];
    for (const command of sampleCommands(first.stdout)) results.push(await runShell(command));
    for (const result of results) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(results.map((r) => /flow: (\S+)/.exec(r.stdout)?.[1])).toEqual(['pstn', 'sip-user', 'inbound', 'inbound']);
    expect(results[3].stdout).toContain('flow: after-dial:voicemail');
    expect(results[0].stdout).toContain(
      '<Dial answerOnBridge="true" callerId="+442079460123" action="after-dial"><Number>+447400123456</Number></Dial>',
    );
    expect(results[2].stdout).toContain('<Sip>sip:carol@firsthour-test.sip.twilio.com</Sip>');
  }, 60_000);

  it('reads a key without a namespace as Pulumi does: allowedCountries: [GB, IE] lets carol dial Ireland', async () => {
    const result = await runScript('call', ['carol', '+353850123456'], { PORT: String(first.port) });
    expect(result.stdout).toContain('flow: pstn');
  });

  it('warns about a key it does not read, suggesting the one meant', () => {
    expect(first.stderr).toContain('warning: sipline:defaultCallerID is not a sipline setting and is ignored: did you mean sipline:defaultCallerId?');
  });
});

describe('a second npm start that fails leaves the running one alone', () => {
  const stateOfFirst = () => snapshot(localState(first.port).dir);
  const firstStillAnswers = async () => {
    const result = await runScript('call', ['dave', 'carol'], { PORT: String(first.port) });
    expect({ code: result.code, flow: /flow: (\S+)/.exec(result.stdout)?.[1] }).toEqual({ code: 0, flow: 'sip-user' });
  };

  it('on the port it uses: "in use", and its token, directory and bundle untouched', async () => {
    const before = stateOfFirst();
    // And the voicemail job of the suggested no-answer call, where the queue would be.
    expect(Object.keys(before).filter((file) => !/^voicemail\/RE[0-9a-f]{32}\.json$/.test(file))).toEqual(['auth-token', 'index.js', 'phone-metadata.json', 'powertools-metrics.js', 'router-config.json']);
    const second = await runScript('local-server', [], { PORT: String(first.port) });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`Port ${first.port} is in use (another npm start?): stop what runs there, or choose another port`);
    expect(stateOfFirst()).toEqual(before);
    await firstStillAnswers();
  }, 60_000);

  it('with PORT=abc: names PORT and the value, and touches nothing', async () => {
    const before = stateOfFirst();
    const second = await runScript('local-server', [], { PORT: 'abc' });
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe('PORT=abc is not a port number: use 1-65535, e.g. PORT=3001 (or PORT=0 for any free port)');
    expect(stateOfFirst()).toEqual(before);
    await firstStillAnswers();
  }, 60_000);

  it('with a stack file it refuses: the "did you mean" warnings first, then the error they explain', async () => {
    const stack = `mistyped.${process.pid}`;
    const remove = writeStackFile(stack, 'config:\n  sipline:domainNme: acme\n  sipline:users:\n    - username: alice\n');
    try {
      const second = await runScript('local-server', [], { SIPLINE_STACK: stack, PORT: '0' });
      expect(second.code).toBe(1);
      const warning = second.stderr.indexOf('warning: sipline:domainNme is not a sipline setting and is ignored: did you mean sipline:domainName?');
      const error = second.stderr.indexOf('  - sipline:domainName is required');
      expect({ warning: warning >= 0, error: error >= 0, warningFirst: warning < error }).toEqual({ warning: true, error: true, warningFirst: true });
    } finally {
      remove();
    }
  });

  it('with a stack name that is none: names SIPLINE_STACK and the value', async () => {
    const second = await runScript('local-server', [], { SIPLINE_STACK: '../etc/x' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('SIPLINE_STACK=../etc/x is not a stack name');
  });
});

describe('a second npm start on another port', () => {
  it('shares no file with the first; its token from the environment is neither printed nor saved', async () => {
    const before = snapshot(localState(first.port).dir);
    // ROUTER_CONFIG_FILE, the Lambda's variable (README), left in the shell: the server routes with its own directory all the same.
    const second = await startServer({ PORT: '0', TWILIO_AUTH_TOKEN: TOKEN_FROM_ENV, ROUTER_CONFIG_FILE: localState(first.port).directory });
    try {
      expect(second.stdout).toContain('(stack: dev, domain: acme.sip.twilio.com');
      expect(second.stdout).not.toContain(TOKEN_FROM_ENV);
      expect(Object.keys(snapshot(localState(second.port).dir))).toEqual(['index.js', 'phone-metadata.json', 'powertools-metrics.js', 'router-config.json']);
      // Its calls need the same token; with it, by PORT or by --url, they go through.
      const withoutToken = await runScript('call', ['bob', 'alice'], { PORT: String(second.port) });
      expect(withoutToken.stderr).toContain(`The router on port ${second.port} runs with TWILIO_AUTH_TOKEN from its environment: set the same in this one.`);
      const byPort = await runScript('call', ['bob', 'alice'], { PORT: String(second.port), TWILIO_AUTH_TOKEN: TOKEN_FROM_ENV });
      expect(byPort.stdout).toContain('flow: sip-user');
      const byUrl = await runScript('call', ['--url', `http://127.0.0.1:${second.port}`, 'bob', 'alice'], { TWILIO_AUTH_TOKEN: TOKEN_FROM_ENV });
      expect(byUrl.stdout).toContain('flow: sip-user');
    } finally {
      await second.stop();
    }
    expect(snapshot(localState(first.port).dir)).toEqual(before);
    // A stopped server removes its own state, and only its own.
    expect(() => snapshot(localState(second.port).dir)).toThrow(/ENOENT/);
  }, 90_000);
});

describe('npm run call follows the answer as Twilio would', () => {
  const call = (args: string[]) => runScript('call', args, { PORT: String(first.port) });
  /** The requests printed, in order (the call itself first): path, status and flow answered. */
  const steps = (stdout: string) => [...stdout.matchAll(/^POST (\S+).*\nHTTP (\d{3})  flow: (\S+)/gm)].map((m) => `${m[1].split('?')[0]} ${m[2]} ${m[3]}`);

  it('--status no-answer: the voicemail, its recording, and the job written where the queue would be, with the directory\'s address', async () => {
    const result = await call(['+447400123456', '+442079460123', '--status', 'no-answer', '--finished']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(steps(result.stdout)).toEqual([
      '/voice/inbound 200 inbound',
      '/voice/after-dial 200 after-dial:voicemail',
      '/voice/voicemail-done 200 voicemail-done',
      '/voice/recording 204 recording:queued',
      '/voice/status 204 status:inbound',
    ]);
    expect(result.stdout).toContain('<Say>You have reached carol. Please leave a message after the beep.</Say>');
    const job = /voicemail job written to (\S+) \(the email it asks for\):\n(.*)/.exec(result.stdout);
    expect(job?.[1]).toMatch(new RegExp(`^dist/local/${first.port}/voicemail/RE[0-9a-f]{32}\\.json$`));
    expect(JSON.parse(job![2])).toMatchObject({ version: 1, mailbox: 'carol', email: 'carol@example.com', caller: '+447400123456', durationSeconds: 17 });
  }, 60_000);

  it('--status busy on a user with no noAnswer: a goodbye', async () => {
    const result = await call(['carol', 'dave', '--status', 'busy']);
    expect(steps(result.stdout)).toEqual(['/voice/outbound 200 sip-user', '/voice/after-dial 200 after-dial:goodbye']);
    expect(result.stdout).toContain('The person you called is busy.');
  }, 60_000);

  it('--refer: the REFER webhook on the referUrl of the answer, dialed through the dial plan', async () => {
    // carol answers a call to her number and transfers it to dave.
    const toUser = await call(['+447400123456', '+442079460123', '--refer', 'dave']);
    expect(steps(toUser.stdout)).toEqual(['/voice/inbound 200 inbound', '/voice/refer 200 transfer:sip-user']);
    expect(toUser.stdout).toContain('ReferTransferTarget=<sip:dave@firsthour-test.sip.twilio.com>');
    const refused = await call(['dave', 'carol', '--refer', '+12125550123']);
    expect(steps(refused.stdout)).toEqual(['/voice/outbound 200 sip-user', '/voice/refer 200 transfer:refused:country-not-allowed']);
    expect(refused.stdout).toContain('Sorry, this call could not be transferred. Calls to that country are not allowed.');
    // ...and dave is handed back to carol, never cut off.
    expect(refused.stdout).toContain('<Sip>sip:carol@firsthour-test.sip.twilio.com</Sip>');
  }, 60_000);
});

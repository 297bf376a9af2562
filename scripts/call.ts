/**
 * `npm run call -- FROM TO [--country GB] [--url URL] [--status S] [--refer TARGET] [--finished]`:
 * places a signed, simulated call on the router that `npm start` runs (on PORT), or on a
 * deployed one (--url), and prints the flow it took and the TwiML it answered; then, as Twilio
 * would, follows the URLs of that answer: the dial's outcome to its action URL (--status), a
 * phone's transfer button to its referUrl (--refer), the recording of a voicemail, and the
 * status callback of the finished call (--finished).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkAuthToken, loadAuthToken } from '../lambda/authToken';
import { isKnownCountry } from '../lambda/phone';
import { ROUTES } from '../lambda/routes';
import { DEFAULT_PORT, parseCommandLine, portFrom, stackFrom } from './cli';
import { localState, localStatePorts, stackDirectory } from './localRouter';
import {
  DIAL_STATUSES,
  dialActionParams,
  dialedNoun,
  postWebhook,
  randomSid,
  recordActionParams,
  recordingCallbackParams,
  referParams,
  resolveTwimlUrl,
  simulatedCall,
  statusCallbackParams,
  twimlAttribute,
  type CallResult,
  type DialStatus,
  type WebhookParams,
} from './simulatedCall';

const USAGE = `usage: npm run call -- FROM TO [--country GB] [--url URL] [--status S] [--refer TARGET] [--finished]
  FROM  a registered phone (sip:alice@acme.sip.twilio.com, alice, sip:+14155550100@acme.sip.twilio.com)
        or a PSTN caller (+12125550123), which calls one of the account's numbers
  TO    what the phone dialed (4155551234, bob, sales, 911), or the number the PSTN caller dialed
  --country GB    reads national numbers as British for this call (?defaultCountry=GB)
  --url URL       calls the router at URL (a stack's apiUrl) instead of the local one, signed with
                  TWILIO_AUTH_TOKEN, on the SIP domain of SIPLINE_STACK's Pulumi.<stack>.yaml (dev)
  --status S      then ends each dial the answers make with S (${DIAL_STATUSES.join(', ')}),
                  posting what Twilio posts to the <Dial action> URL, until an answer has no dial:
                  a group's next member, a forward, a voicemail (recorded, 17 s, and its
                  recording callback posted too: locally the email job is printed), a goodbye
  --refer TARGET  then presses the transfer button: posts Twilio's REFER webhook to the answer's
                  referUrl, Refer-To <sip:TARGET@domain> (or TARGET as written: tel:+1..., sip:...)
  --finished      then hangs up: posts the status callback Twilio sends when the call is over
  -h, --help      prints this
environment:
  PORT               the port of the local router, as npm start printed it (${DEFAULT_PORT})
  TWILIO_AUTH_TOKEN  the router's auth token, when npm start was given one (or with --url)`;

interface CallArgs {
  from: string;
  to: string;
  country?: string;
  url?: string;
  status?: DialStatus;
  refer?: string;
  finished: boolean;
}

function parse(argv: string[]): CallArgs | 'help' | string {
  let parsed;
  try {
    parsed = parseCommandLine(argv, {
      country: { type: 'string' },
      url: { type: 'string' },
      status: { type: 'string' },
      refer: { type: 'string' },
      finished: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
  } catch (e) {
    return (e as Error).message;
  }
  if (parsed.values.help) return 'help';
  const [from, to, ...extra] = parsed.positionals;
  if (!from || !to) return 'FROM and TO are required';
  if (extra.length > 0) return `unexpected ${JSON.stringify(extra.join(' '))} (quote a number with spaces)`;
  const country = parsed.values.country?.toUpperCase();
  if (country !== undefined && !isKnownCountry(country)) return `--country ${parsed.values.country}: not an ISO 3166 alpha-2 country code (like GB)`;
  const url = parsed.values.url?.replace(/\/+$/, '');
  if (url !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(url)) return `--url ${parsed.values.url}: not an http(s) URL (like https://abc123.execute-api.us-east-1.amazonaws.com)`;
  const status = parsed.values.status;
  if (status !== undefined && !(DIAL_STATUSES as readonly string[]).includes(status)) return `--status ${status}: not a DialCallStatus; use one of ${DIAL_STATUSES.join(', ')}`;
  const refer = parsed.values.refer;
  if (refer !== undefined && refer.trim() === '') return '--refer needs a TARGET: a username, a number, or a sip:/tel: URI';
  return {
    from,
    to,
    ...(country === undefined ? {} : { country }),
    ...(url === undefined ? {} : { url }),
    ...(status === undefined ? {} : { status: status as DialStatus }),
    ...(refer === undefined ? {} : { refer }),
    finished: parsed.values.finished === true,
  };
}

/** Where to call, with which token, on which SIP domain; or why it cannot be placed. */
interface Target {
  baseUrl: string;
  token: string;
  domain: string;
  /** The local router's voicemail folder, where it writes the jobs it would queue. */
  voicemailDir?: string;
}

/** A router deployed with `pulumi up`: the account's token, the domain of the stack's file. */
async function deployedRouter(url: string): Promise<Target | string> {
  if (!process.env.TWILIO_AUTH_TOKEN) return `--url needs TWILIO_AUTH_TOKEN: the auth token of the Twilio account, which the router at ${url} checks signatures with`;
  const token = await loadAuthToken({ TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN });
  return { baseUrl: url, token, domain: stackDirectory(stackFrom(process.env.SIPLINE_STACK)).directory.domain };
}

/** The router `npm start` runs on PORT: its state says the domain and, if it made one, the token. */
async function localRouter(): Promise<Target | string> {
  const port = portFrom(process.env.PORT);
  if (port === 0) return 'PORT=0: set PORT to the port npm start printed';
  const state = localState(port);
  if (!fs.existsSync(state.directory)) {
    const running = localStatePorts();
    const hint = running.length > 0 ? `; npm start runs on ${running.map((p) => `PORT=${p}`).join(', ')}: PORT=${running[0]} npm run call -- …` : ': start one with npm start';
    return `No local router on port ${port}${hint}`;
  }
  // A token the server generated is the one it checks; without one it uses its environment's.
  const token = fs.existsSync(state.token)
    ? checkAuthToken(fs.readFileSync(state.token, 'utf8'), state.token)
    : process.env.TWILIO_AUTH_TOKEN
      ? await loadAuthToken({ TWILIO_AUTH_TOKEN: process.env.TWILIO_AUTH_TOKEN })
      : undefined;
  if (token === undefined) return `The router on port ${port} runs with TWILIO_AUTH_TOKEN from its environment: set the same in this one.`;
  const { domain } = JSON.parse(fs.readFileSync(state.directory, 'utf8')) as { domain: string };
  return { baseUrl: `http://127.0.0.1:${port}`, token, domain, voicemailDir: state.voicemail };
}

/** One request and its answer. */
function print(url: string, what: string, result: CallResult): void {
  const { pathname, search } = new URL(url);
  console.log(`POST ${pathname}${search}  ${what}`);
  console.log(`HTTP ${result.status}  flow: ${result.flow ?? '(none)'}`);
  if (result.body) console.log(result.body);
}

/** A request of the call that follows an answer, printed with its answer. */
type Step = (url: string, params: WebhookParams, what: string) => Promise<CallResult>;

/** An answer, and the URL of the request it answered (what its relative URLs resolve against). */
interface Answered {
  url: string;
  body: string;
}

/**
 * Ends every dial the answers make with `status`, as Twilio does (its <Dial action>), until an
 * answer dials no one; a voicemail is then recorded and its recording callback posted.
 * Returns the last answer that dialed someone: the call a transfer button would be pressed on.
 */
async function followDials(step: Step, call: WebhookParams, first: Answered, status: DialStatus, target: Target): Promise<Answered> {
  let current = first;
  let lastDial = first;
  // A group rings at most 10 members, then its noAnswer: far fewer steps than this.
  for (let i = 0; i < 16; i++) {
    const action = twimlAttribute(current.body, 'Dial', 'action');
    if (action === undefined) break;
    const url = resolveTwimlUrl(action, current.url);
    lastDial = current;
    const result = await step(url, dialActionParams(call, status, { noun: dialedNoun(current.body) }), `DialCallStatus=${status}`);
    current = { url, body: result.body };
    if (status === 'completed') return lastDial;
  }
  const recordAction = twimlAttribute(current.body, 'Record', 'action');
  const callback = twimlAttribute(current.body, 'Record', 'recordingStatusCallback');
  if (recordAction === undefined || callback === undefined) return lastDial;
  const recording = { recordingSid: randomSid('RE'), seconds: 17, startedAt: new Date() };
  const done = resolveTwimlUrl(recordAction, current.url);
  await step(done, recordActionParams(call, recording), `RecordingDuration=${recording.seconds} Digits=hangup (the caller spoke for ${recording.seconds} s)`);
  await step(resolveTwimlUrl(callback, current.url), recordingCallbackParams(call, recording), `RecordingStatus=completed RecordingSid=${recording.recordingSid}`);
  const job = target.voicemailDir && path.join(target.voicemailDir, `${recording.recordingSid}.json`);
  if (job && fs.existsSync(job)) console.log(`voicemail job written to ${path.relative(process.cwd(), job)} (the email it asks for):\n${fs.readFileSync(job, 'utf8').trim()}`);
  return lastDial;
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const { from, to, country, url } = args;
  const target = url === undefined ? await localRouter() : await deployedRouter(url);
  if (typeof target === 'string') {
    console.error(target);
    return 1;
  }
  const call = simulatedCall(from, to, target.domain);
  const firstUrl = `${target.baseUrl}${call.path}${country ? `?defaultCountry=${encodeURIComponent(country)}` : ''}`;
  let result;
  try {
    result = await postWebhook(firstUrl, target.token, call.params);
  } catch {
    console.error(url === undefined ? `Could not reach the router at ${target.baseUrl}: is \`npm start\` running?` : `Could not reach the router at ${target.baseUrl}`);
    return 1;
  }
  print(firstUrl, `From=${call.params.From}  To=${call.params.To}`, result);
  if (result.status === 503) console.error(`The router could not load its auth token: see ${url === undefined ? 'the `npm start` terminal' : 'its logs (the stack output routerLogGroup)'}.`);
  if (result.status === 403) console.error('Signature refused: the router and this command use different auth tokens (TWILIO_AUTH_TOKEN).');
  if (result.status !== 200) return 1;

  let failed = false;
  const step: Step = async (stepUrl, params, what) => {
    const answer = await postWebhook(stepUrl, target.token, params);
    console.log();
    print(stepUrl, what, answer);
    if (answer.status < 200 || answer.status > 299) failed = true;
    return answer;
  };
  let dialed: Answered = { url: firstUrl, body: result.body };
  if (args.status !== undefined) dialed = await followDials(step, call.params, dialed, args.status, target);
  if (args.refer !== undefined) {
    const referUrl = twimlAttribute(dialed.body, 'Dial', 'referUrl');
    if (referUrl === undefined) {
      console.error('\nNothing to transfer: no answer rang a phone (a refused call, a call to the PSTN: only the called phone can transfer).');
      return 1;
    }
    const params = referParams(call.params, args.refer, target.domain);
    await step(resolveTwimlUrl(referUrl, dialed.url), params, `ReferTransferTarget=${params.ReferTransferTarget}`);
  }
  if (args.finished) {
    const end = { status: 'completed' as const, seconds: 42, sipResponseCode: '200', at: new Date() };
    await step(`${target.baseUrl}${ROUTES.status}`, statusCallbackParams(call.params, end), `CallStatus=completed CallDuration=${end.seconds} SipResponseCode=${end.sipResponseCode}`);
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A bad PORT, stack file or token: its message, without a trace.
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

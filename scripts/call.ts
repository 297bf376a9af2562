/**
 * `npm run call -- FROM TO [--country GB] [--url URL]`: places a signed, simulated call on the
 * router that `npm start` runs (on PORT), or on a deployed one (--url), and prints the flow it
 * took and the TwiML it answered.
 */
import * as fs from 'node:fs';
import { checkAuthToken, loadAuthToken } from '../lambda/authToken';
import { isKnownCountry } from '../lambda/phone';
import { DEFAULT_PORT, parseCommandLine, portFrom, stackFrom } from './cli';
import { localState, localStatePorts, stackDirectory } from './localRouter';
import { placeCall, simulatedCall } from './simulatedCall';

const USAGE = `usage: npm run call -- FROM TO [--country GB] [--url URL]
  FROM  a registered phone (sip:alice@acme.sip.twilio.com, alice, sip:+14155550100@acme.sip.twilio.com)
        or a PSTN caller (+12125550123), which calls one of the account's numbers
  TO    what the phone dialed (4155551234, bob, 911), or the number the PSTN caller dialed
  --country GB  reads national numbers as British for this call (?defaultCountry=GB)
  --url URL     calls the router at URL (a stack's apiUrl) instead of the local one, signed with
                TWILIO_AUTH_TOKEN, on the SIP domain of SIPLINE_STACK's Pulumi.<stack>.yaml (dev)
  -h, --help    prints this
environment:
  PORT               the port of the local router, as npm start printed it (${DEFAULT_PORT})
  TWILIO_AUTH_TOKEN  the router's auth token, when npm start was given one (or with --url)`;

interface CallArgs {
  from: string;
  to: string;
  country?: string;
  url?: string;
}

function parse(argv: string[]): CallArgs | 'help' | string {
  let parsed;
  try {
    parsed = parseCommandLine(argv, { country: { type: 'string' }, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
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
  return { from, to, ...(country === undefined ? {} : { country }), ...(url === undefined ? {} : { url }) };
}

/** Where to call, with which token, on which SIP domain; or why it cannot be placed. */
interface Target {
  baseUrl: string;
  token: string;
  domain: string;
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
  return { baseUrl: `http://127.0.0.1:${port}`, token, domain };
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
  let result;
  try {
    result = await placeCall(target.baseUrl, target.token, call, country ? `defaultCountry=${encodeURIComponent(country)}` : '');
  } catch {
    console.error(url === undefined ? `Could not reach the router at ${target.baseUrl}: is \`npm start\` running?` : `Could not reach the router at ${target.baseUrl}`);
    return 1;
  }
  console.log(`POST ${call.path}${country ? `?defaultCountry=${country}` : ''}  From=${call.params.From}  To=${call.params.To}`);
  console.log(`HTTP ${result.status}  flow: ${result.flow ?? '(none)'}`);
  console.log(result.body);
  if (result.status === 503) console.error(`The router could not load its auth token: see ${url === undefined ? 'the `npm start` terminal' : 'its logs (the stack output routerLogGroup)'}.`);
  if (result.status === 403) console.error('Signature refused: the router and this command use different auth tokens (TWILIO_AUTH_TOKEN).');
  return result.status === 200 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A bad PORT, stack file or token: its message, without a trace.
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

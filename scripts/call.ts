/**
 * `npm run call -- FROM TO [--country GB]`: places a signed, simulated call on the router
 * that `npm start` runs, and prints the flow it took and the TwiML it answered.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { checkAuthToken } from '../lambda/authToken';
import { isKnownCountry } from '../lambda/phone';
import { DIRECTORY_PATH, LOCAL_TOKEN_FILE } from './localRouter';
import { placeCall, simulatedCall } from './simulatedCall';

const USAGE = `usage: npm run call -- FROM TO [--country GB]
  FROM  a registered phone (sip:alice@acme.sip.twilio.com, alice, sip:+14155550100@acme.sip.twilio.com)
        or a PSTN caller (+12125550123), which calls one of the account's numbers
  TO    what the phone dialed (4155551234, bob, 911), or the number the PSTN caller dialed
  --country GB  reads national numbers as British for this call (?defaultCountry=GB)`;

function parse(argv: string[]): { from: string; to: string; country?: string } | string {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { country: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (e) {
    return (e as Error).message;
  }
  const [from, to, ...extra] = parsed.positionals;
  if (!from || !to) return 'FROM and TO are required';
  if (extra.length > 0) return `unexpected ${JSON.stringify(extra.join(' '))} (quote a number with spaces)`;
  const country = parsed.values.country?.toUpperCase();
  if (country !== undefined && !isKnownCountry(country)) return `--country ${parsed.values.country}: not an ISO 3166 alpha-2 country code (like GB)`;
  return { from, to, ...(country === undefined ? {} : { country }) };
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  const { from, to, country } = args;
  const baseUrl = process.env.ROUTER_URL || `http://127.0.0.1:${process.env.PORT || 3000}`;
  if (!fs.existsSync(DIRECTORY_PATH)) {
    console.error('No local router found: start it first with `npm start`.');
    return 1;
  }
  // Trimmed, as the router trims it.
  const token = (process.env.TWILIO_AUTH_TOKEN || (fs.existsSync(LOCAL_TOKEN_FILE) ? fs.readFileSync(LOCAL_TOKEN_FILE, 'utf8') : '')).trim();
  if (!token) {
    console.error('The router runs with TWILIO_AUTH_TOKEN from its environment: set the same in this one.');
    return 1;
  }
  try {
    checkAuthToken(token, process.env.TWILIO_AUTH_TOKEN ? 'TWILIO_AUTH_TOKEN' : LOCAL_TOKEN_FILE);
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
  const { domain } = JSON.parse(fs.readFileSync(DIRECTORY_PATH, 'utf8')) as { domain: string };
  const call = simulatedCall(from, to, domain);
  let result;
  try {
    result = await placeCall(baseUrl, token, call, country ? `defaultCountry=${encodeURIComponent(country)}` : '');
  } catch {
    console.error(`Could not reach the router at ${baseUrl}: is \`npm start\` running?`);
    return 1;
  }
  console.log(`POST ${call.path}${country ? `?defaultCountry=${country}` : ''}  From=${call.params.From}  To=${call.params.To}`);
  console.log(`HTTP ${result.status}  flow: ${result.flow ?? '(none)'}`);
  console.log(result.body);
  if (result.status === 503) console.error('The router could not load its auth token: see the `npm start` terminal.');
  if (result.status === 403) console.error('Signature refused: the router and this command use different auth tokens (TWILIO_AUTH_TOKEN).');
  return result.status === 200 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));

/**
 * `npm run call -- FROM TO [--country GB]`: places a signed, simulated call on the router
 * that `npm start` runs, and prints the flow it took and the TwiML it answered.
 */
import * as fs from 'node:fs';
import { DIRECTORY_PATH, LOCAL_TOKEN_FILE } from './localRouter';
import { placeCall, simulatedCall } from './simulatedCall';

async function main(argv: string[]): Promise<number> {
  const countryAt = argv.indexOf('--country');
  const country = countryAt >= 0 ? argv.splice(countryAt, 2)[1] : undefined;
  const [from, to] = argv;
  if (!from || !to) {
    console.error('usage: npm run call -- FROM TO [--country GB]\n  e.g. npm run call -- sip:alice@acme.sip.twilio.com 4155551234');
    return 2;
  }
  const baseUrl = process.env.ROUTER_URL || `http://127.0.0.1:${process.env.PORT || 3000}`;
  if (!fs.existsSync(DIRECTORY_PATH)) {
    console.error('No local router found: start it first with `npm start`.');
    return 1;
  }
  const token = process.env.TWILIO_AUTH_TOKEN || (fs.existsSync(LOCAL_TOKEN_FILE) ? fs.readFileSync(LOCAL_TOKEN_FILE, 'utf8') : '');
  if (!token) {
    console.error('The router runs with TWILIO_AUTH_TOKEN from its environment: set the same in this one.');
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
  console.log(`POST ${call.path}  From=${call.params.From}  To=${call.params.To}`);
  console.log(`HTTP ${result.status}  flow: ${result.flow ?? '(none)'}`);
  console.log(result.body);
  return result.status === 200 ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));

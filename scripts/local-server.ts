/**
 * `npm start`: the router on http://127.0.0.1:3000 (PORT overrides), built from lambda/ and
 * routing with the directory of the dev stack (SIPLINE_STACK overrides), exactly as deployed.
 */
import { loadAuthToken } from '../lambda/authToken';
import { serveHandler } from './localAdapter';
import { DIRECTORY_PATH, loadBundledRouter, localAuthToken, writeDirectory } from './localRouter';
import * as path from 'node:path';

async function main(): Promise<void> {
  const stack = process.env.SIPLINE_STACK || 'dev';
  const port = Number(process.env.PORT || 3000);
  const baseUrl = `http://127.0.0.1:${port}`;
  writeDirectory(stack);
  const { token, generated } = localAuthToken();
  // The router would refuse it on every call (503); say so now, once.
  await loadAuthToken({ TWILIO_AUTH_TOKEN: token });
  const handler = await loadBundledRouter({ TWILIO_AUTH_TOKEN: token, PUBLIC_BASE_URL: baseUrl, POWERTOOLS_SERVICE_NAME: 'sipline-router' });
  const server = serveHandler(handler);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE' ? `Port ${port} is in use: stop what runs there, or choose another with PORT=3001 npm start` : `The local router failed: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`sipline router listening on ${baseUrl}  (stack: ${stack}, directory: ${path.relative(process.cwd(), DIRECTORY_PATH)})`);
    console.log(`  POST ${baseUrl}/voice/outbound   calls placed by registered phones`);
    console.log(`  POST ${baseUrl}/voice/inbound    calls to the account's numbers`);
    console.log(
      generated
        ? `  local auth token: ${token}  (set TWILIO_AUTH_TOKEN to choose your own)`
        : '  auth token: TWILIO_AUTH_TOKEN from the environment (not printed; npm run call needs it set too)',
    );
    console.log('Place a simulated call from another terminal:');
    console.log('  npm run call -- sip:alice@acme.sip.twilio.com 4155551234     # a phone dials the PSTN');
    console.log('  npm run call -- sip:alice@acme.sip.twilio.com bob            # a phone dials another user');
    console.log('  npm run call -- +12125550123 +14155550199                     # the PSTN calls a number');
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * `npm start`: the router on http://127.0.0.1:3000 (PORT overrides), built from lambda/ and
 * routing with the directory of the dev stack (SIPLINE_STACK overrides), exactly as deployed.
 *
 * What can fail without touching a file comes first: PORT, the stack's config, the token, then
 * the port itself. The server's state (dist/local/<port>/) is written only once this process
 * holds the port, so a start that fails leaves a running server exactly as it was.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { writeFileAtomically } from '../lambda/files';
import { ROUTE_PURPOSES, ROUTES, type RouteName } from '../lambda/routes';
import { serveHandler, type PayloadV2Handler } from './localAdapter';
import { portFrom, stackFrom, UsageError } from './cli';
import { loadBundledRouter, localAuthToken, localState, sampleCalls, stackDirectory } from './localRouter';

async function main(): Promise<void> {
  const port = portFrom(process.env.PORT);
  const stack = stackFrom(process.env.SIPLINE_STACK);
  const { directory, warnings } = stackDirectory(stack);
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  const { token, generated } = await localAuthToken();

  // A request that arrives while the bundle loads waits for it.
  let ready: (handler: PayloadV2Handler) => void = () => undefined;
  const loaded = new Promise<PayloadV2Handler>((resolve) => (ready = resolve));
  const server = serveHandler((event) => loaded.then((handler) => handler(event)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(
      err.code === 'EADDRINUSE'
        ? `Port ${port} is in use (another npm start?): stop what runs there, or choose another port, e.g. PORT=${port === 3001 ? 3002 : 3001} npm start`
        : `Cannot listen on 127.0.0.1:${port}: ${err.message}`,
    );
  });

  server.on('error', (err) => {
    console.error(`The local router failed: ${err.message}`);
    process.exit(1);
  });

  // This process holds the port now: state left for it is a dead server's, and is replaced.
  const actualPort = (server.address() as AddressInfo).port;
  const state = localState(actualPort);
  const baseUrl = `http://127.0.0.1:${actualPort}`;
  fs.rmSync(state.dir, { recursive: true, force: true });
  process.on('exit', () => fs.rmSync(state.dir, { recursive: true, force: true }));
  process.on('SIGINT', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  writeFileAtomically(state.directory, `${JSON.stringify(directory, null, 2)}\n`);
  if (generated) writeFileAtomically(state.token, token, 0o600);
  ready(
    await loadBundledRouter(
      {
        TWILIO_AUTH_TOKEN: token,
        PUBLIC_BASE_URL: baseUrl,
        // The bundle's default (the directory beside it) already, but one left in the shell would win.
        ROUTER_CONFIG_FILE: state.directory,
        POWERTOOLS_SERVICE_NAME: 'sipline-router',
        // No SQS here: voicemail jobs are written as files, and the metrics' stack is the served one.
        VOICEMAIL_SPOOL_DIR: state.voicemail,
        SIPLINE_STACK: stack,
      },
      state.bundle,
    ),
  );

  console.log(`sipline router listening on ${baseUrl}  (stack: ${stack}, domain: ${directory.domain}, directory: ${path.relative(process.cwd(), state.directory)})`);
  const width = Math.max(...Object.values(ROUTES).map((route) => route.length));
  for (const [name, route] of Object.entries(ROUTES)) console.log(`  POST ${baseUrl}${route.padEnd(width)}   ${ROUTE_PURPOSES[name as RouteName]}`);
  console.log(`  voicemail jobs are written to ${path.relative(process.cwd(), state.voicemail)}/ (no queue here)`);
  console.log(
    generated
      ? `  local auth token: ${token}  (set TWILIO_AUTH_TOKEN to choose your own)`
      : '  auth token: TWILIO_AUTH_TOKEN from the environment (not printed; set the same for npm run call)',
  );
  const samples = [...sampleCalls(directory, actualPort), { command: 'npm run call -- --help', shows: 'what FROM and TO can be, and options' }];
  const commandWidth = Math.max(...samples.map((s) => s.command.length));
  console.log('Place a simulated call from another terminal:');
  for (const { command, shows } of samples) console.log(`  ${command.padEnd(commandWidth)}   # ${shows}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

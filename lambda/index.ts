/**
 * The Lambda entry point: wires the environment to the handler once, at cold start.
 *
 * - ROUTER_CONFIG_FILE: the routing directory (default: router-config.json beside this bundle),
 *   read and validated here, so a bad file fails the init, loudly, not a call.
 * - TWILIO_AUTH_TOKEN, or TWILIO_AUTH_TOKEN_SECRET_ARN: fetched now, during init.
 * - PUBLIC_BASE_URL: the API's URL exactly as the stack gave it to Twilio.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAuthToken, tokenSource } from './authToken';
import { DialPlan } from './dialPlan';
import { readDirectoryFile } from './directory';
import { createHandler } from './handler';

const directoryFile = process.env.ROUTER_CONFIG_FILE || path.join(__dirname, 'router-config.json');
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'sipline-router' });

export const handler = createHandler({
  plan: new DialPlan(readDirectoryFile(directoryFile, (f) => fs.readFileSync(f, 'utf8'))),
  authToken: tokenSource(() => loadAuthToken(process.env)),
  publicBaseUrl: process.env.PUBLIC_BASE_URL || undefined,
  logger,
});

/**
 * The Lambda entry point: wires the environment to the handler once, at cold start.
 *
 * - ROUTER_CONFIG_FILE: the routing directory (default: router-config.json beside this bundle),
 *   read and validated here, so a bad file fails the init, loudly, not a call.
 * - TWILIO_AUTH_TOKEN, or TWILIO_AUTH_TOKEN_SECRET_ARN: fetched now, during init.
 * - PUBLIC_BASE_URL: the API's URL exactly as the stack gave it to Twilio.
 * - VOICEMAIL_QUEUE_URL: the SQS queue voicemail jobs go to (the role needs sqs:SendMessage on
 *   it). VOICEMAIL_SPOOL_DIR instead, for `npm start`: a folder of JSON files. Neither: every
 *   voicemail is logged as not queued (and counted), its recording left in Twilio.
 * - SIPLINE_STACK: the Pulumi stack, the `stack` dimension of the metrics (lambda/metrics.ts).
 * - POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL: the log lines' service and threshold
 *   (Powertools Logger).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAuthToken, tokenSource } from './authToken';
import { DialPlan } from './dialPlan';
import { readDirectoryFile } from './directory';
import { createHandler } from './handler';
import { METRIC_SERVICES } from './metrics';
import { powertoolsMetricsSink, ROUTER_METRICS_OF } from './metricsSink';
import { spoolVoicemailQueue, sqsVoicemailQueue } from './voicemailQueue';

const directoryFile = process.env.ROUTER_CONFIG_FILE || path.join(__dirname, 'router-config.json');
const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME || METRIC_SERVICES.router });
const queueUrl = process.env.VOICEMAIL_QUEUE_URL;
const spoolDir = process.env.VOICEMAIL_SPOOL_DIR;

export const handler = createHandler({
  plan: new DialPlan(readDirectoryFile(directoryFile, (f) => fs.readFileSync(f, 'utf8'))),
  authToken: tokenSource(() => loadAuthToken(process.env)),
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  logger,
  metrics: powertoolsMetricsSink(process.env.SIPLINE_STACK || 'unknown', ROUTER_METRICS_OF),
  ...(queueUrl ? { voicemailQueue: sqsVoicemailQueue(queueUrl) } : spoolDir ? { voicemailQueue: spoolVoicemailQueue(spoolDir) } : {}),
});

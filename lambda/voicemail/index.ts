/**
 * The voicemail worker's Lambda entry point: wires the environment to the worker once, at
 * cold start (a bad setting fails the init, loudly, not every job).
 *
 * - VOICEMAIL_FROM: the SES-verified address voicemails come from (required).
 * - TWILIO_API_KEY_SECRET_ARN: the secret holding the Twilio API key (lambda/voicemail/apiKey.ts);
 *   its read starts now, during init.
 * - DELETE_AFTER_EMAIL: `true` (the default) or `false`: delete each recording from Twilio
 *   once its email is sent (the stack's `sipline:deleteVoicemailAfterEmail`).
 * - VOICEMAIL_TIME_ZONE: IANA time zone for the time in the email (default `UTC`).
 * - SIPLINE_STACK: the Pulumi stack, the `stack` dimension of the metrics (lambda/metrics.ts).
 * - TWILIO_API_BASE_URL: tests only (a scripted Twilio on loopback).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRIC_SERVICES, METRICS_NAMESPACE, STACK_DIMENSION } from '../metrics';
import { apiKeySource } from './apiKey';
import { checkTimeZone } from './timeZone';
import { EMAIL_ADDRESS } from './job';
import { WORKER_TIME_BUDGET_MS } from './queue';
import { sesSender } from './ses';
import { apiBaseUrl, TwilioRecordings } from './twilioRecordings';
import { createVoicemailWorker } from './worker';

function required(name: string, check: (value: string) => boolean, rule: string): string {
  const value = process.env[name]?.trim() ?? '';
  if (!check(value)) throw new Error(`${name} ${value ? JSON.stringify(value) : 'is not set; it'} must be ${rule}`);
  return value;
}

function deleteAfterEmail(raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`DELETE_AFTER_EMAIL ${JSON.stringify(raw)} must be true or false`);
}

const service = METRIC_SERVICES.voicemail;

// Settings first: a bad one fails the init before anything is fetched.
const email = {
  from: required('VOICEMAIL_FROM', (v) => EMAIL_ADDRESS.test(v), 'the SES-verified address voicemails are sent from'),
  timeZone: checkTimeZone(process.env.VOICEMAIL_TIME_ZONE?.trim() || 'UTC'),
  deleteAfterEmail: deleteAfterEmail(process.env.DELETE_AFTER_EMAIL),
};
const budget = WORKER_TIME_BUDGET_MS;
const recordings = new TwilioRecordings(apiBaseUrl(process.env.TWILIO_API_BASE_URL), budget);

export const handler = createVoicemailWorker({
  apiKey: apiKeySource(process.env, budget.secretRead),
  recordings,
  sendEmail: sesSender(budget.email),
  email,
  logger: new Logger({ serviceName: service }),
  metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service, defaultDimensions: { [STACK_DIMENSION]: process.env.SIPLINE_STACK || 'unknown' } }),
  budget,
});

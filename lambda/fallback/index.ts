/**
 * The voice fallback's Lambda entry point (lambda/fallback/handler.ts): wired once, at cold start.
 *
 * - TWILIO_AUTH_TOKEN_SECRET_ARN (or TWILIO_AUTH_TOKEN): the router's token, to tell Twilio's
 *   requests from forged ones; its read starts now, and a request waits for it at most
 *   TOKEN_WAIT_MS: the apology never waits longer than that for a check.
 * - PUBLIC_BASE_URL: the API's URL exactly as the stack gave it to Twilio.
 * - SIPLINE_STACK: the `stack` dimension of its metric.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadAuthToken, tokenSource } from '../authToken';
import { FALLBACK_METRICS, METRIC_SERVICES } from '../metrics';
import { FALLBACK_METRICS_OF, powertoolsMetricsSink } from '../metricsSink';
import { createFallbackHandler } from './handler';
import { FALLBACK_TWIML } from './twiml';

/**
 * How long a request waits for the token (its read began at init): long enough for a cold read
 * of Secrets Manager, which usually takes well under a second. A read that takes longer may go
 * on until SECRET_READ_DEADLINE_MS (lambda/authToken.ts), and then serves the next request: the
 * apology does not wait for it, and comes well inside the Lambda's 3 s and Twilio's 15 s.
 */
export const TOKEN_WAIT_MS = 1000;

const service = METRIC_SERVICES.fallback;
const token = tokenSource(() => loadAuthToken(process.env));
// Loaded on the first answer (lambda/metricsSink.ts): the token's read starts first.
const metrics = powertoolsMetricsSink(process.env.SIPLINE_STACK || 'unknown', FALLBACK_METRICS_OF);

/** The token if it can be had within TOKEN_WAIT_MS, else undefined (the read goes on for the next request). */
function tokenInTime(): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, TOKEN_WAIT_MS, undefined)));
  return Promise.race([token().catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

export const handler = createFallbackHandler({
  twiml: FALLBACK_TWIML,
  authToken: tokenInTime,
  publicBaseUrl: process.env.PUBLIC_BASE_URL,
  logger: new Logger({ serviceName: service }),
  count: (signature) => metrics.publish([{ name: FALLBACK_METRICS.answers, value: 1 }], signature),
});

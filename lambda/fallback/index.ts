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
import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadAuthToken, tokenSource } from '../authToken';
import { FALLBACK_METRICS, FALLBACK_SIGNATURE_DIMENSION, METRIC_SERVICES, METRICS_NAMESPACE, STACK_DIMENSION } from '../metrics';
import { createFallbackHandler } from './handler';
import { FALLBACK_TWIML } from './twiml';

/**
 * How long a request waits for the token (its read began at init): long enough for a cold
 * read of Secrets Manager (its client gives up after 2 attempts of 1 s to connect, 2 s to
 * answer), short enough that the apology comes well inside the Lambda's 3 s and Twilio's 15 s.
 */
export const TOKEN_WAIT_MS = 1000;

const service = METRIC_SERVICES.fallback;
const token = tokenSource(() => loadAuthToken(process.env));
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service, defaultDimensions: { [STACK_DIMENSION]: process.env.SIPLINE_STACK || 'unknown' } });

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
  count(signature) {
    metrics.addDimension(FALLBACK_SIGNATURE_DIMENSION, signature);
    metrics.addMetric(FALLBACK_METRICS.answers, 'Count', 1);
    metrics.publishStoredMetrics();
  },
});

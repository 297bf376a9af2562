/**
 * The webhook handler: API Gateway HTTP API (payload 2.0) event in, TwiML out.
 *
 * Thin by design: check route and method, check Twilio's signature, then hand the parameters
 * to the route (lambda/callRoutes.ts answers with TwiML, lambda/eventRoutes.ts records
 * callbacks). Every route of lambda/routes.ts goes through the same checks. A signed request
 * always gets 2xx, even when the call cannot be completed (the caller hears why); a forged one
 * gets 403, a body larger than Twilio ever sends 413. Nothing a request contains can produce a
 * 5xx: the only 503 is for the token being unavailable, an outage of ours, which lets Twilio
 * use the fallback URL.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { callRoute } from './callRoutes';
import type { DialPlan } from './dialPlan';
import { eventRoute } from './eventRoutes';
import { clip } from './params';
import type { MetricsSink } from './metricsSink';
import { routeOf, type RouteName } from './routes';
import { apologyTwiml } from './twiml';
import { publicBaseUrlOf, readSignedWebhook } from './twilioSignature';
import type { VoicemailQueue } from './voicemailQueue';
import { WEBHOOK_BODY_LIMITS, type FormParams } from './webhookForm';

export interface RouterDeps {
  plan: DialPlan;
  /** The auth token Twilio signs with; a promise so it can come from Secrets Manager. */
  authToken: () => Promise<string>;
  /** What Twilio was told (PUBLIC_BASE_URL; a trailing slash is dropped once, when the handler is made); default `https://` + the request's host. */
  publicBaseUrl?: string;
  logger: RouterLogger;
  /** Where metrics go (lambda/metricsSink.ts); none: not counted. */
  metrics?: MetricsSink;
  /** Where voicemail jobs go (lambda/voicemailQueue.ts); none: each voicemail is logged as not queued. */
  voicemailQueue?: VoicemailQueue;
  /** The clock (when a recording started, if Twilio does not say). */
  now?: () => Date;
}

/** A log line's fields: flat values (undefined, null and "" are left out of the line). */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What the handler needs of a logger; Powertools Logger is one (lambda/index.ts). */
export interface RouterLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

/** A signed request, as a route sees it. */
export interface RouteRequest {
  route: RouteName;
  params: FormParams;
  /** The query string exactly as sent (and signed): what the router wrote into its TwiML. */
  rawQuery: string;
  /** Lambda's request id, which ties a log line to Lambda's own START/REPORT lines. */
  requestId?: string;
}

export type RouterHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export function createHandler(deps: RouterDeps): RouterHandler {
  const { logger } = deps;
  const baseUrl = publicBaseUrlOf(deps.publicBaseUrl);
  /** The token, or undefined (logged) while it cannot be loaded: an outage of ours, answered 503. */
  const authToken = async (): Promise<string | undefined> => {
    try {
      return await deps.authToken();
    } catch (err) {
      logger.error('auth token unavailable', { error: (err as Error).message });
      return undefined;
    }
  };

  return async function handler(event, context) {
    const route = routeOf(event.rawPath);
    if (!route) return text(404, 'Not Found');
    if (event.requestContext?.http?.method !== 'POST') return { ...text(405, 'Method Not Allowed'), headers: { 'content-type': 'text/plain', allow: 'POST' } };

    // A request without a signature is refused before its body is decoded, an oversized one
    // before it is parsed (lambda/twilioSignature.ts).
    const webhook = await readSignedWebhook(event, baseUrl, authToken);
    switch (webhook.verdict) {
      case 'unsigned':
      case 'forged':
        logger.warn('rejected unsigned or forged request', { route, signed: webhook.verdict === 'forged' });
        return text(403, 'Forbidden: invalid X-Twilio-Signature');
      case 'too-large':
        // More than Twilio ever sends; logged without its content.
        logger.warn('rejected oversized request', { route, bytes: webhook.bytes, exceeded: webhook.exceeded, limit: WEBHOOK_BODY_LIMITS[webhook.exceeded] });
        return text(413, 'Payload Too Large');
      case 'unchecked':
        return text(503, 'Service Unavailable');
    }

    const { params } = webhook;
    const request: RouteRequest = { route, params, rawQuery: event.rawQueryString ?? '', ...(context ? { requestId: context.awsRequestId } : {}) };
    if (route === 'status' || route === 'recording') {
      const { flow } = await eventRoute(deps, request);
      return { statusCode: 204, headers: { 'x-sipline-flow': flow }, body: '' };
    }
    try {
      const answer = callRoute(deps, request);
      return twimlResponse(answer.twiml, answer.flow);
    } catch (err) {
      // A bug of ours, not the caller's: apologise on the line and log it; never a 5xx.
      logger.error('routing failed', { route, callSid: clip(params.CallSid), error: (err as Error).message });
      return twimlResponse(apologyTwiml(), 'error');
    }
  };
}

function twimlResponse(body: string, flow: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'text/xml', 'x-sipline-flow': flow }, body };
}

function text(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain' }, body };
}

/**
 * The webhook handler: API Gateway HTTP API (payload 2.0) event in, TwiML out.
 *
 * Thin by design: check route and method, check Twilio's signature, ask the DialPlan, render.
 * A signed request always gets 200 and TwiML, even when the call cannot be completed (the caller
 * hears why); a forged one gets 403, a body larger than Twilio ever sends 413. Nothing a request
 * contains can produce a 5xx: the only 503 is for the token being unavailable, an outage of
 * ours, which lets Twilio use the fallback URL.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { getSignatureAlgorithm, HMAC_SHA1, HMAC_SHA256, validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { Decision, DialPlan } from './dialPlan';
import { userPartOf } from './sipUri';
import { apologyTwiml, renderTwiml } from './twiml';
import { decodedBodyBytes, parseWebhookForm, WEBHOOK_BODY_LIMITS, type FormParams } from './webhookForm';

export const ROUTES = {
  '/voice/outbound': 'outbound',
  '/voice/inbound': 'inbound',
} as const;
type Route = (typeof ROUTES)[keyof typeof ROUTES];

export interface RouterDeps {
  plan: DialPlan;
  /** The auth token Twilio signs with; a promise so it can come from Secrets Manager. */
  authToken: () => Promise<string>;
  /** What Twilio was told, without a trailing slash; default `https://` + the request's host. */
  publicBaseUrl?: string;
  logger: RouterLogger;
}

/** What the handler needs of a logger; Powertools' Logger is one. */
export interface RouterLogger {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
  error(message: string, fields: Record<string, unknown>): void;
}

export type RouterHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export function createHandler(deps: RouterDeps): RouterHandler {
  const { plan, logger } = deps;
  const baseUrl = deps.publicBaseUrl?.replace(/\/+$/, '');

  /** 413: more than Twilio ever sends; refused unparsed, and logged without its content. */
  const tooLarge = (route: Route, bytes: number, exceeded: keyof typeof WEBHOOK_BODY_LIMITS) => {
    logger.warn('rejected oversized request', { route, bytes, exceeded, limit: WEBHOOK_BODY_LIMITS[exceeded] });
    return text(413, 'Payload Too Large');
  };

  /**
   * The caller is SipUsername, whatever From says; a From naming someone else is routed as
   * SipUsername all the same (desk phones may put a display number there), but an admin
   * should see it: it is also what a stolen credential dressed as another user looks like.
   */
  const warnOfAnotherFrom = (route: Route, sipUsername: string | undefined, from: string | undefined, callSid: string | string[] | undefined) => {
    if (sipUsername === undefined || from === undefined) return;
    const fromUser = userPartOf(from);
    if (fromUser === sipUsername) return;
    logger.warn('From names another user than SipUsername; routed as SipUsername', { route, callSid: clip(callSid), sipUsername: clip(sipUsername), fromUser: clip(fromUser ?? from) });
  };

  return async function handler(event, context) {
    const route: Route | undefined = ROUTES[event.rawPath as keyof typeof ROUTES];
    if (!route) return text(404, 'Not Found');
    if (event.requestContext?.http?.method !== 'POST') return { ...text(405, 'Method Not Allowed'), headers: { 'content-type': 'text/plain', allow: 'POST' } };

    // Cheap refusals first, before the body is decoded or parsed: a request without a signature
    // can never pass, and an oversized one is not a Twilio webhook (lambda/webhookForm.ts).
    const headers = event.headers ?? {};
    const signature = headers['x-twilio-signature'];
    if (!signature) {
      logger.warn('rejected unsigned or forged request', { route, signed: false });
      return text(403, 'Forbidden: invalid X-Twilio-Signature');
    }
    const bytes = event.body ? decodedBodyBytes(event.body, event.isBase64Encoded) : 0;
    if (bytes > WEBHOOK_BODY_LIMITS.maxBytes) return tooLarge(route, bytes, 'maxBytes');

    let token: string;
    try {
      token = await deps.authToken();
    } catch (err) {
      logger.error('auth token unavailable', { error: (err as Error).message });
      return text(503, 'Service Unavailable');
    }

    const form = !event.body ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    const params = parseWebhookForm(form);
    if (params === 'too-many-params') return tooLarge(route, bytes, 'maxParams');
    const url = `${baseUrl ?? `https://${event.requestContext.domainName}`}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
    if (!isSignedByTwilio(token, signature, url, params, headers['x-twilio-webhooks-signature-settings'])) {
      logger.warn('rejected unsigned or forged request', { route, signed: true });
      return text(403, 'Forbidden: invalid X-Twilio-Signature');
    }

    let decision: Decision;
    let twiml: string;
    try {
      const override = event.rawQueryString ? (new URLSearchParams(event.rawQueryString).get('defaultCountry') ?? undefined) : undefined;
      const country = plan.countryFor(override);
      if (override && override !== country) {
        logger.warn('ignored an unknown defaultCountry on the webhook URL', { route, defaultCountry: clip(override) });
      }
      if (route === 'outbound') {
        const sipUsername = single(params.SipUsername);
        warnOfAnotherFrom(route, sipUsername, single(params.From), params.CallSid);
        decision = plan.outbound({ sipUsername, sipDomain: single(params.SipDomain), to: single(params.To) }, country);
      } else {
        decision = plan.inbound(single(params.To), country);
      }
      twiml = renderTwiml(decision, plan.domain);
    } catch (err) {
      // A bug of ours, not the caller's: apologise on the line and log it; never a 5xx.
      logger.error('routing failed', { route, callSid: clip(params.CallSid), error: (err as Error).message });
      return twimlResponse(apologyTwiml(), 'error');
    }
    const flow = decision.flow === 'refused' ? `refused:${decision.reason}` : decision.flow;
    logger.info('call routed', {
      route,
      flow,
      callSid: clip(params.CallSid),
      // Ties the line to Lambda's own START/REPORT lines (duration, cold start) for this call.
      ...(context ? { requestId: context.awsRequestId } : {}),
      ...(route === 'outbound' ? { caller: clip(params.SipUsername) } : {}),
      from: clip(params.From),
      to: clip(params.To),
      ...('number' in decision ? { dialed: decision.number } : {}),
      ...('username' in decision ? { user: decision.username } : {}),
    });
    return twimlResponse(twiml, flow);
  };
}

/** The algorithms Twilio signs with; anything else is not a Twilio request. */
const SIGNATURE_ALGORITHMS = new Set([HMAC_SHA1, HMAC_SHA256]);

/** twilio-node's check; a URL it cannot parse (a hostile raw query) is simply not signed. */
function isSignedByTwilio(token: string, signature: string, url: string, params: FormParams, settings: string | undefined): boolean {
  const algorithm = getSignatureAlgorithm(settings);
  // Checked here because twilio-node would console.warn the unknown name, a line of the
  // sender's choosing in our logs.
  if (!SIGNATURE_ALGORITHMS.has(algorithm.toUpperCase())) return false;
  try {
    return validateRequest(token, signature, url, params, algorithm);
  } catch {
    return false;
  }
}

/** A parameter Twilio sends once; a repeated one is as good as malformed. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Log fields are capped so a hostile request cannot flood the logs. */
function clip(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.slice(0, 80) : undefined;
}

function twimlResponse(body: string, flow: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'text/xml', 'x-sipline-flow': flow }, body };
}

function text(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain' }, body };
}

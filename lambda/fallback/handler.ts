/**
 * The voice fallback: what Twilio asks when the router failed a call (a 5xx, a timeout, a
 * throttle). It always answers with the apology, whatever the request: a caller must never hear
 * Twilio's "application error" because the fallback was picky. What it adds is telling Twilio's
 * requests from anyone else's, so that only a call the router really failed is alarmed on: the
 * fallback's URL is as public as the router's, and a forged POST must not page anyone.
 *
 * It checks the signature when the auth token is at hand within a short wait (it may not be:
 * the router may have failed precisely because the token could not be read), and says which in
 * its one log line and its one metric (lambda/metrics.ts FALLBACK_METRICS).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FallbackSignature } from '../metrics';
import { clip } from '../params';
import { publicBaseUrlOf, readSignedWebhook, type WebhookVerdict } from '../twilioSignature';
import type { FormParams } from '../webhookForm';

export interface FallbackDeps {
  /** The apology (lambda/fallback/twiml.ts). */
  twiml: string;
  /** The auth token, or undefined when it cannot be had in time. Never throws. */
  authToken: () => Promise<string | undefined>;
  /** What Twilio was given (PUBLIC_BASE_URL); a trailing slash is dropped once, when the handler is made. */
  publicBaseUrl?: string;
  logger: { info(message: string, fields: Record<string, unknown>): void };
  /** One metric per answer, with its Signature dimension. */
  count: (signature: FallbackSignature) => void;
}

export type FallbackHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** How each verdict on a request is counted: only Twilio's (and those that could not be checked) mean a failed call. */
const SIGNATURE_OF: Readonly<Record<WebhookVerdict['verdict'], FallbackSignature>> = {
  signed: 'valid',
  unchecked: 'unchecked',
  unsigned: 'invalid',
  forged: 'invalid',
  // A body over the router's caps is no Twilio request: it is never parsed.
  'too-large': 'invalid',
};

export function createFallbackHandler(deps: FallbackDeps): FallbackHandler {
  const answer: APIGatewayProxyStructuredResultV2 = { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: deps.twiml };
  const baseUrl = publicBaseUrlOf(deps.publicBaseUrl);
  return async function handler(event, context) {
    let signature: FallbackSignature = 'invalid';
    let params: FormParams = {};
    try {
      const webhook = await readSignedWebhook(event ?? ({} as APIGatewayProxyEventV2), baseUrl, deps.authToken);
      signature = SIGNATURE_OF[webhook.verdict];
      if ('params' in webhook) params = webhook.params;
    } catch {
      // A request too odd to read is no Twilio request; the caller, if any, still hears the apology.
    }
    // Twilio adds ErrorCode (11200: the router's URL failed, 11205: it timed out...) and ErrorUrl.
    // Only Twilio's own values are logged: a forged request's are the sender's to choose.
    const trusted = signature !== 'invalid';
    try {
      deps.logger.info('voice fallback answered', {
        signature,
        ...(context ? { requestId: context.awsRequestId } : {}),
        ...(trusted ? { callSid: clip(params.CallSid), errorCode: clip(params.ErrorCode), errorUrl: clip(params.ErrorUrl) } : {}),
      });
      deps.count(signature);
    } catch {
      // Nothing that tells about the call may stop the apology: it is the one thing this answers.
    }
    return answer;
  };
}


/**
 * Whether a request is Twilio's: its X-Twilio-Signature checked by twilio-node's own
 * validateRequest (deep-imported: no REST client), over the URL Twilio was given. Used by the
 * router and by the voice fallback.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getSignatureAlgorithm, HMAC_SHA1, HMAC_SHA256, validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { FormParams } from './webhookForm';

/**
 * The URL Twilio signed: the public base URL the stack handed Twilio (PUBLIC_BASE_URL, without a
 * trailing slash), else `https://` and the request's host, then the path and the query exactly
 * as sent.
 */
export function signedUrl(event: Pick<APIGatewayProxyEventV2, 'rawPath' | 'rawQueryString' | 'requestContext'>, baseUrl: string | undefined): string {
  const rawQuery = event.rawQueryString ?? '';
  return `${baseUrl ?? `https://${event.requestContext.domainName}`}${event.rawPath}${rawQuery ? `?${rawQuery}` : ''}`;
}

/** The algorithms Twilio signs with; anything else is not a Twilio request. */
const SIGNATURE_ALGORITHMS = new Set([HMAC_SHA1, HMAC_SHA256]);

/** twilio-node's check; a URL it cannot parse (a hostile raw query) is simply not signed. */
export function isSignedByTwilio(token: string, signature: string, url: string, params: FormParams, settings: string | undefined): boolean {
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

/**
 * Whether a request is Twilio's: its X-Twilio-Signature checked by twilio-node's own
 * validateRequest (deep-imported: no REST client), over the URL Twilio was given. The router
 * and the voice fallback read their webhooks through readSignedWebhook, and differ only in what
 * they answer to each verdict.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { getSignatureAlgorithm, HMAC_SHA1, HMAC_SHA256, validateRequest } from 'twilio/lib/webhooks/webhooks';
import { decodedBodyBytes, parseWebhookForm, WEBHOOK_BODY_LIMITS, type FormParams } from './webhookForm';

/** The public base URL as the stack configured it (PUBLIC_BASE_URL), without a trailing slash; read once, at init. */
export function publicBaseUrlOf(configured: string | undefined): string | undefined {
  return configured?.replace(/\/+$/, '') || undefined;
}

/**
 * The URL Twilio signed: the public base URL the stack handed Twilio (publicBaseUrlOf), else
 * `https://` and the request's host, then the path and the query exactly as sent.
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

/** What a webhook turned out to be, in the order it is found out. */
export type WebhookVerdict =
  /** No X-Twilio-Signature: refused before the body is even decoded. */
  | { verdict: 'unsigned' }
  /** More than Twilio ever sends (lambda/webhookForm.ts): refused unparsed, or parsed no further. */
  | { verdict: 'too-large'; exceeded: keyof typeof WEBHOOK_BODY_LIMITS; bytes: number }
  /** The auth token could not be had: the signature cannot be checked. */
  | { verdict: 'unchecked'; params: FormParams }
  /** A signature that is not Twilio's for this URL and these parameters. */
  | { verdict: 'forged' }
  | { verdict: 'signed'; params: FormParams };

/**
 * Reads a webhook and checks its signature: cheap refusals first (no signature; a body over
 * WEBHOOK_BODY_LIMITS, measured without decoding it), then the body is decoded and parsed, and
 * only then is the auth token awaited (`authToken` resolves undefined when it cannot be had),
 * so a flood of unsigned or oversized requests never waits on it.
 */
export async function readSignedWebhook(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded' | 'rawPath' | 'rawQueryString' | 'requestContext'>,
  baseUrl: string | undefined,
  authToken: () => Promise<string | undefined>,
): Promise<WebhookVerdict> {
  const headers = event.headers ?? {};
  const signature = headers['x-twilio-signature'];
  if (!signature) return { verdict: 'unsigned' };
  const body = typeof event.body === 'string' ? event.body : '';
  const base64 = event.isBase64Encoded === true;
  const bytes = decodedBodyBytes(body, base64);
  if (bytes > WEBHOOK_BODY_LIMITS.maxBytes) return { verdict: 'too-large', exceeded: 'maxBytes', bytes };
  const params = parseWebhookForm(base64 ? Buffer.from(body, 'base64').toString('utf8') : body);
  if (params === 'too-many-params') return { verdict: 'too-large', exceeded: 'maxParams', bytes };
  const token = await authToken();
  if (token === undefined) return { verdict: 'unchecked', params };
  return isSignedByTwilio(token, signature, signedUrl(event, baseUrl), params, headers['x-twilio-webhooks-signature-settings'])
    ? { verdict: 'signed', params }
    : { verdict: 'forged' };
}

/**
 * A webhook's form body, read before its signature is checked (the signature covers the parsed
 * parameters), so by anyone who can reach the API: bounded and linear, or refused unread.
 */

/**
 * Caps on a webhook body, checked before any parsing. Twilio's voice webhooks are a few KB
 * with 20 to 40 parameters: a SIP-domain call sends about 25 (CallSid, From, To, Caller,
 * Called, the Sip* ones, the geographic ones), plus one `SipHeader_X-...` per X- header of the
 * INVITE, whose whole SIP message rarely exceeds 1,300 bytes over UDP (RFC 3261 18.1.1) and a
 * few KB over TLS. So 32 KiB and 128 parameters leave a legitimate webhook several times its
 * size in headroom, while keeping the work a forged request can cost to microseconds.
 * The local server (scripts/localAdapter.ts) caps request bodies with the same numbers.
 */
export const WEBHOOK_BODY_LIMITS = {
  /** Bytes of the decoded body. */
  maxBytes: 32 * 1024,
  /** Parameters (name=value pairs) in the body. */
  maxParams: 128,
} as const;

export type WebhookBodyLimits = { readonly maxBytes: number; readonly maxParams: number };

/** Form parameters; a repeated name collects its values in order. */
export type FormParams = Record<string, string | string[]>;

/**
 * The size of the decoded body, without decoding it: API Gateway hands a form body over
 * base64-encoded, 4 characters for every 3 bytes.
 */
export function decodedBodyBytes(body: string, isBase64Encoded: boolean): number {
  if (!isBase64Encoded) return Buffer.byteLength(body, 'utf8');
  let padding = 0;
  while (padding < 2 && body.charCodeAt(body.length - 1 - padding) === 0x3d /* = */) padding++;
  return Math.floor((body.length * 3) / 4) - padding;
}

/** Name=value pairs a form holds at most: one more than its `&` separators. Linear, allocates nothing. */
function pairsAtMost(form: string, stopAfter: number): number {
  let pairs = 1;
  for (let at = form.indexOf('&'); at !== -1 && pairs <= stopAfter; at = form.indexOf('&', at + 1)) pairs++;
  return pairs;
}

/**
 * Parses an `application/x-www-form-urlencoded` body as WHATWG URLSearchParams does (what
 * Twilio's signature is computed over), in one linear pass: a repeated name appends to its
 * array instead of copying it (copying made `a&a&a...` cost O(n^2)). More than
 * `limits.maxParams` pairs is refused before anything is parsed.
 */
export function parseWebhookForm(form: string, limits: WebhookBodyLimits = WEBHOOK_BODY_LIMITS): FormParams | 'too-many-params' {
  if (pairsAtMost(form, limits.maxParams) > limits.maxParams) return 'too-many-params';
  const params: FormParams = Object.create(null);
  for (const [name, value] of new URLSearchParams(form)) {
    const seen = params[name];
    if (seen === undefined) params[name] = value;
    else if (typeof seen === 'string') params[name] = [seen, value];
    else seen.push(value);
  }
  return params;
}

/**
 * Simulated Twilio voice webhooks, with the parameters Twilio sends and signed as Twilio signs
 * them: what `npm run call` sends, and what the tests and the bench send (test/lambda/fixtures.ts).
 *
 * The parameter sets are Twilio's documented ones, checked against the parameter tables of the
 * pages below (there is no Twilio account here, so no real webhook was captured to compare):
 * - a SIP domain's voice URL (twilio.com/docs/api/twilio-sip/sip-twiml): the call's own parameters,
 *   `Caller`/`Called` (the same SIP URIs as From/To), `SipDomain`, `SipDomainSid`, `SipCallId`,
 *   `SipSourceIp`, and `SipUsername`, the username that passed the credential challenge;
 * - a number's voice URL (twilio.com/docs/usage/webhooks/voice-webhooks, and "Twilio's
 *   request" at twilio.com/docs/api/twiml/twilio_request): the call's own parameters,
 *   `Caller`/`Called`, the geographic ones (`FromCity`... `ToCountry`, and the same as
 *   `Caller*`/`Called*`), `CallToken` and `StirVerstat` (the caller ID's STIR/SHAKEN
 *   verification).
 * The SIP page lists no geographic parameter, CallToken or StirVerstat for a SIP domain's
 * webhook, so none is sent with one.
 */
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { userPartOf } from '../lambda/sipUri';

export type WebhookParams = Record<string, string>;

/** The identifiers Twilio gives a call; random unless a test pins them. */
export interface CallIds {
  callSid: string;
  accountSid: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export function randomCallIds(): CallIds {
  return { callSid: `CA${hex(16)}`, accountSid: `AC${hex(16)}` };
}

function callParams(ids: CallIds, from: string, to: string): WebhookParams {
  return {
    AccountSid: ids.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: ids.callSid,
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: from,
    To: to,
    Caller: from,
    Called: to,
  };
}

export interface SipDomainCall {
  /** The credential's username, as Twilio reports it in `SipUsername`. */
  sipUsername: string;
  /** The INVITE's From and To (request) URIs. */
  from: string;
  to: string;
  /** The SIP domain the INVITE was sent to. */
  sipDomain: string;
  sipDomainSid?: string;
  sipCallId?: string;
  sipSourceIp?: string;
}

/** What Twilio POSTs to a SIP domain's voice URL when a registered phone places a call. */
export function sipDomainCallParams(call: SipDomainCall, ids: CallIds = randomCallIds()): WebhookParams {
  return {
    ...callParams(ids, call.from, call.to),
    SipCallId: call.sipCallId ?? `${hex(12)}@${call.sipSourceIp ?? '127.0.0.1'}`,
    SipDomain: call.sipDomain,
    SipDomainSid: call.sipDomainSid ?? `SD${hex(16)}`,
    SipSourceIp: call.sipSourceIp ?? '127.0.0.1',
    SipUsername: call.sipUsername,
  };
}

/** Where Twilio's number lookup places a number; a simulated call uses a fixed place. */
export interface Place {
  city: string;
  state: string;
  zip: string;
  country: string;
}

const SOMEWHERE: Place = { city: 'SAN FRANCISCO', state: 'CA', zip: '94103', country: 'US' };

function placeParams(prefixes: readonly string[], place: Place): WebhookParams {
  const out: WebhookParams = {};
  for (const prefix of prefixes) {
    Object.assign(out, { [`${prefix}City`]: place.city, [`${prefix}State`]: place.state, [`${prefix}Zip`]: place.zip, [`${prefix}Country`]: place.country });
  }
  return out;
}

/** What Twilio POSTs to a number's voice URL when someone calls it from the PSTN. */
export function pstnCallParams(call: { from: string; to: string; fromPlace?: Place; toPlace?: Place }, ids: CallIds = randomCallIds()): WebhookParams {
  return {
    ...callParams(ids, call.from, call.to),
    ...placeParams(['From', 'Caller'], call.fromPlace ?? SOMEWHERE),
    ...placeParams(['To', 'Called'], call.toPlace ?? SOMEWHERE),
    CallToken: JSON.stringify({ parentCallInfoToken: hex(24), identityHeaderTokens: [] }),
    StirVerstat: 'TN-Validation-Passed-A',
  };
}

export interface SimulatedCall {
  path: '/voice/outbound' | '/voice/inbound';
  params: WebhookParams;
}

/** A SIP address as a phone writes it: `sip:`/`sips:` URI, `user@host`, or a bare user on `domain`. */
function sipAddress(value: string, domain: string): { uri: string; user: string; host: string } {
  const scheme = /^sips?:/i.exec(value)?.[0] ?? 'sip:';
  const rest = /^sips?:/i.test(value) ? value.slice(scheme.length) : value;
  const at = rest.lastIndexOf('@');
  if (at < 0) return { uri: `${scheme}${rest}@${domain}`, user: rest, host: domain };
  // The host without its port or URI parameters: acme.sip.twilio.com:5061;transport=tls
  return { uri: `${scheme}${rest}`, user: rest.slice(0, at), host: rest.slice(at + 1).split(/[;:]/, 1)[0] };
}

/**
 * FROM a SIP URI, `user@host` or a bare username is a registered phone calling out (the SIP
 * domain's voice URL), authenticated as that username; FROM a phone number is the PSTN calling
 * one of the account's numbers. A TO without a host is put on the domain, as a phone's dial
 * string would be, and the domain the INVITE goes to is TO's host.
 */
export function simulatedCall(from: string, dialed: string, domain: string): SimulatedCall {
  // A phone sends what was keyed in without the spaces a person types in a number.
  const to = dialed.replace(/\s+/g, '');
  if (/^\+?[0-9][0-9 ().-]*$/.test(from)) {
    return { path: '/voice/inbound', params: pstnCallParams({ from, to }) };
  }
  const caller = sipAddress(from, domain);
  const callee = sipAddress(to, domain);
  return {
    path: '/voice/outbound',
    params: sipDomainCallParams({ sipUsername: userPartOf(caller.uri) ?? caller.user, from: caller.uri, to: callee.uri, sipDomain: callee.host }),
  };
}

export interface CallResult {
  status: number;
  flow: string | null;
  body: string;
}

/** Signs and POSTs a call to a running router; `query` is appended to the signed URL. */
export async function placeCall(baseUrl: string, token: string, call: SimulatedCall, query = ''): Promise<CallResult> {
  const url = `${baseUrl}${call.path}${query ? `?${query}` : ''}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(token, url, call.params),
    },
    body: new URLSearchParams(call.params).toString(),
  });
  return { status: response.status, flow: response.headers.get('x-sipline-flow'), body: await response.text() };
}

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
 *
 * And what follows, on the URLs the router wrote into its answer (each one is the call's own
 * parameters, as above, plus those of the request, from Twilio's reference pages):
 * - `<Dial action>` (twilio.com/docs/voice/twiml/dial#action): DialCallStatus, DialCallSid,
 *   DialCallDuration, DialBridged; after a `<Sip>` dial also DialSipCallId and DialSipResponseCode
 *   (twilio.com/docs/voice/twiml/sip#sip-action);
 * - `<Dial referUrl>` (twilio.com/docs/voice/twiml/dial#referurl, /docs/voice/api/refer-to-twilio):
 *   ReferTransferTarget, the REFER's Refer-To header as the phone wrote it;
 * - `<Record action>` (twilio.com/docs/voice/twiml/record#attributes-action): RecordingUrl,
 *   RecordingDuration, Digits;
 * - `<Record recordingStatusCallback>` (twilio.com/docs/voice/twiml/record, and the Call
 *   resource's RecordingStatusCallback for RecordingStartTime): only the recording's parameters;
 * - a status callback (twilio.com/docs/voice/api/call-resource#statuscallback): CallStatus,
 *   CallDuration, Duration, SipResponseCode, Timestamp, CallbackSource, SequenceNumber, and
 *   "all parameters passed in a synchronous request to retrieve TwiML" (so says the <Sip>
 *   noun's statusCallback, twilio.com/docs/voice/twiml/sip#attributes-status-callback): the
 *   call's own, SipUsername included for a call of the SIP domain. That a domain's
 *   VoiceStatusCallbackUrl sends them too is read from that page, not captured (no account
 *   here), so the router copes without them and the tests send both (withoutSipParams).
 */
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { ROUTES } from '../lambda/routes';
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

export function randomSid(prefix: 'CA' | 'RE'): string {
  return `${prefix}${hex(16)}`;
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
  path: (typeof ROUTES)['outbound' | 'inbound'];
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
    return { path: ROUTES.inbound, params: pstnCallParams({ from, to }) };
  }
  const caller = sipAddress(from, domain);
  const callee = sipAddress(to, domain);
  return {
    path: ROUTES.outbound,
    params: sipDomainCallParams({ sipUsername: userPartOf(caller.uri) ?? caller.user, from: caller.uri, to: callee.uri, sipDomain: callee.host }),
  };
}

export interface CallResult {
  status: number;
  flow: string | null;
  body: string;
}

/** Signs and POSTs webhook parameters to a URL, as Twilio does. */
export async function postWebhook(url: string, token: string, params: WebhookParams): Promise<CallResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(token, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, flow: response.headers.get('x-sipline-flow'), body: await response.text() };
}

/** Signs and POSTs a call to a running router; `query` is appended to the signed URL. */
export function placeCall(baseUrl: string, token: string, call: SimulatedCall, query = ''): Promise<CallResult> {
  return postWebhook(`${baseUrl}${call.path}${query ? `?${query}` : ''}`, token, call.params);
}

/**
 * The parameters Twilio adds to one request of a call: a dial's outcome (`Dial*`), a
 * recording's (`Recording*`, `Digits`), a REFER's target (`Refer*`). They are that request's
 * alone: Twilio never sends them again with the next one.
 */
const ONE_REQUEST_PARAM = /^(?:Dial|Recording|Refer)|^Digits$/;

/**
 * The call's own parameters, out of any request of the call: what Twilio sends again to every
 * URL of an answer. So a request built on the previous one (a forward's <Dial action> after a
 * <Sip> dial's) carries none of the previous one's outcome.
 */
export function callOwnParams(request: WebhookParams): WebhookParams {
  return Object.fromEntries(Object.entries(request).filter(([name]) => !ONE_REQUEST_PARAM.test(name)));
}

/** How a `<Dial>` ended, as Twilio reports it in `DialCallStatus`. */
export const DIAL_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type DialStatus = (typeof DIAL_STATUSES)[number];

/**
 * The final SIP response to Twilio's INVITE that each outcome of a `<Sip>` dial stands for: 200
 * answered, 486 Busy Here, 487 Request Terminated (Twilio cancels the INVITE at the dial's
 * timeout, or when the caller hangs up), 404 Not Found (no phone registered under the username).
 */
const SIP_RESPONSE_OF: Readonly<Record<DialStatus, string>> = { completed: '200', busy: '486', 'no-answer': '487', failed: '404', canceled: '487' };

/** What a `<Dial>` dials: `<Sip>` nouns (registered users) or a `<Number>`. */
export type DialedNoun = 'sip' | 'number';

/**
 * What Twilio POSTs to `<Dial action>` when the dial ends: the call's own parameters and the
 * dial's outcome. With answerOnBridge, the caller's leg is answered only once the dial is, so
 * until then the call is still `ringing`. A `<Sip>` dial adds what Twilio lists for it
 * (twilio.com/docs/voice/twiml/sip, "Additional parameters"): DialSipCallId, the Call-ID of its
 * INVITE, and DialSipResponseCode, the final response to it (DialSipHeader_<name>, the X-headers
 * of that response, only when the phone sent some: none here). Most dials the router writes ring
 * users, so `<Sip>` is the default; a `<Number>` dial has none of them.
 */
export function dialActionParams(call: WebhookParams, status: DialStatus, dialed: { noun?: DialedNoun; seconds?: number } = {}): WebhookParams {
  const answered = status === 'completed';
  return {
    ...callOwnParams(call),
    CallStatus: answered ? 'in-progress' : 'ringing',
    DialCallStatus: status,
    DialCallSid: randomSid('CA'),
    DialCallDuration: String(answered ? (dialed.seconds ?? 42) : 0),
    DialBridged: String(answered),
    ...((dialed.noun ?? 'sip') === 'sip' ? { DialSipCallId: `${hex(16)}@0.0.0.0`, DialSipResponseCode: SIP_RESPONSE_OF[status] } : {}),
  };
}

/** Which noun the `<Dial>` of a TwiML answer dials (undefined when it dials none). */
export function dialedNoun(twiml: string): DialedNoun | undefined {
  const noun = /<Dial\b[^>]*>\s*<(Sip|Number)\b/.exec(twiml)?.[1];
  return noun === undefined ? undefined : noun === 'Sip' ? 'sip' : 'number';
}

/**
 * What Twilio POSTs to `<Dial referUrl>` when a phone on the call sends a REFER (its transfer
 * button): the call's own parameters and the Refer-To header. `target` without a scheme is
 * written as a phone writes it, `<sip:TARGET@domain>`.
 */
export function referParams(call: WebhookParams, target: string, domain: string): WebhookParams {
  const referTo = /^(sips?|tel):|^</i.test(target) ? target : `<sip:${target}@${domain}>`;
  return { ...callOwnParams(call), CallStatus: 'in-progress', ReferTransferTarget: referTo };
}

/** What Twilio POSTs to `<Record action>` once the caller finished speaking (hung up, here). */
export function recordActionParams(call: WebhookParams, recording: { recordingSid: string; seconds: number }): WebhookParams {
  return {
    ...callOwnParams(call),
    CallStatus: 'in-progress',
    RecordingUrl: recordingUrl(call.AccountSid, recording.recordingSid),
    RecordingDuration: String(recording.seconds),
    Digits: 'hangup',
  };
}

function recordingUrl(accountSid: string, recordingSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
}

/** An RFC 2822 date, as Twilio writes its timestamps: `Tue, 03 Jun 2025 14:05:09 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** What Twilio POSTs to `<Record recordingStatusCallback>` once the recording is stored. */
export function recordingCallbackParams(
  call: WebhookParams,
  recording: { recordingSid: string; seconds: number; startedAt: Date; status?: 'completed' | 'absent' | 'failed' },
): WebhookParams {
  return {
    AccountSid: call.AccountSid,
    CallSid: call.CallSid,
    RecordingSid: recording.recordingSid,
    RecordingUrl: recordingUrl(call.AccountSid, recording.recordingSid),
    RecordingStatus: recording.status ?? 'completed',
    RecordingDuration: String(recording.seconds),
    RecordingChannels: '1',
    RecordingStartTime: rfc2822(recording.startedAt),
    RecordingSource: 'RecordVerb',
  };
}

/** The call's parameters without the SIP ones: a status callback as it would come if Twilio left them out. */
export function withoutSipParams(call: WebhookParams): WebhookParams {
  return Object.fromEntries(Object.entries(call).filter(([name]) => !name.startsWith('Sip')));
}

/** What Twilio POSTs to a status callback when the call is over (the `completed` event). */
export function statusCallbackParams(
  call: WebhookParams,
  end: { status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'; seconds: number; sipResponseCode: string; at: Date; sequenceNumber?: number },
): WebhookParams {
  return {
    ...callOwnParams(call),
    CallStatus: end.status,
    CallDuration: String(end.seconds),
    ...(end.status === 'completed' ? { Duration: String(Math.ceil(end.seconds / 60)) } : {}),
    SipResponseCode: end.sipResponseCode,
    Timestamp: rfc2822(end.at),
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(end.sequenceNumber ?? 0),
  };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** An attribute of the first `<element>` of a TwiML answer that has it, unescaped as an XML parser would. */
export function twimlAttribute(twiml: string, element: string, attribute: string): string | undefined {
  const tag = new RegExp(`<${element}\\s[^>]*?\\b${attribute}="([^"]*)"`).exec(twiml);
  return tag?.[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name]);
}

/** A URL of a TwiML answer, resolved as Twilio resolves it: against the URL of the request it answered. */
export function resolveTwimlUrl(relative: string, requestUrl: string): string {
  return new URL(relative, requestUrl).toString();
}

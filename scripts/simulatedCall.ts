/**
 * A simulated Twilio voice webhook, signed as Twilio signs it: what `npm run call` sends.
 */
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';

export interface SimulatedCall {
  path: '/voice/outbound' | '/voice/inbound';
  params: Record<string, string>;
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

/**
 * FROM a SIP URI or a bare username is a registered phone calling out (the SIP domain's voice
 * URL); FROM a phone number is the PSTN calling one of the account's numbers. A bare TO of an
 * outbound call is put in a SIP URI on the domain, as a phone's dial string would be.
 */
export function simulatedCall(from: string, dialed: string, domain: string): SimulatedCall {
  // A phone sends what was keyed in without the spaces a person types in a number.
  const to = dialed.replace(/\s+/g, '');
  const fromPhoneNumber = /^\+?[0-9][0-9 ().-]*$/.test(from);
  const common = { CallSid: sid('CA'), AccountSid: sid('AC'), ApiVersion: '2010-04-01', CallStatus: 'ringing', Direction: 'inbound' };
  if (fromPhoneNumber) {
    return { path: '/voice/inbound', params: { ...common, From: from, To: to, Caller: from, Called: to } };
  }
  const sip = (user: string) => (/^sips?:/i.test(user) ? user : `sip:${user}@${domain}`);
  return {
    path: '/voice/outbound',
    params: { ...common, From: sip(from), To: sip(to), SipDomain: domain, SipDomainSid: sid('SD'), SipCallId: `${randomBytes(8).toString('hex')}@127.0.0.1` },
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

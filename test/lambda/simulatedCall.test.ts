/** What `npm run call` sends: the addresses people type, and Twilio's full parameter sets. */
import {
  callOwnParams,
  dialActionParams,
  dialedNoun,
  recordActionParams,
  recordingCallbackParams,
  referParams,
  resolveTwimlUrl,
  simulatedCall,
  statusCallbackParams,
  twimlAttribute,
  withoutSipParams,
} from '../../scripts/simulatedCall';
import { DOMAIN, routerFor, send, webhookEvent } from './fixtures';

/** Documented for a SIP domain's voice URL (twilio.com/docs/api/twilio-sip/sip-twiml); no real webhook was captured to compare (scripts/simulatedCall.ts). */
const SIP_DOMAIN_PARAMS = ['AccountSid', 'ApiVersion', 'CallSid', 'CallStatus', 'Called', 'Caller', 'Direction', 'From', 'SipCallId', 'SipDomain', 'SipDomainSid', 'SipSourceIp', 'SipUsername', 'To'];
/** Documented for a number's voice URL (twilio.com/docs/usage/webhooks/voice-webhooks). */
const PSTN_PARAMS = [
  'AccountSid', 'ApiVersion', 'CallSid', 'CallStatus', 'CallToken', 'Called', 'CalledCity', 'CalledCountry', 'CalledState', 'CalledZip',
  'Caller', 'CallerCity', 'CallerCountry', 'CallerState', 'CallerZip', 'Direction', 'From', 'FromCity', 'FromCountry', 'FromState', 'FromZip',
  'StirVerstat', 'To', 'ToCity', 'ToCountry', 'ToState', 'ToZip',
];

describe('a simulated call from a registered phone', () => {
  it.each([
    ['a bare username', 'alice', 'bob', 'sip:alice@acme.sip.twilio.com', 'sip:bob@acme.sip.twilio.com'],
    ['user@host', 'alice@acme.sip.twilio.com', 'bob@acme.sip.twilio.com', 'sip:alice@acme.sip.twilio.com', 'sip:bob@acme.sip.twilio.com'],
    ['sip: URIs', 'sip:alice@acme.sip.twilio.com', 'sip:4155551234@acme.sip.twilio.com;user=phone', 'sip:alice@acme.sip.twilio.com', 'sip:4155551234@acme.sip.twilio.com;user=phone'],
    ['sips: URIs', 'sips:alice@acme.sip.twilio.com', 'sips:bob@acme.sip.twilio.com', 'sips:alice@acme.sip.twilio.com', 'sips:bob@acme.sip.twilio.com'],
    ['an E.164 username', 'sip:+14155550100@acme.sip.twilio.com', '415 555 1234', 'sip:+14155550100@acme.sip.twilio.com', 'sip:4155551234@acme.sip.twilio.com'],
  ])('reads %s as a phone would write them', (_what, from, to, fromUri, toUri) => {
    const { path, params } = simulatedCall(from, to, DOMAIN);
    expect(path).toBe('/voice/outbound');
    expect(params).toMatchObject({ From: fromUri, Caller: fromUri, To: toUri, Called: toUri, SipDomain: DOMAIN });
    expect(params.From).not.toMatch(/@.*@/);
    expect(params.To).not.toMatch(/@.*@/);
  });

  it('authenticates as the user FROM names, in whatever form', () => {
    for (const from of ['alice', 'alice@acme.sip.twilio.com', 'sip:alice@acme.sip.twilio.com', 'sips:alice@acme.sip.twilio.com:5061;transport=tls']) {
      expect(simulatedCall(from, 'bob', DOMAIN).params.SipUsername).toBe('alice');
    }
    expect(simulatedCall('sip:%2B14155550100@acme.sip.twilio.com', 'bob', DOMAIN).params.SipUsername).toBe('+14155550100');
  });

  it('sends every parameter Twilio sends to a SIP domain\'s voice URL', () => {
    expect(Object.keys(simulatedCall('alice', 'bob', DOMAIN).params).sort()).toEqual([...SIP_DOMAIN_PARAMS].sort());
  });

  it('is sent to the domain TO names, so another domain is refused as the router would refuse it', async () => {
    const { params } = simulatedCall('alice@acme.sip.twilio.com', 'bob@other.sip.twilio.com', DOMAIN);
    expect(params.SipDomain).toBe('other.sip.twilio.com');
    const { handler } = routerFor();
    expect((await send(handler, webhookEvent(params))).headers['x-sipline-flow']).toBe('refused:foreign-domain');
  });

  it('routes alice@host as alice', async () => {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent(simulatedCall('alice@acme.sip.twilio.com', 'bob@acme.sip.twilio.com', DOMAIN).params));
    expect(res.headers['x-sipline-flow']).toBe('sip-user');
    expect(res.body).toContain('callerId="alice"');
  });
});

describe('a simulated call from the PSTN', () => {
  it('sends every parameter Twilio sends to a number\'s voice URL', () => {
    const { path, params } = simulatedCall('+12125550123', '+14155550199', DOMAIN);
    expect(path).toBe('/voice/inbound');
    expect(Object.keys(params).sort()).toEqual([...PSTN_PARAMS].sort());
    expect(params).toMatchObject({ From: '+12125550123', Caller: '+12125550123', To: '+14155550199', Called: '+14155550199' });
  });
});

describe('what follows a simulated call, on the URLs of its answer', () => {
  const call = simulatedCall('+12125550123', '+14155550199', DOMAIN).params;
  const STANDARD = Object.keys(call).sort();

  it('posts to <Dial action> the call\'s parameters and the four Twilio documents for every dial', () => {
    const params = dialActionParams(call, 'no-answer', { noun: 'number' });
    expect(Object.keys(params).sort()).toEqual([...STANDARD, 'DialBridged', 'DialCallDuration', 'DialCallSid', 'DialCallStatus'].sort());
    expect(params).toMatchObject({ DialCallStatus: 'no-answer', DialBridged: 'false', DialCallDuration: '0', CallStatus: 'ringing' });
    expect(params.DialCallSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(dialActionParams(call, 'completed', { noun: 'number' })).toMatchObject({ DialBridged: 'true', CallStatus: 'in-progress', DialCallDuration: '42' });
  });

  it('adds, after a <Sip> dial, the SIP Call-ID of its INVITE and the final response to it (twilio.com/docs/voice/twiml/sip)', () => {
    const params = dialActionParams(call, 'busy', { noun: 'sip' });
    expect(Object.keys(params).sort()).toEqual([...STANDARD, 'DialBridged', 'DialCallDuration', 'DialCallSid', 'DialCallStatus', 'DialSipCallId', 'DialSipResponseCode'].sort());
    expect(params.DialSipCallId).toMatch(/^[0-9a-f]{32}@/);
    expect(['completed', 'busy', 'no-answer', 'failed', 'canceled'].map((s) => dialActionParams(call, s as 'busy').DialSipResponseCode)).toEqual(['200', '486', '487', '404', '487']);
  });

  it('builds each request on the call\'s own parameters, never on what an earlier request added', () => {
    const afterRing = dialActionParams(call, 'busy', { noun: 'sip' });
    const afterForward = dialActionParams(afterRing, 'no-answer', { noun: 'number' });
    expect(Object.keys(afterForward).sort()).toEqual([...STANDARD, 'DialBridged', 'DialCallDuration', 'DialCallSid', 'DialCallStatus'].sort());
    const recorded = recordActionParams(referParams(afterRing, 'bob', DOMAIN), { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 17 });
    expect(Object.keys(recorded).sort()).toEqual([...STANDARD, 'Digits', 'RecordingDuration', 'RecordingUrl'].sort());
    expect(Object.keys(statusCallbackParams(recorded, { status: 'completed', seconds: 1, sipResponseCode: '200', at: new Date() })).filter((k) => /^(Dial|Recording|Refer|Digits)/.test(k))).toEqual([]);
    expect(callOwnParams(afterRing)).toEqual(call);
  });

  it('tells a <Sip> dial from a <Number> one by the TwiML that made it', () => {
    expect(dialedNoun('<Response><Dial answerOnBridge="true" timeout="20"><Sip>sip:alice@acme.sip.twilio.com</Sip></Dial></Response>')).toBe('sip');
    expect(dialedNoun('<Response><Dial callerId="+14155550199"><Number>+14155551234</Number></Dial></Response>')).toBe('number');
    expect(dialedNoun('<Response><Say>Goodbye.</Say><Hangup/></Response>')).toBeUndefined();
  });

  it('posts to <Dial referUrl> the call\'s parameters and the Refer-To, as a phone writes it', () => {
    expect(Object.keys(referParams(call, 'bob', DOMAIN)).sort()).toEqual([...STANDARD, 'ReferTransferTarget'].sort());
    expect(referParams(call, 'bob', DOMAIN).ReferTransferTarget).toBe('<sip:bob@acme.sip.twilio.com>');
    expect(referParams(call, 'tel:+14155551234', DOMAIN).ReferTransferTarget).toBe('tel:+14155551234');
    expect(referParams(call, '<sip:bob@x>', DOMAIN).ReferTransferTarget).toBe('<sip:bob@x>');
  });

  it('posts to <Record action> the call\'s parameters and the recording\'s URL, duration and ending key', () => {
    const params = recordActionParams(call, { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 17 });
    expect(Object.keys(params).sort()).toEqual([...STANDARD, 'Digits', 'RecordingDuration', 'RecordingUrl'].sort());
  });

  it('posts to the recording status callback only the recording\'s parameters', () => {
    const params = recordingCallbackParams(call, { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 17, startedAt: new Date('2025-06-03T14:05:09Z') });
    expect(Object.keys(params).sort()).toEqual(
      ['AccountSid', 'CallSid', 'RecordingChannels', 'RecordingDuration', 'RecordingSid', 'RecordingSource', 'RecordingStartTime', 'RecordingStatus', 'RecordingUrl'].sort(),
    );
    expect(params).toMatchObject({ RecordingStartTime: 'Tue, 03 Jun 2025 14:05:09 +0000', RecordingSource: 'RecordVerb', RecordingChannels: '1', RecordingStatus: 'completed' });
    expect(params.RecordingUrl).toBe(`https://api.twilio.com/2010-04-01/Accounts/${call.AccountSid}/Recordings/RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e`);
  });

  it('posts to a status callback the call\'s parameters (SipUsername included) and the documented status ones', () => {
    const sip = simulatedCall('alice', 'bob', DOMAIN).params;
    const params = statusCallbackParams(sip, { status: 'completed', seconds: 61, sipResponseCode: '200', at: new Date('2025-06-03T14:06:00Z') });
    expect(Object.keys(params).sort()).toEqual([...SIP_DOMAIN_PARAMS, 'CallDuration', 'CallbackSource', 'Duration', 'SequenceNumber', 'SipResponseCode', 'Timestamp'].sort());
    expect(params.SipUsername).toBe('alice');
    expect(Object.keys(statusCallbackParams(withoutSipParams(sip), { status: 'completed', seconds: 1, sipResponseCode: '200', at: new Date() })).filter((k) => k.startsWith('Sip'))).toEqual(['SipResponseCode']);
    expect(params).toMatchObject({ CallStatus: 'completed', CallDuration: '61', Duration: '2', SipResponseCode: '200', CallbackSource: 'call-progress-events', SequenceNumber: '0', Timestamp: 'Tue, 03 Jun 2025 14:06:00 +0000' });
    expect(statusCallbackParams(sip, { status: 'busy', seconds: 0, sipResponseCode: '486', at: new Date() })).not.toHaveProperty('Duration');
  });

  it('reads a URL of an answer as an XML parser would, and resolves it as Twilio does', () => {
    const twiml = '<Response><Dial answerOnBridge="true" action="after-dial?to=alice&amp;member=0"><Sip>sip:alice@acme.sip.twilio.com</Sip></Dial></Response>';
    expect(twimlAttribute(twiml, 'Dial', 'action')).toBe('after-dial?to=alice&member=0');
    expect(twimlAttribute(twiml, 'Dial', 'referUrl')).toBeUndefined();
    expect(resolveTwimlUrl('after-dial?to=alice', 'https://x.example/base/voice/inbound?a=1')).toBe('https://x.example/base/voice/after-dial?to=alice');
  });
});

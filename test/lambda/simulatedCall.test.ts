/** What `npm run call` sends: the addresses people type, and Twilio's full parameter sets. */
import { simulatedCall } from '../../scripts/simulatedCall';
import { DOMAIN, routerFor, send, webhookEvent } from './fixtures';

/** Documented for a SIP domain's voice URL (twilio.com/docs/api/twilio-sip/sip-twiml), as captured webhooks carry them. */
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

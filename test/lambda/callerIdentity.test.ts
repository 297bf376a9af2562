/**
 * Who is calling: the user whose credential passed Twilio's challenge (`SipUsername`), never
 * the `From` header the phone writes. Each call here is signed, as Twilio would sign it: a
 * holder of bob's password controls From, not SipUsername.
 */
import { SIP_EDGES as CONFIG_SIP_EDGES } from '../../infra/config';
import { SPOKEN_REASONS } from '../../lambda/messages';
import { SIP_EDGES } from '../../lambda/sipUri';
import { DOMAIN, demoDirectory, dialOf, outboundCall, routerFor, send, spokenOf, webhookEvent } from './fixtures';

const ALICE_FROM = `sip:alice@${DOMAIN}`;
const withEmergency = demoDirectory({ emergency: { enabled: true } });

async function call(params: Record<string, string>, directory = demoDirectory()) {
  const { handler, logger } = routerFor(directory);
  const res = await send(handler, webhookEvent(params));
  expect(res.statusCode).toBe(200);
  return { dial: dialOf(res.body as string), flow: res.headers['x-sipline-flow'], spoken: spokenOf(res.body as string), logger };
}

describe('a From naming another user than SipUsername', () => {
  it('gets the authenticated user\'s caller ID on a PSTN call, not the one From names', async () => {
    const { dial, flow } = await call(outboundCall('bob', '4155551234', { From: ALICE_FROM, Caller: ALICE_FROM }));
    expect(flow).toBe('pstn');
    // bob has no number: the default caller ID, never alice's +14155550199.
    expect(dial).toMatchObject({ noun: 'Number', target: '+14155551234', attrs: { callerId: '+14155550123' } });
  });

  it('shows the authenticated user as the caller of a SIP call', async () => {
    const { dial, flow } = await call(outboundCall('bob', '+14155550100', { From: ALICE_FROM }));
    expect(flow).toBe('sip-user');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: 'bob' }, noun: 'Sip', target: 'sip:+14155550100@acme.sip.twilio.com' });
  });

  it('gives an emergency call the authenticated user\'s call-back number, not the address of the user From names', async () => {
    const { dial, flow } = await call(outboundCall('bob', '911', { From: ALICE_FROM }), withEmergency);
    expect(flow).toBe('emergency');
    expect(dial).toMatchObject({ noun: 'Number', target: '911', attrs: { callerId: '+14155550123' } });
    expect(dial?.attrs.callerId).not.toBe('+14155550199');
  });

  it('lends no emergency codes of the country of the user From names', async () => {
    // 999 is an emergency code for the UK user, not for alice: From cannot borrow it.
    const asUkUser = await call(outboundCall('+442079460100', '999'), withEmergency);
    expect(asUkUser.dial).toMatchObject({ target: '999', attrs: { callerId: '+442079460100' } });
    const spoofed = await call(outboundCall('alice', '999', { From: `sip:+442079460100@${DOMAIN}` }), withEmergency);
    expect(spoofed.flow).not.toBe('emergency');
    expect(spoofed.dial).toBeUndefined();
  });

  it('is routed, with a warning naming both, clipped, so an admin sees it', async () => {
    const longFrom = `sip:${'m'.repeat(60)}@${DOMAIN}`;
    for (const [from, fromUser] of [
      [ALICE_FROM, 'alice'],
      [`sip:+14155550199@${DOMAIN};user=phone`, '+14155550199'], // a desk phone's display number
      [longFrom, 'm'.repeat(60)],
      ['"Bob" <sip:bob@acme', '"Bob" <sip:bob@acme'], // no user part to read: the header as sent
    ]) {
      const { flow, logger } = await call(outboundCall('bob', '4155551234', { From: from }));
      expect(flow).toBe('pstn');
      expect(logger.lines[0]).toEqual({
        level: 'warn',
        message: 'From names another user than SipUsername; routed as SipUsername',
        fields: { route: 'outbound', callSid: 'CA0123456789abcdef0123456789abcdef', sipUsername: 'bob', fromUser: fromUser.slice(0, 80) },
      });
      expect(logger.lines[1]).toMatchObject({ message: 'call routed', fields: { caller: 'bob', flow: 'pstn' } });
    }
  });

  it('gives no warning when From names the same user, in any of the forms phones write', async () => {
    for (const from of [ALICE_FROM, `sips:alice@${DOMAIN}`, `sip:alice@acme.sip.dublin.twilio.com;transport=tls`]) {
      const { logger } = await call(outboundCall('alice', '4155551234', { From: from }));
      expect(logger.lines.map((l) => l.level)).toEqual(['info']);
    }
    const { logger } = await call(outboundCall('+14155550100', '4155551234', { From: `sip:%2B14155550100@${DOMAIN}` }));
    expect(logger.lines.map((l) => l.level)).toEqual(['info']);
  });
});

describe('an outbound request that no credential of this domain vouches for', () => {
  const DESTINATIONS = [
    ['the PSTN', '4155551234'],
    ['a SIP user', 'alice'],
    ['an emergency number', '911'],
  ];

  it.each(DESTINATIONS)('is refused, spoken, without SipUsername, and never reaches %s', async (_what, dialed) => {
    const { SipUsername: _u, ...params } = outboundCall('alice', dialed);
    const { dial, flow, spoken, logger } = await call(params, withEmergency);
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:no-sip-username');
    expect(spoken).toBe(SPOKEN_REASONS['no-sip-username']);
    expect(logger.lines.at(-1)).toMatchObject({ message: 'call routed', fields: { flow: 'refused:no-sip-username' } });
  });

  it.each(DESTINATIONS)('is refused with an empty SipUsername, and never reaches %s', async (_what, dialed) => {
    const { dial, flow } = await call(outboundCall('alice', dialed, { SipUsername: '' }), withEmergency);
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:no-sip-username');
  });

  it.each(DESTINATIONS)('is refused when SipUsername is no user of the directory, and never reaches %s', async (_what, dialed) => {
    const { dial, flow, spoken } = await call(outboundCall('mallory', dialed, { From: ALICE_FROM }), withEmergency);
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:unknown-caller');
    expect(spoken).toBe(SPOKEN_REASONS['unknown-caller']);
  });

  it.each(DESTINATIONS)('is refused when SipDomain is another domain, and never reaches %s', async (_what, dialed) => {
    for (const sipDomain of ['other.sip.twilio.com', 'acmex.sip.twilio.com', 'acme.sip.twilio.com.example.com', 'acme.example.com', '']) {
      const { dial, flow, spoken } = await call(outboundCall('alice', dialed, { SipDomain: sipDomain }), withEmergency);
      expect(dial).toBeUndefined();
      expect(flow).toBe('refused:foreign-domain');
      expect(spoken).toBe(SPOKEN_REASONS['foreign-domain']);
    }
  });

  it.each(DESTINATIONS)('is refused without SipDomain, and never reaches %s', async (_what, dialed) => {
    const { SipDomain: _d, ...params } = outboundCall('alice', dialed);
    const { dial, flow } = await call(params, withEmergency);
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:foreign-domain');
  });
});

describe('the directory\'s domain', () => {
  const flowFrom = async (sipDomain: string) => (await call(outboundCall('alice', '4155551234', { SipDomain: sipDomain }))).flow;

  // Twilio's Localized URIs pages: SIP URIs (edges, legacy regions) and Interconnect SIP URIs.
  it('is recognised in any case, and through a documented edge, legacy region or Interconnect edge, as phones reach it', async () => {
    const hosts = ['ACME.SIP.TWILIO.COM', 'Acme.sip.twilio.com', ...SIP_EDGES.map((edge) => `acme.sip.${edge}.twilio.com`), 'acme.sip.us1.twilio.com', 'ACME.SIP.IE1.TWILIO.COM', 'acme.sip.au1.twilio.com', 'acme.sip.london-ix.twilio.com', 'acme.sip.us1-ix.twilio.com'];
    for (const sipDomain of hosts) expect({ sipDomain, flow: await flowFrom(sipDomain) }).toEqual({ sipDomain, flow: 'pstn' });
  });

  it('is not any other name ending in .twilio.com: extra or undocumented labels are another domain', async () => {
    const hosts = ['acme.sip.sip.twilio.com', 'acme.sip.evil.twilio.com', 'acme.sip.x.y.twilio.com', 'acme.sip.ashburn.us1.twilio.com', 'acme.sip.dublin-ix.twilio.com', 'x.acme.sip.twilio.com', 'other.sip.dublin.twilio.com', 'acme.sip.twilio.com.evil.example'];
    for (const sipDomain of hosts) expect({ sipDomain, flow: await flowFrom(sipDomain) }).toEqual({ sipDomain, flow: 'refused:foreign-domain' });
  });

  it("uses the stack's own edge list: one list, for sipline:edge and for the router", () => {
    expect(CONFIG_SIP_EDGES).toBe(SIP_EDGES);
  });
});

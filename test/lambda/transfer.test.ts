/**
 * Transfers from the called phone's own button: every <Dial> the router writes that rings phones
 * carries a referUrl naming who may transfer the call; the REFER webhook Twilio posts there
 * (its `ReferTransferTarget`, the Refer-To as the phone wrote it) goes through the same dial
 * plan. Each test places a real call and posts the REFER webhook to the referUrl of its answer.
 *
 * What Twilio documents (twilio.com/docs/voice/api/refer-to-twilio), with answerOnBridge on the
 * call's first <Dial>, as here: the transferring phone stays connected until the target
 * answers; a target that does not answer, or a referUrl that cannot be reached, re-establishes
 * the call with it. So a transfer's <Dial> has no action (nothing of ours follows it), and a
 * refused target hands the party back to the transferring phone. Tests whose names say
 * "assumed" encode what those pages do not say.
 */
import { SPOKEN_REASONS, TRANSFER_REASONS, TRANSFER_REFUSED } from '../../lambda/messages';
import { referParams } from '../../scripts/simulatedCall';
import { DOMAIN, demoDirectory, dialOf, inboundCall, liveCalls, spokenOf, urlIn, withNoAnswerAndGroups, type Answered } from './fixtures';

const transferRefusal = (reason: keyof typeof TRANSFER_REASONS) => `${TRANSFER_REFUSED} ${TRANSFER_REASONS[reason]}`;
/** The <Sip> nouns of an answer's <Dial>, in order. */
const sipsOf = (body: string) => [...body.matchAll(/<Sip>([^<]*)<\/Sip>/g)].map((m) => m[1]);
/** Whether an answer's <Dial> has an action: nothing follows a transfer's. */
const actionOf = (answered: Answered) => urlIn(answered.body, 'Dial', 'action', answered);

describe('a transfer to a user', () => {
  it('dials the user over SIP, ringing for its ringSeconds, with the transferred PSTN caller shown', async () => {
    const t = liveCalls();
    const call = await t.ring('+12125550123', '+14155550199'); // alice answers
    expect(urlIn(call.body, 'Dial', 'referUrl', call)).toEqual({ path: '/voice/refer', query: 'by=alice&party=%2B12125550123' });
    const moved = await t.transfer(call, 'bob');
    expect(moved.flow).toBe('transfer:sip-user');
    expect(dialOf(moved.body)).toMatchObject({ noun: 'Sip', target: 'sip:bob@acme.sip.twilio.com', attrs: { answerOnBridge: 'true', timeout: '30' } });
    // No callerId: Twilio shows the call's own caller, the PSTN party.
    expect(dialOf(moved.body)?.attrs.callerId).toBeUndefined();
    expect(urlIn(moved.body, 'Dial', 'referUrl', moved)).toEqual({ path: '/voice/refer', query: 'by=bob&party=%2B12125550123' });
    expect(t.metrics.totals()).toEqual({ 'Transfers:user': 1 });
    expect(t.logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'call transferred', fields: { by: 'alice', party: '+12125550123', user: 'bob', referTransferTarget: '<sip:bob@acme.sip.twilio.com>' } });
  });

  it('leaves the target\'s noAnswer out: no action, so a target who does not answer hands the party back to the transferring phone, as Twilio documents', async () => {
    const t = liveCalls();
    // bob has voicemail; a transfer to him does not reach it.
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'bob');
    expect(actionOf(moved)).toBeUndefined();
    expect(moved.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" timeout="30" referUrl="refer?by=bob&amp;party=%2B12125550123"><Sip>sip:bob@acme.sip.twilio.com</Sip></Dial></Response>',
    );
  });

  it('shows the transferred user as the caller of an internal call, and lets the new callee transfer again', async () => {
    const t = liveCalls();
    const call = await t.dial('bob', 'alice'); // alice answers bob's call
    expect(urlIn(call.body, 'Dial', 'referUrl', call)?.query).toBe('by=alice&party=bob');
    const moved = await t.transfer(call, '4155550100'); // by number: still SIP
    expect(dialOf(moved.body)).toMatchObject({ noun: 'Sip', target: 'sip:+14155550100@acme.sip.twilio.com', attrs: { callerId: 'bob' } });
    const again = await t.transfer(moved, 'carol');
    expect(dialOf(again.body)).toMatchObject({ target: 'sip:carol@acme.sip.twilio.com', attrs: { callerId: 'bob' } });
  });

  it('reads the Refer-To as phones write it: bracketed, with a display name, URI headers, tel:', async () => {
    const t = liveCalls();
    for (const referTo of ['<sip:bob@acme.sip.twilio.com>', '"Bob" <sip:bob@acme.sip.dublin.twilio.com;transport=tls>', '<sip:bob@10.0.0.1?X-Info=desk>', 'sip:bob@acme.sip.twilio.com']) {
      expect((await t.transfer(await t.ring('+12125550123', '+14155550199'), referTo)).flow).toBe('transfer:sip-user');
    }
    expect((await t.transfer(await t.ring('+12125550123', '+14155550199'), 'tel:+14155550100')).flow).toBe('transfer:sip-user');
  });

  it('dials the target of an attended transfer anew (Twilio transfers blind), and says so in the log line', async () => {
    const t = liveCalls();
    const referTo = '<sip:bob@acme.sip.twilio.com?Replaces=a84b4c76e66710%40192.0.2.4%3Bto-tag%3D1%3Bfrom-tag%3D2>';
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), referTo);
    expect(dialOf(moved.body)?.target).toBe('sip:bob@acme.sip.twilio.com');
    expect(t.logger.lines.at(-1)).toMatchObject({ message: 'call transferred', fields: { attended: true } });
  });

  it('rings a simultaneous group transferred to at once, leaving out the transferring member, with no noAnswer', async () => {
    const t = liveCalls();
    // alice, a member of support, answers a call to her number and transfers it to support.
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'support');
    expect(moved.flow).toBe('transfer:group');
    expect(sipsOf(moved.body)).toEqual(['sip:bob@acme.sip.twilio.com', 'sip:+14155550101@acme.sip.twilio.com']);
    expect(dialOf(moved.body)).toBeUndefined(); // several nouns
    expect(moved.body).toContain('timeout="20"');
    expect(moved.body).not.toContain('sequential');
    expect(actionOf(moved)).toBeUndefined();
    // Whoever answers may transfer again: the group stands for them.
    expect(urlIn(moved.body, 'Dial', 'referUrl', moved)?.query).toBe('by=support&party=%2B12125550123');
    expect(t.metrics.totals()).toEqual({ 'Transfers:group': 1 });
  });

  it('rings a sequential group\'s other members one after the other in one <Dial sequential> (assumed: Twilio gives each the timeout, the group\'s ringSeconds)', async () => {
    const t = liveCalls();
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'sales');
    expect(moved.flow).toBe('transfer:group');
    expect(moved.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" timeout="10" referUrl="refer?by=sales&amp;party=%2B12125550123" sequential="true">' +
        '<Sip>sip:bob@acme.sip.twilio.com</Sip><Sip>sip:carol@acme.sip.twilio.com</Sip></Dial></Response>',
    );
  });

  it('never rings the phone of the party being transferred either', async () => {
    const t = liveCalls();
    // bob calls alice; alice transfers bob to sales (alice, bob, carol): only carol rings.
    const moved = await t.transfer(await t.dial('bob', 'alice'), 'sales');
    expect(sipsOf(moved.body)).toEqual(['sip:carol@acme.sip.twilio.com']);
    expect(moved.body).not.toContain('sequential');
    expect(dialOf(moved.body)?.attrs.callerId).toBe('bob');
  });
});

describe('a transfer to a PSTN number', () => {
  it('dials an allowed number with the transferring user\'s caller ID, nothing after it', async () => {
    const t = liveCalls();
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), '6135550123');
    expect(moved.flow).toBe('transfer:pstn');
    expect(moved.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" callerId="+14155550199"><Number>+16135550123</Number></Dial></Response>');
    expect(t.metrics.totals()).toEqual({ 'Transfers:pstn': 1 });
  });

  it('uses the default caller ID when the transferring user has none, and the group\'s number for a group\'s call', async () => {
    const t = liveCalls();
    const byBob = await t.transfer(await t.dial('alice', 'bob'), '+14155551234');
    expect(dialOf(byBob.body)?.attrs.callerId).toBe('+14155550123');
    // Any member of a simultaneous group may have answered: the group stands for them.
    const groupCall = await t.ring('+12125550123', '+14155550160');
    expect(urlIn(groupCall.body, 'Dial', 'referUrl', groupCall)?.query).toBe('by=support&party=%2B12125550123');
    expect(dialOf((await t.transfer(groupCall, '4155551234')).body)?.attrs.callerId).toBe('+14155550160');
  });

  it('is not offered on a PSTN call a phone placed: Twilio asks the referUrl for a REFER from the called party, which a number never sends', async () => {
    const t = liveCalls();
    const call = await t.dial('alice', '4155551234');
    expect(call.flow).toBe('pstn');
    // Without a referUrl, a REFER from the calling phone gets Twilio's alert 13802 and the call goes on.
    expect(urlIn(call.body, 'Dial', 'referUrl', call)).toBeUndefined();
    // Nor a forward: its called party is a number too.
    const forwarded = await t.end(await t.ring('+12125550123', '+14155550100'), 'no-answer');
    expect(forwarded.flow).toBe('after-dial:forward');
    expect(urlIn(forwarded.body, 'Dial', 'referUrl', forwarded)).toBeUndefined();
  });
});

describe('a refused transfer', () => {
  it.each([
    ['a country outside allowedCountries', '+442079460000', 'country-not-allowed'],
    ['a premium-rate number', '19005551234', 'number-type-not-allowed'],
    ['a satellite phone', '+881631234567', 'satellite'],
    ['a name that is no user', 'zoe', 'unknown-user'],
    ['an address that is not one', '<sip:"@acme>', 'malformed-destination'],
    ['an emergency number', '911', 'emergency-transfer'],
  ] as const)('to %s is never dialed: the party hears why and is handed back to the transferring phone, never cut off', async (_what, target, reason) => {
    const t = liveCalls();
    const refused = await t.transfer(await t.ring('+12125550123', '+14155550199'), target);
    expect(refused.flow).toBe(`transfer:refused:${reason}`);
    expect(spokenOf(refused.body)).toBe(transferRefusal(reason));
    expect(refused.body).not.toContain('<Hangup/>');
    // The way back: alice's phone rung again with a transfer's dial (no action). Twilio documents
    // both of its ends as keeping the party with alice: she answers (a new bridge), or she does
    // not (busy on this very call, or away: the call is re-established).
    expect(refused.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Say>${transferRefusal(reason)}</Say>` +
        '<Dial answerOnBridge="true" timeout="20" referUrl="refer?by=alice&amp;party=%2B12125550123"><Sip>sip:alice@acme.sip.twilio.com</Sip></Dial></Response>',
    );
    expect(t.metrics.totals()).toEqual({ 'Transfers:refused': 1 });
    expect(t.logger.lines.at(-1)).toMatchObject({ message: 'transfer refused', fields: { flow: `refused:${reason}`, by: 'alice', handedBackTo: 'alice' } });
  });

  it('says the reason before handing back (assumed: the party hears the <Say> of a referUrl answer while the call it was on is kept)', async () => {
    const t = liveCalls();
    const refused = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'zoe');
    expect(refused.body.indexOf('<Say>')).toBeLessThan(refused.body.indexOf('<Dial'));
  });

  it('hands a user back showing them as the caller, and a group\'s call back to its members', async () => {
    const t = liveCalls();
    const byAlice = await t.transfer(await t.dial('bob', 'alice'), '+442079460000');
    expect(dialOf(byAlice.body)).toMatchObject({ target: 'sip:alice@acme.sip.twilio.com', attrs: { callerId: 'bob', timeout: '20' } });
    // A simultaneous group's call: who answered is not known, so its members ring again (not the party).
    const bySupport = await t.transfer(await t.dial('bob', 'support'), 'zoe');
    expect(sipsOf(bySupport.body)).toEqual(['sip:alice@acme.sip.twilio.com', 'sip:+14155550101@acme.sip.twilio.com']);
    expect(bySupport.body).toContain('referUrl="refer?by=support&amp;party=bob"');
  });

  it('refuses emergency numbers even with emergency calling on: the dispatcher needs the caller\'s own call-back number', async () => {
    const t = liveCalls({ ...withNoAnswerAndGroups(), emergency: { enabled: true } });
    const refused = await t.transfer(await t.dial('bob', 'alice'), '911');
    expect(spokenOf(refused.body)).toBe(transferRefusal('emergency-transfer'));
    expect(TRANSFER_REASONS['emergency-transfer']).toBe(SPOKEN_REASONS['emergency-transfer']);
    expect(dialOf(refused.body)?.target).toBe('sip:alice@acme.sip.twilio.com');
  });

  it.each([
    ['the transferring phone itself', 'alice'],
    ['the party being transferred', 'bob'],
    ['a group of no one else', 'desk'],
  ])('to %s is refused as already on the call, and handed back', async (_what, target) => {
    const t = liveCalls();
    // bob calls alice; alice transfers bob. desk is bob alone.
    const refused = await t.transfer(await t.dial('bob', 'alice'), target);
    expect(refused.flow).toBe('transfer:refused:already-on-call');
    expect(spokenOf(refused.body)).toBe(transferRefusal('already-on-call'));
    expect(dialOf(refused.body)?.target).toBe('sip:alice@acme.sip.twilio.com');
  });

  it('ends the call only when no transferring user can be named to hand it back to (a directory changed since)', async () => {
    const t = liveCalls();
    const params = referParams(inboundCall('+12125550123', '+14155550199'), 'bob', DOMAIN);
    for (const query of ['', 'by=zoe&party=x', 'party=%2B12125550123']) {
      const refused = await t.post(params, '/voice/refer', query);
      expect(refused.flow).toBe('transfer:refused:unknown-caller');
      expect(refused.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${transferRefusal('unknown-caller')}</Say><Hangup/></Response>`);
    }
  });

  it('is not possible on an emergency call: no referUrl', async () => {
    const t = liveCalls(demoDirectory({ emergency: { enabled: true } }));
    const call = await t.dial('alice', '911');
    expect(call.flow).toBe('emergency');
    expect(urlIn(call.body, 'Dial', 'referUrl', call)).toBeUndefined();
  });
});

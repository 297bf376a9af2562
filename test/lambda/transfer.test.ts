/**
 * Transfers from a phone's own button: every <Dial> the router writes (but an emergency call's)
 * carries a referUrl naming who may transfer the call; the REFER webhook Twilio posts there
 * (its `ReferTransferTarget`, the Refer-To as the phone wrote it) goes through the same dial
 * plan. Each test places a real call and posts the REFER webhook to the referUrl of its answer.
 */
import { SPOKEN_REASONS, TRANSFER_REASONS, TRANSFER_REFUSED } from '../../lambda/messages';
import { dialActionParams, referParams } from '../../scripts/simulatedCall';
import { DOMAIN, demoDirectory, dialOf, inboundCall, liveCalls, spokenOf, urlIn, withNoAnswerAndGroups } from './fixtures';

const transferRefusal = (reason: keyof typeof TRANSFER_REASONS) => `${TRANSFER_REFUSED} ${TRANSFER_REASONS[reason]}`;

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
    expect(t.metrics.totals()).toEqual({ 'Transfers:user': 1 });
    expect(t.logger.lines.at(-1)).toMatchObject({ level: 'info', message: 'call transferred', fields: { by: 'alice', party: '+12125550123', user: 'bob', referTransferTarget: '<sip:bob@acme.sip.twilio.com>' } });
  });

  it('sends the transferred call to the new user\'s voicemail when unanswered, saying who called', async () => {
    const t = liveCalls();
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'bob');
    const action = urlIn(moved.body, 'Dial', 'action', moved)!;
    const next = await t.post(dialActionParams(moved.params, 'no-answer'), action.path, action.query);
    expect(next.flow).toBe('after-dial:voicemail');
    expect(urlIn(next.body, 'Record', 'recordingStatusCallback', next)?.query).toBe('mailbox=bob&from=%2B12125550123');
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

  it('rings a hunt group transferred to', async () => {
    const t = liveCalls();
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), 'support');
    expect(moved.flow).toBe('transfer:group');
    expect(moved.body).toContain('<Sip>sip:alice@acme.sip.twilio.com</Sip><Sip>sip:bob@acme.sip.twilio.com</Sip>');
    expect(t.metrics.totals()).toEqual({ 'Transfers:group': 1 });
  });
});

describe('a transfer to a PSTN number', () => {
  it('dials an allowed number with the transferring user\'s caller ID', async () => {
    const t = liveCalls();
    const moved = await t.transfer(await t.ring('+12125550123', '+14155550199'), '6135550123');
    expect(moved.flow).toBe('transfer:pstn');
    expect(dialOf(moved.body)).toMatchObject({ noun: 'Number', target: '+16135550123', attrs: { callerId: '+14155550199', action: 'after-dial' } });
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
  ] as const)('to %s is said to the party being transferred, and never dialed', async (_what, target, reason) => {
    const t = liveCalls();
    const refused = await t.transfer(await t.ring('+12125550123', '+14155550199'), target);
    expect(refused.flow).toBe(`transfer:refused:${reason}`);
    expect(dialOf(refused.body)).toBeUndefined();
    expect(spokenOf(refused.body)).toBe(transferRefusal(reason));
    expect(refused.body).toContain('<Hangup/>');
    expect(t.metrics.totals()).toEqual({ 'Transfers:refused': 1 });
    expect(t.logger.lines.at(-1)).toMatchObject({ message: 'transfer refused', fields: { flow: `refused:${reason}`, by: 'alice' } });
  });

  it('refuses emergency numbers even with emergency calling on: the dispatcher needs the caller\'s own call-back number', async () => {
    const t = liveCalls({ ...withNoAnswerAndGroups(), emergency: { enabled: true } });
    const refused = await t.transfer(await t.dial('bob', 'alice'), '911');
    expect(spokenOf(refused.body)).toBe(transferRefusal('emergency-transfer'));
    expect(TRANSFER_REASONS['emergency-transfer']).toBe(SPOKEN_REASONS['emergency-transfer']);
  });

  it('refuses a REFER on a URL that names no transferring user (a directory changed since)', async () => {
    const t = liveCalls();
    const params = referParams(inboundCall('+12125550123', '+14155550199'), 'bob', DOMAIN);
    for (const query of ['', 'by=zoe&party=x', 'party=%2B12125550123']) {
      const refused = await t.post(params, '/voice/refer', query);
      expect(refused.flow).toBe('transfer:refused:unknown-caller');
    }
  });

  it('is not possible on an emergency call: no referUrl', async () => {
    const t = liveCalls(demoDirectory({ emergency: { enabled: true } }));
    const call = await t.dial('alice', '911');
    expect(call.flow).toBe('emergency');
    expect(urlIn(call.body, 'Dial', 'referUrl', call)).toBeUndefined();
  });
});

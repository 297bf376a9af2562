/**
 * Calls nobody answers: every call that rings a user or a group goes through `<Dial action>`,
 * and the after-dial route answers by DialCallStatus. Each test places a real call, then posts
 * what Twilio posts to the action URL written in the answer (resolved as Twilio resolves it),
 * with Twilio's parameters for it: the chain of answers is the one a caller would live through.
 */
import { defaultGreeting, SPOKEN_REASONS, UNANSWERED_GOODBYES } from '../../lambda/messages';
import { validateDirectory } from '../../lambda/directory';
import { DIAL_STATUSES, dialActionParams, recordActionParams } from '../../scripts/simulatedCall';
import { startRouter } from './routerWorld';
import { demoDirectory, dialOf, inboundCall, liveCalls, routerFor, send, spokenOf, urlIn, webhookEvent, withNoAnswerAndGroups } from './fixtures';

const UNANSWERED = DIAL_STATUSES.filter((s) => s !== 'completed');

describe('a call to a user that forwards when unanswered', () => {
  it.each(UNANSWERED)('goes to the forward number when the dial ends %s, with the PSTN caller as caller ID', async (status) => {
    const call = liveCalls();
    const rang = await call.ring('+12125550123', '+14155550100');
    // The user's phones ring for its ringSeconds, then Twilio asks the after-dial route.
    expect(dialOf(rang.body)).toMatchObject({ noun: 'Sip', target: 'sip:+14155550100@acme.sip.twilio.com', attrs: { timeout: '15' } });
    const next = await call.end(rang, status);
    expect(next.flow).toBe('after-dial:forward');
    // Twilio lets a <Number> dial show the From of its request: the original caller's own number.
    expect(dialOf(next.body)).toMatchObject({ noun: 'Number', target: '+14155551234', attrs: { callerId: '+12125550123', action: 'after-dial' } });
    expect(call.metrics.totals()).toEqual({ [`FailedDials:${status}`]: 1, 'NoAnswerActions:forward': 1 });
  });

  it('logs the dial\'s end with the final SIP response Twilio reports for a <Sip> dial', async () => {
    const call = liveCalls();
    await call.end(await call.ring('+12125550123', '+14155550100'), 'busy');
    expect(call.logger.lines.at(-1)).toMatchObject({ message: 'dial ended', fields: { action: 'forward', dialCallStatus: 'busy', dialSipResponseCode: '486', rang: '+14155550100' } });
  });

  it('ends the call when the forward itself is not answered either: a PSTN dial has no noAnswer', async () => {
    const call = liveCalls();
    const forwarded = await call.end(await call.ring('+12125550123', '+14155550100'), 'busy');
    const last = await call.end(forwarded, 'no-answer');
    expect(last.flow).toBe('after-dial:dial-ended');
    expect(last.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });

  it('hears of the forward\'s end without the SIP outcome of the ring before it: a <Number> dial has none', async () => {
    const call = liveCalls();
    const rang = await call.ring('+12125550123', '+14155550100');
    const forwarded = await call.end(rang, 'busy');
    const last = await call.end(forwarded, 'no-answer');
    expect(Object.keys(last.params).filter((name) => name.startsWith('DialSip'))).toEqual([]);
    expect(last.params).toMatchObject({ DialCallStatus: 'no-answer', CallSid: rang.params.CallSid });
    expect(last.params.DialCallSid).not.toBe(forwarded.params.DialCallSid);
    expect(call.logger.lines.at(-1)).toMatchObject({ message: 'dial ended', fields: { action: 'dial-ended', dialCallStatus: 'no-answer' } });
    expect(call.logger.lines.at(-1)?.fields).not.toHaveProperty('dialSipResponseCode');
  });

  it('hangs up once the dial was answered and is over: nothing follows a conversation', async () => {
    const call = liveCalls();
    const over = await call.end(await call.ring('+12125550123', '+14155550100'), 'completed');
    expect(over.flow).toBe('after-dial:answered');
    expect(over.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect(call.metrics.lines).toEqual([]);
  });

  it('hangs up when the caller already hung up (Twilio still asks the action URL), counted as a caller who gave up, not a failed dial', async () => {
    const call = liveCalls();
    const gone = await call.end(await call.ring('+12125550123', '+14155550100'), 'no-answer', { CallStatus: 'completed' });
    expect(gone.flow).toBe('after-dial:caller-gone');
    expect(dialOf(gone.body)).toBeUndefined();
    expect(call.metrics.totals()).toEqual({ 'NoAnswerActions:caller-gone': 1 });
  });

  it('counts nothing when the caller hangs up at the end of a conversation', async () => {
    const call = liveCalls();
    const over = await call.end(await call.ring('+12125550123', '+14155550100'), 'completed', { CallStatus: 'completed' });
    expect(over.flow).toBe('after-dial:caller-gone');
    expect(call.metrics.lines).toEqual([]);
  });

  it('forwards with the user\'s own number when the PSTN caller\'s is withheld', async () => {
    for (const withheld of ['+266696687', 'anonymous', 'Restricted']) {
      const call = liveCalls();
      const next = await call.end(await call.ring(withheld, '+14155550100'), 'no-answer');
      expect(dialOf(next.body)?.attrs.callerId).toBe('+14155550100');
    }
  });

  it('forwards an internal call with the calling user\'s own Twilio number, never its From', async () => {
    const call = liveCalls();
    // alice's phone calls +14155550100: a SIP call, so Twilio allows no From as caller ID.
    const next = await call.end(await call.dial('alice', '4155550100'), 'no-answer');
    expect(dialOf(next.body)?.attrs.callerId).toBe('+14155550199');
  });

  it('forwards an internal call from a user with no number with the forwarding user\'s number', async () => {
    const call = liveCalls();
    const next = await call.end(await call.dial('bob', '+14155550100'), 'no-answer');
    expect(dialOf(next.body)?.attrs.callerId).toBe('+14155550100');
  });

  it('falls back to defaultCallerId when neither caller nor user has a number', async () => {
    const call = liveCalls();
    // carol forwards to Canada; bob and carol have no numbers.
    const next = await call.end(await call.dial('bob', 'carol'), 'no-answer');
    expect(dialOf(next.body)).toMatchObject({ target: '+16135550123', attrs: { callerId: '+14155550123' } });
  });

  it('says goodbye instead of dialing a forward the toll-fraud guard refuses (a hand-edited directory)', async () => {
    const directory = withNoAnswerAndGroups();
    directory.users[0].noAnswer = { forwardTo: '+19005551234' };
    const call = liveCalls(directory);
    const next = await call.end(await call.ring('+12125550123', '+14155550100'), 'busy');
    expect(next.flow).toBe('after-dial:goodbye');
    expect(spokenOf(next.body)).toBe(UNANSWERED_GOODBYES.busy);
  });
});

describe('a call to a user with voicemail', () => {
  it.each(UNANSWERED)('goes to voicemail when the dial ends %s: greeting, a beep, 2 minutes, thanks', async (status) => {
    const call = liveCalls();
    const rang = await call.ring('+12125550123', '+14155550199');
    expect(dialOf(rang.body)?.attrs.timeout).toBe('20');
    const next = await call.end(rang, status);
    expect(next.flow).toBe('after-dial:voicemail');
    expect(next.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Say>${defaultGreeting('alice')}</Say>` +
        '<Record action="voicemail-done" maxLength="120" recordingStatusCallback="recording?mailbox=alice&amp;from=%2B12125550123"/>' +
        '<Say>No message was recorded. Goodbye.</Say><Hangup/></Response>',
    );
    expect(call.metrics.totals()).toEqual({ [`FailedDials:${status}`]: 1, 'NoAnswerActions:voicemail': 1 });
  });

  it('says the user\'s own greeting, quotes and all', async () => {
    const call = liveCalls();
    const next = await call.end(await call.dial('alice', 'bob'), 'no-answer');
    expect(spokenOf(next.body)).toBe("Bob here. I'm away: leave a message!");
    // bob rings for his own 30 s; the voicemail says who called: alice.
    expect(urlIn(next.body, 'Record', 'recordingStatusCallback', next)?.query).toBe('mailbox=bob&from=alice');
  });

  it('never says a greeting that slipped into the directory file unescaped: the router reads the file, the caller hears the apology', async () => {
    const bad = 'Tom & <Jerry>';
    const directory = withNoAnswerAndGroups();
    directory.users = directory.users.map((u) => (u.username === 'alice' ? { ...u, noAnswer: { voicemail: { greeting: bad, email: 'alice@example.com' } } } : u));
    // The stack refuses it, naming the key and the value; the router's cold start leaves it to the render.
    expect(() => validateDirectory(directory)).toThrow(`users[2].noAnswer.voicemail.greeting: ${JSON.stringify(bad)} must be 1 to 500 characters of plain text`);
    const world = await startRouter({ directory });
    try {
      const call = inboundCall('+12125550123', '+14155550199');
      const rang = await world.invoke(webhookEvent(call, { path: '/voice/inbound' }));
      const action = urlIn(rang.body as string, 'Dial', 'action', { path: '/voice/inbound' })!;
      const next = await world.invoke(webhookEvent(dialActionParams(call, 'no-answer'), action));
      expect(next.headers).toMatchObject({ 'x-sipline-flow': 'error' });
      expect(next.body).not.toContain('Jerry');
      expect(spokenOf(next.body as string)).toMatch(/^Sorry, something went wrong/);
      expect(world.logs().at(-1)).toMatchObject({ level: 'ERROR', message: 'routing failed', route: 'afterDial' });
    } finally {
      await world.stop();
    }
  });

  it('reaches voicemail on an internal call too, ringing for the user\'s ringSeconds', async () => {
    const call = liveCalls();
    const rang = await call.dial('+14155550101', 'alice');
    expect(dialOf(rang.body)).toMatchObject({ target: 'sip:alice@acme.sip.twilio.com', attrs: { callerId: '+14155550101', timeout: '20' } });
    expect((await call.end(rang, 'no-answer')).flow).toBe('after-dial:voicemail');
  });

  it('thanks the caller once the message is recorded', async () => {
    const { handler } = routerFor(withNoAnswerAndGroups());
    const params = recordActionParams(inboundCall('+12125550123', '+14155550199'), { recordingSid: 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e', seconds: 17 });
    const res = await send(handler, webhookEvent(params, { path: '/voice/voicemail-done' }));
    expect(res.headers['x-sipline-flow']).toBe('voicemail-done');
    expect(res.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you. Your message has been recorded. Goodbye.</Say><Hangup/></Response>');
  });
});

describe('a call to a user with no noAnswer', () => {
  it.each(UNANSWERED)('is told why (%s) and goodbye', async (status) => {
    const call = liveCalls();
    const next = await call.end(await call.ring('+12125550123', '+14155550101'), status);
    expect(next.flow).toBe('after-dial:goodbye');
    expect(spokenOf(next.body)).toBe(UNANSWERED_GOODBYES[status as keyof typeof UNANSWERED_GOODBYES]);
    expect(call.metrics.totals()).toEqual({ [`FailedDials:${status}`]: 1, 'NoAnswerActions:goodbye': 1 });
  });

  it('rings for the default 20 seconds', async () => {
    const { dial } = { dial: dialOf((await liveCalls(demoDirectory()).ring('+12125550123', '+14155550199')).body) };
    expect(dial?.attrs.timeout).toBe('20');
  });
});

describe('a PSTN call placed by a phone', () => {
  it.each(DIAL_STATUSES)('ends when its dial ends %s: busy and unreachable numbers are the PSTN\'s to say', async (status) => {
    const call = liveCalls();
    const next = await call.end(await call.dial('alice', '4155551234'), status);
    expect(next.flow).toBe(status === 'completed' ? 'after-dial:answered' : 'after-dial:dial-ended');
    expect(next.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    // A failed PSTN dial is still counted: the dashboard shows carrier failures.
    expect(call.metrics.totals()).toEqual(status === 'completed' ? {} : { [`FailedDials:${status}`]: 1 });
  });
});

describe('a sequential hunt group', () => {
  it('rings each member in turn for ringSeconds, then the group\'s voicemail when the last does not answer', async () => {
    const call = liveCalls();
    let answered = await call.ring('+12125550123', '+14155550150');
    expect(answered.flow).toBe('group');
    const rung: string[] = [];
    while (dialOf(answered.body)?.noun === 'Sip') {
      const dial = dialOf(answered.body)!;
      expect(dial.attrs.timeout).toBe('10');
      expect(dial.attrs.callerId).toBeUndefined();
      rung.push(dial.target);
      answered = await call.end(answered, 'no-answer');
    }
    expect(rung).toEqual(['sip:alice@acme.sip.twilio.com', 'sip:bob@acme.sip.twilio.com', 'sip:carol@acme.sip.twilio.com']);
    expect(answered.flow).toBe('after-dial:voicemail');
    expect(spokenOf(answered.body)).toBe(defaultGreeting('sales'));
    expect(urlIn(answered.body, 'Record', 'recordingStatusCallback', answered)?.query).toBe('mailbox=sales&from=%2B12125550123');
    expect(call.metrics.totals()).toEqual({ 'FailedDials:no-answer': 3, 'NoAnswerActions:next-member': 2, 'NoAnswerActions:voicemail': 1 });
  });

  it('moves on at once when a member is busy or unreachable, and stops when one answers', async () => {
    const call = liveCalls();
    const first = await call.ring('+12125550123', '+14155550150');
    const second = await call.end(first, 'busy');
    expect(dialOf(second.body)?.target).toBe('sip:bob@acme.sip.twilio.com');
    const third = await call.end(second, 'failed');
    expect(dialOf(third.body)?.target).toBe('sip:carol@acme.sip.twilio.com');
    expect((await call.end(third, 'completed')).flow).toBe('after-dial:answered');
  });

  it('is dialed by name from a phone, shows the caller, and never rings the caller\'s own phone', async () => {
    const call = liveCalls();
    let answered = await call.dial('bob', 'sales');
    const rung: string[] = [];
    while (dialOf(answered.body)?.noun === 'Sip') {
      expect(dialOf(answered.body)?.attrs.callerId).toBe('bob');
      rung.push(dialOf(answered.body)!.target);
      answered = await call.end(answered, 'no-answer');
    }
    expect(rung).toEqual(['sip:alice@acme.sip.twilio.com', 'sip:carol@acme.sip.twilio.com']);
    expect(answered.flow).toBe('after-dial:voicemail');
  });

  it('says goodbye after the last member when the group has no noAnswer', async () => {
    const call = liveCalls();
    const rang = await call.dial('alice', 'desk');
    expect(dialOf(rang.body)?.target).toBe('sip:bob@acme.sip.twilio.com');
    const last = await call.end(rang, 'no-answer');
    expect(last.flow).toBe('after-dial:goodbye');
    expect(spokenOf(last.body)).toBe(UNANSWERED_GOODBYES['no-answer']);
  });

  it('goes straight to its noAnswer when the caller is its only member', async () => {
    const call = liveCalls();
    const answered = await call.dial('bob', 'desk');
    expect(answered.flow).toBe('group');
    expect(spokenOf(answered.body)).toBe(UNANSWERED_GOODBYES['no-answer']);
  });
});

describe('a simultaneous hunt group', () => {
  it('rings every member in one <Dial>, then forwards when none answers', async () => {
    const call = liveCalls();
    const rang = await call.ring('+12125550123', '+14155550160');
    expect(rang.body).toContain(
      '<Sip>sip:alice@acme.sip.twilio.com</Sip><Sip>sip:bob@acme.sip.twilio.com</Sip><Sip>sip:+14155550101@acme.sip.twilio.com</Sip></Dial>',
    );
    expect(rang.body).toContain('timeout="20"');
    const next = await call.end(rang, 'no-answer');
    expect(next.flow).toBe('after-dial:forward');
    expect(dialOf(next.body)).toMatchObject({ noun: 'Number', target: '+16135550124', attrs: { callerId: '+12125550123' } });
    expect(call.metrics.totals()).toEqual({ 'FailedDials:no-answer': 1, 'NoAnswerActions:forward': 1 });
  });

  it('leaves out the member who calls it, and forwards an internal call with the group\'s number', async () => {
    const call = liveCalls();
    const rang = await call.dial('bob', 'support');
    expect(rang.body).toContain('callerId="bob"');
    expect(rang.body).toContain('<Sip>sip:alice@acme.sip.twilio.com</Sip><Sip>sip:+14155550101@acme.sip.twilio.com</Sip></Dial>');
    expect(rang.body).not.toContain('sip:bob@');
    const next = await call.end(rang, 'busy');
    expect(dialOf(next.body)?.attrs.callerId).toBe('+14155550160');
  });
});

describe('the after-dial route', () => {
  it('says goodbye on a URL naming no one it knows (a directory changed since the call began)', async () => {
    const { handler } = routerFor(withNoAnswerAndGroups());
    const params = dialActionParams(inboundCall('+12125550123', '+14155550199'), 'no-answer');
    const res = await send(handler, webhookEvent(params, { path: '/voice/after-dial', query: 'to=zoe&member=0&caller=&cid=&from=%2B12125550123' }));
    expect(res.statusCode).toBe(200);
    expect(spokenOf(res.body as string)).toBe(UNANSWERED_GOODBYES['no-answer']);
  });

  it('is refused 403 when its query was changed: the query the router wrote is signed by Twilio', async () => {
    const { handler } = routerFor(withNoAnswerAndGroups());
    const params = dialActionParams(inboundCall('+12125550123', '+14155550199'), 'no-answer');
    const signedFor = 'https://abc123.execute-api.us-east-1.amazonaws.com/voice/after-dial?to=alice&member=0&caller=&cid=&from=x';
    const res = await send(handler, webhookEvent(params, { path: '/voice/after-dial', query: 'to=%2B14155550100&member=0&caller=&cid=&from=x', signedUrl: signedFor }));
    expect(res.statusCode).toBe(403);
  });

  it('names refusals as before: a refused call rings no one and has no action', async () => {
    const call = liveCalls();
    const refused = await call.dial('alice', '+442079460000');
    expect(refused.flow).toBe('refused:country-not-allowed');
    expect(spokenOf(refused.body)).toBe(SPOKEN_REASONS['country-not-allowed']);
    expect(urlIn(refused.body, 'Dial', 'action', refused)).toBeUndefined();
  });
});

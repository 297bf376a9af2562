/** The call flows: what TwiML each kind of call gets. */
import { AUTH_TOKEN, BASE_URL, demoDirectory, dialOf, inboundCall, outboundCall, routerFor, send, spokenOf, webhookEvent } from './fixtures';
import { SPOKEN_REASONS } from '../../lambda/messages';
import { TWILIO_EMERGENCY_NUMBERS } from '../../lambda/phone';

async function route(from: string, dialed: string, opts: { query?: string; directory?: ReturnType<typeof demoDirectory> } = {}) {
  const { handler, logger } = routerFor(opts.directory);
  const res = await send(handler, webhookEvent(outboundCall(from, dialed), { query: opts.query }));
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/xml');
  return { twiml: res.body as string, dial: dialOf(res.body as string), flow: res.headers['x-sipline-flow'], logger };
}

async function ring(from: string, to: string, directory = demoDirectory()) {
  const { handler } = routerFor(directory);
  const res = await send(handler, webhookEvent(inboundCall(from, to), { path: '/voice/inbound' }));
  expect(res.statusCode).toBe(200);
  return { twiml: res.body as string, dial: dialOf(res.body as string), flow: res.headers['x-sipline-flow'] };
}

describe('calls from an E.164 user', () => {
  it('dials a PSTN number given in national format as E.164, with the user as caller ID', async () => {
    const { dial, flow } = await route('+14155550100', '4155551234');
    expect(flow).toBe('pstn');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: '+14155550100' }, noun: 'Number', target: '+14155551234' });
  });

  it('dials a PSTN number given in E.164, with separators, or with the 1 prefix', async () => {
    for (const dialed of ['+16135550123', '1-613-555-0123', '(613)555.0123', '16135550123', '011-1-613-555-0123']) {
      expect((await route('+14155550100', dialed)).dial?.target).toBe('+16135550123');
    }
  });

  it('dials another E.164 user reached by national digits directly over SIP, never through the PSTN', async () => {
    const { dial, flow } = await route('+14155550100', '4155550101');
    expect(flow).toBe('sip-user');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: '+14155550100' }, noun: 'Sip', target: 'sip:+14155550101@acme.sip.twilio.com' });
  });

  it('dials a user reached by its bound number over SIP', async () => {
    const { dial } = await route('+14155550100', '+14155550199');
    expect(dial).toMatchObject({ noun: 'Sip', target: 'sip:alice@acme.sip.twilio.com', attrs: { callerId: '+14155550100' } });
  });

  it('dials an alphanumeric user over SIP', async () => {
    const { dial, flow } = await route('+14155550100', 'alice');
    expect(flow).toBe('sip-user');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: '+14155550100' }, noun: 'Sip', target: 'sip:alice@acme.sip.twilio.com' });
  });

  it('dials an E.164 user dialed with its full username over SIP', async () => {
    expect((await route('+14155550100', '+14155550101')).dial?.target).toBe('sip:+14155550101@acme.sip.twilio.com');
  });
});

describe('calls from an alphanumeric user', () => {
  it('dials the PSTN with the user\'s bound number as caller ID', async () => {
    const { dial } = await route('alice', '4155551234');
    expect(dial).toMatchObject({ noun: 'Number', target: '+14155551234', attrs: { callerId: '+14155550199' } });
  });

  it('dials the PSTN with the default caller ID when the user has no number', async () => {
    const { dial } = await route('bob', '4155551234');
    expect(dial).toMatchObject({ noun: 'Number', target: '+14155551234', attrs: { callerId: '+14155550123' } });
  });

  it('refuses a PSTN call, spoken, when neither the user nor the directory has a caller ID', async () => {
    const directory = demoDirectory({ defaultCallerId: undefined });
    const { twiml, dial, flow } = await route('bob', '4155551234', { directory });
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:no-caller-id');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['no-caller-id']);
  });

  it('dials an E.164 user over SIP with the caller\'s username as caller ID', async () => {
    const { dial } = await route('bob', '+14155550100');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: 'bob' }, noun: 'Sip', target: 'sip:+14155550100@acme.sip.twilio.com' });
  });

  it('dials another alphanumeric user over SIP with the caller\'s username as caller ID', async () => {
    const { dial } = await route('bob', 'alice');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: 'bob' }, noun: 'Sip', target: 'sip:alice@acme.sip.twilio.com' });
  });
});

describe('calls to the account\'s numbers', () => {
  it('ring the user bound to the number', async () => {
    const { dial, flow } = await ring('+12125550123', '+14155550199');
    expect(flow).toBe('inbound');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true' }, noun: 'Sip', target: 'sip:alice@acme.sip.twilio.com' });
    // The PSTN caller's own number stays what alice's phone shows.
    expect(dial?.attrs.callerId).toBeUndefined();
  });

  it('ring an E.164 user on its own number', async () => {
    expect((await ring('+12125550123', '+14155550100')).dial?.target).toBe('sip:+14155550100@acme.sip.twilio.com');
  });

  it('ring the user whose number arrives in national format', async () => {
    expect((await ring('+12125550123', '4155550199')).dial?.target).toBe('sip:alice@acme.sip.twilio.com');
  });

  it('ring the user whose bound number overrides its E.164 username', async () => {
    const directory = demoDirectory({ users: [{ username: '+14155550100', number: '+14155550150' }] });
    expect((await ring('+12125550123', '+14155550150', directory)).dial?.target).toBe('sip:+14155550100@acme.sip.twilio.com');
  });

  it('tell the caller a number bound to no user is not in service, and hang up', async () => {
    const { twiml, dial, flow } = await ring('+12125550123', '+14155550777');
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:not-in-service');
    expect(twiml).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${SPOKEN_REASONS['not-in-service']}</Say><Hangup/></Response>`);
  });
});

describe('the toll-fraud guard', () => {
  it('refuses a country outside allowedCountries, spoken, and never dials it', async () => {
    const { twiml, dial, flow } = await route('alice', '+442079460000');
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:country-not-allowed');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['country-not-allowed']);
    expect(twiml).toContain('<Hangup/>');
  });

  it('allows only the default country when allowedCountries is absent', async () => {
    const directory = demoDirectory({ allowedCountries: undefined });
    expect((await route('alice', '+16135550123', { directory })).flow).toBe('refused:country-not-allowed');
    expect((await route('alice', '4155551234', { directory })).flow).toBe('pstn');
  });

  it('refuses premium-rate numbers even in an allowed country', async () => {
    const { flow, twiml } = await route('alice', '1-900-555-1234');
    expect(flow).toBe('refused:number-type-not-allowed');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['number-type-not-allowed']);
  });

  it('refuses shared-cost numbers', async () => {
    const directory = demoDirectory({ allowedCountries: ['GB'] });
    expect((await route('alice', '+448451234567', { directory })).flow).toBe('refused:number-type-not-allowed');
  });

  it('refuses personal numbers (UK 070, a classic revenue-share fraud destination)', async () => {
    const directory = demoDirectory({ defaultCountry: 'GB', allowedCountries: ['GB'] });
    expect((await route('alice', '07011234567', { directory })).flow).toBe('refused:number-type-not-allowed');
  });

  it('dials mobile, toll-free and fixed-line numbers of an allowed country', async () => {
    const directory = demoDirectory({ defaultCountry: 'GB', allowedCountries: ['GB'] });
    for (const [dialed, e164] of [['07400123456', '+447400123456'], ['08001111111', '+448001111111'], ['02079460000', '+442079460000']]) {
      expect((await route('alice', dialed, { directory })).dial?.target).toBe(e164);
    }
  });

  it('refuses satellite numbers', async () => {
    const directory = demoDirectory({ allowedCountries: ['US', 'CA', 'GB'] });
    for (const satellite of ['+881631234567', '+870772123456']) {
      expect((await route('alice', satellite, { directory })).flow).toBe('refused:satellite');
    }
  });

  it('refuses an alphanumeric destination that is no registered user instead of dialing it', async () => {
    const { flow, dial, twiml } = await route('alice', 'mallory');
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:unknown-user');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['unknown-user']);
  });

  it('refuses digits that are no valid number', async () => {
    expect((await route('alice', '12345')).flow).toBe('refused:invalid-number');
  });

  it('refuses a caller that is not in the directory', async () => {
    expect((await route('mallory', '4155551234')).flow).toBe('refused:unknown-caller');
  });
});

describe('the default country', () => {
  it('normalizes national numbers with the directory\'s default country', async () => {
    const directory = demoDirectory({ defaultCountry: 'GB', allowedCountries: ['GB'] });
    expect((await route('alice', '020 7946 0000'.replace(/ /g, ''), { directory })).dial?.target).toBe('+442079460000');
  });

  it('is overridden per request by ?defaultCountry= on the signed URL', async () => {
    const directory = demoDirectory({ allowedCountries: ['US', 'GB'] });
    expect((await route('alice', '02079460000', { directory, query: 'defaultCountry=GB' })).dial?.target).toBe('+442079460000');
  });

  it('ignores an unknown ?defaultCountry= and keeps the directory\'s, with a warning', async () => {
    const { dial, logger } = await route('alice', '4155551234', { query: 'defaultCountry=ZZ' });
    expect(dial?.target).toBe('+14155551234');
    expect(logger.lines[0]).toMatchObject({ level: 'warn', fields: { defaultCountry: 'ZZ' } });
  });
});

describe('emergency numbers', () => {
  it('tells the caller emergency calls are unavailable when emergency calling is off', async () => {
    for (const code of ['911', '112']) {
      const { twiml, dial, flow } = await route('alice', code);
      expect(dial).toBeUndefined();
      expect(flow).toBe('refused:emergency-disabled');
      expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['emergency-disabled']);
    }
  });

  it('dials the emergency number with the user\'s own number as caller ID when enabled', async () => {
    const directory = demoDirectory({ emergency: { enabled: true } });
    const { dial, flow } = await route('alice', '911', { directory });
    expect(flow).toBe('emergency');
    expect(dial).toMatchObject({ attrs: { answerOnBridge: 'true', callerId: '+14155550199' }, noun: 'Number', target: '911' });
    // Its outcome is counted (after-dial), but no transfer button can hand it over: no referUrl.
    expect(dial?.attrs.action).toBe('after-dial');
    expect(dial?.attrs.referUrl).toBeUndefined();
  });

  it('knows the caller\'s country\'s codes: 999 for a UK user', async () => {
    const directory = demoDirectory({ emergency: { enabled: true } });
    expect((await route('+442079460100', '999', { directory })).dial).toMatchObject({ target: '999', attrs: { callerId: '+442079460100' } });
    expect((await route('+442079460100', '999')).flow).toBe('refused:emergency-disabled');
  });

  it('dials the emergency number Twilio routes for the call-back number\'s country, whatever code was dialed', async () => {
    const directory = demoDirectory({ emergency: { enabled: true } });
    expect((await route('alice', '112', { directory })).dial).toMatchObject({ noun: 'Number', target: '911', attrs: { callerId: '+14155550199' } });
    expect((await route('+442079460100', '911', { directory })).dial).toMatchObject({ noun: 'Number', target: '999', attrs: { callerId: '+442079460100' } });
    expect((await route('+442079460100', '112', { directory })).dial?.target).toBe(TWILIO_EMERGENCY_NUMBERS.GB);
  });

  it('uses the default caller ID as call-back number for a user without a number', async () => {
    const directory = demoDirectory({ emergency: { enabled: true } });
    expect((await route('bob', '911', { directory })).dial).toMatchObject({ target: '911', attrs: { callerId: '+14155550123' } });
  });

  it('refuses, spoken, when there is no call-back number at all', async () => {
    const directory = demoDirectory({ emergency: { enabled: true }, defaultCallerId: undefined });
    const { flow, twiml } = await route('bob', '911', { directory });
    expect(flow).toBe('refused:emergency-no-callback-number');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['emergency-no-callback-number']);
  });

  it('refuses, spoken, when Twilio has no emergency service in the call-back number\'s country', async () => {
    const directory = demoDirectory({ emergency: { enabled: true }, users: [{ username: '+81312345678' }] });
    const { flow, twiml } = await route('+81312345678', '110', { directory });
    expect(flow).toBe('refused:emergency-unsupported-country');
    expect(spokenOf(twiml)).toBe(SPOKEN_REASONS['emergency-unsupported-country']);
  });

  it('knows 000 for an Australian default country', async () => {
    const directory = demoDirectory({ defaultCountry: 'AU', allowedCountries: ['AU'] });
    expect((await route('bob', '000', { directory })).flow).toBe('refused:emergency-disabled');
  });
});

describe('malformed addresses', () => {
  it.each([
    ['an empty To', ''],
    ['a To with no user part', 'sip:acme.sip.twilio.com'],
    ['XML metacharacters', 'sip:<Play>x</Play>@acme.sip.twilio.com'],
    ['a quote', 'sip:a"b@acme.sip.twilio.com'],
    ['a bad percent escape', 'sip:%E0%A4%A@acme.sip.twilio.com'],
    ['a plain word that is not a URI', 'hello world'],
  ])('refuses %s with a spoken reason', async (_what, to) => {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent({ ...outboundCall('alice', 'x'), To: to }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-sipline-flow']).toMatch(/^refused:/);
    expect(spokenOf(res.body as string)).toBeDefined();
    expect(res.body).not.toContain('<Play>');
  });

  it('reads the number from a To with ;user=phone and other URI parameters', async () => {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent({ ...outboundCall('alice', 'x'), To: 'sip:4155551234@acme.sip.twilio.com;user=phone;transport=udp' }));
    expect(dialOf(res.body as string)?.target).toBe('+14155551234');
  });

  it('reads a percent-encoded + in the user part', async () => {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent({ ...outboundCall('alice', 'x'), To: 'sip:%2B14155550101@acme.sip.twilio.com' }));
    expect(dialOf(res.body as string)?.target).toBe('sip:+14155550101@acme.sip.twilio.com');
  });

  it('answers a signed request without To with a spoken error, on either route', async () => {
    const { handler } = routerFor();
    const { To: _to, ...outbound } = outboundCall('alice', '4155551234');
    const { To: _too, ...inbound } = inboundCall('+12125550123', '+14155550199');
    for (const res of [await send(handler, webhookEvent(outbound)), await send(handler, webhookEvent(inbound, { path: '/voice/inbound' }))]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-sipline-flow']).toBe('refused:malformed-request');
      expect(spokenOf(res.body as string)).toBe(SPOKEN_REASONS['malformed-request']);
    }
  });

  it.each([
    ['SipUsername', 'bob', 'refused:no-sip-username'],
    ['To', 'sip:4155550000@acme.sip.twilio.com', 'refused:malformed-request'],
  ])('treats a repeated %s as missing rather than picking one', async (name, second, flow) => {
    const { handler } = routerFor();
    const event = webhookEvent(outboundCall('alice', '4155551234'));
    const body = `${Buffer.from(event.body!, 'base64').toString()}&${name}=${encodeURIComponent(second)}`;
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body)) params[k] = k in params ? [params[k] as string, v] : v;
    const { getExpectedTwilioSignature } = await import('twilio/lib/webhooks/webhooks');
    const res = await send(handler, {
      ...event,
      body: Buffer.from(body).toString('base64'),
      headers: { ...event.headers, 'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, `${BASE_URL}/voice/outbound`, params) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-sipline-flow']).toBe(flow);
    expect(dialOf(res.body as string)).toBeUndefined();
  });
});

describe('logging', () => {
  it('writes one structured line per call with the flow and the call SID, and no token', async () => {
    const { logger } = await route('alice', '4155551234');
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'info', message: 'call routed', fields: { flow: 'pstn', callSid: 'CA0123456789abcdef0123456789abcdef', route: 'outbound', dialed: '+14155551234' } });
    expect(JSON.stringify(logger.lines)).not.toContain(AUTH_TOKEN);
  });
});

describe('a directory that slipped past validation', () => {
  it('answers an apology, never TwiML with an unescaped value, and logs the error', async () => {
    const directory = demoDirectory({ users: [{ username: 'bo"b<x>', number: '+14155550188' }] });
    const { handler, logger } = routerFor(directory);
    const res = await send(handler, webhookEvent(inboundCall('+12125550123', '+14155550188'), { path: '/voice/inbound' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-sipline-flow']).toBe('error');
    expect(res.body).not.toContain('bo"b');
    expect(res.body).not.toContain('<x>');
    expect(spokenOf(res.body as string)).toMatch(/^Sorry, something went wrong/);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'error', message: 'routing failed' })]);
  });
});

describe('emergency codes and usernames', () => {
  it('sends 911 to emergency handling even when a user is named 911', async () => {
    // The directory schema refuses such a user; the router does not rely on it.
    const directory = demoDirectory({ users: [...demoDirectory().users, { username: '911' }] });
    expect((await route('alice', '911', { directory })).flow).toBe('refused:emergency-disabled');
  });

  it('still rings an extension-style username that is no emergency code', async () => {
    const directory = demoDirectory({ users: [...demoDirectory().users, { username: '1001' }] });
    expect((await route('alice', '1001', { directory })).dial?.target).toBe('sip:1001@acme.sip.twilio.com');
  });
});

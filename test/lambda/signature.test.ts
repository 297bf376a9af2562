/** Every request's Twilio signature is checked: what forged and odd requests get. */
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { AUTH_TOKEN, BASE_URL, OTHER_TOKEN, outboundCall, routerFor, send, webhookEvent } from './fixtures';

describe('Twilio request signatures', () => {
  it('match the known-answer vector from twilio-node\'s spec', () => {
    // twilio-node's spec/unit/webhooks.spec (and shared/reference/twilio-sip.md): the caller is +14158675309.
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
    expect(validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(true);
    expect(validateRequest('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=3', params)).toBe(false);
  });

  it('accept a signed request with a base64 body, as API Gateway delivers forms', async () => {
    const { handler } = routerFor();
    expect((await send(handler, webhookEvent(outboundCall('alice', '4155551234'), { base64: true }))).statusCode).toBe(200);
  });

  it('accept a signed request with a plain body', async () => {
    const { handler } = routerFor();
    expect((await send(handler, webhookEvent(outboundCall('alice', '4155551234'), { base64: false }))).statusCode).toBe(200);
  });

  it('cover the query string exactly as sent', async () => {
    const { handler } = routerFor();
    const ok = webhookEvent(outboundCall('alice', '4155551234'), { query: 'defaultCountry=US' });
    expect((await send(handler, ok)).statusCode).toBe(200);
    const stripped = webhookEvent(outboundCall('alice', '4155551234'), { query: 'defaultCountry=US', signedUrl: `${BASE_URL}/voice/outbound` });
    expect((await send(handler, stripped)).statusCode).toBe(403);
  });

  it('are checked against https:// + the request\'s host when no public base URL is set', async () => {
    const { handler } = routerFor(undefined, undefined);
    expect((await send(handler, webhookEvent(outboundCall('alice', '4155551234')))).statusCode).toBe(200);
  });

  it('are checked against the public base URL when one is set, not the request\'s host', async () => {
    const { handler } = routerFor(undefined, 'https://voice.example.com');
    expect((await send(handler, webhookEvent(outboundCall('alice', '4155551234')))).statusCode).toBe(403);
    const signed = webhookEvent(outboundCall('alice', '4155551234'), { signedUrl: 'https://voice.example.com/voice/outbound' });
    expect((await send(handler, signed)).statusCode).toBe(200);
  });

  it('accept HMAC-SHA256 signatures when Twilio announces them', async () => {
    const { getExpectedTwilioSignature } = await import('twilio/lib/webhooks/webhooks');
    const params = outboundCall('alice', '4155551234');
    const signature = getExpectedTwilioSignature(AUTH_TOKEN, `${BASE_URL}/voice/outbound`, params, 'HMAC_SHA256');
    const { handler } = routerFor();
    const event = webhookEvent(params, { signature, headers: { 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_SHA256' } });
    expect((await send(handler, event)).statusCode).toBe(200);
  });
});

describe('forged requests', () => {
  it.each([
    ['no X-Twilio-Signature', { signature: null }],
    ['an empty signature', { signature: '' }],
    ['a signature made with another token', { signWith: OTHER_TOKEN }],
    ['a signature for another URL', { signedUrl: `${BASE_URL}/voice/inbound` }],
    ['garbage', { signature: '%%%not-base64%%%' }],
  ])('get 403 with %s, and no TwiML', async (_what, opts) => {
    const { handler, logger } = routerFor();
    const res = await send(handler, webhookEvent(outboundCall('alice', '4155551234'), opts));
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('<Response>');
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'rejected unsigned or forged request' })]);
  });

  it('get 403 when a signed parameter was changed in transit', async () => {
    const { handler } = routerFor();
    const event = webhookEvent(outboundCall('alice', '4155551234'));
    const tampered = Buffer.from(event.body!, 'base64').toString().replace('4155551234', '9005551234');
    expect((await send(handler, { ...event, body: Buffer.from(tampered).toString('base64') })).statusCode).toBe(403);
  });
});

describe('routes and methods', () => {
  it('answer 404 for an unknown route', async () => {
    const { handler } = routerFor();
    expect((await send(handler, webhookEvent(outboundCall('alice', '1'), { path: '/voice/other' }))).statusCode).toBe(404);
    expect((await send(handler, webhookEvent(outboundCall('alice', '1'), { path: '/' }))).statusCode).toBe(404);
  });

  it('answer 405 with Allow: POST for other methods on a known route', async () => {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent(outboundCall('alice', '1'), { method: 'GET' }));
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('answer 503, not a stack trace, while the auth token cannot be loaded, then recover', async () => {
    const { createHandler } = await import('../../lambda/handler');
    const { DialPlan } = await import('../../lambda/dialPlan');
    const { tokenSource } = await import('../../lambda/authToken');
    const { demoDirectory, recordingLogger } = await import('./fixtures');
    let attempts = 0;
    const authToken = tokenSource(async () => {
      attempts += 1;
      if (attempts <= 2) throw new Error('AccessDeniedException: not authorized');
      return AUTH_TOKEN;
    });
    const handler = createHandler({ plan: new DialPlan(demoDirectory()), authToken, publicBaseUrl: BASE_URL, logger: recordingLogger() });
    await new Promise((r) => setImmediate(r)); // the init-time load has failed by now
    const first = await send(handler, webhookEvent(outboundCall('alice', '4155551234')));
    expect(first.statusCode).toBe(503);
    expect(first.body).toBe('Service Unavailable');
    expect((await send(handler, webhookEvent(outboundCall('alice', '4155551234')))).statusCode).toBe(200);
    expect(attempts).toBe(3);
  });
});

describe('the auth token', () => {
  // Twilio's auth tokens are 32 hex characters; each of these is a mistake that would otherwise
  // become the HMAC key (16 x's, or 16 zero-width spaces, were accepted before).
  const NOT_TOKENS: Array<[string, string]> = [
    ['empty after trimming', ' \n'],
    ['too short to be a key', 'abc'],
    ['16 x characters', 'x'.repeat(16)],
    ['16 zero-width spaces', '\u200b'.repeat(16)],
    ['32 characters that are not hex', 'test-auth-token-0123456789abcdef'],
    ['31 hex characters', AUTH_TOKEN.slice(1)],
    ['33 hex characters', `${AUTH_TOKEN}0`],
    ['a hex token with a zero-width space inside', `${AUTH_TOKEN.slice(0, 16)}\u200b${AUTH_TOKEN.slice(16)}`],
    ['an account SID', 'AC9c1f4e7a2b8d03f6a5e2c7b94d1a8f30'],
  ];

  it.each(NOT_TOKENS)('is refused when %s: the router answers 503, so no one can sign with a guessable key', async (_what, token) => {
    const { createHandler } = await import('../../lambda/handler');
    const { DialPlan } = await import('../../lambda/dialPlan');
    const { loadAuthToken, tokenSource } = await import('../../lambda/authToken');
    const { demoDirectory, recordingLogger } = await import('./fixtures');
    const logger = recordingLogger();
    const handler = createHandler({ plan: new DialPlan(demoDirectory()), authToken: tokenSource(() => loadAuthToken({ TWILIO_AUTH_TOKEN: token })), publicBaseUrl: BASE_URL, logger });
    const signWith = token.trim() === '' ? 'k' : token.trim();
    const res = await send(handler, webhookEvent(outboundCall('alice', '4155551234'), { signWith }));
    expect(res.statusCode).toBe(503);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'error', message: 'auth token unavailable' })]);
  });

  it.each(NOT_TOKENS)('is refused when %s with a message naming the source and the rule, never the value', async (_what, token) => {
    const { checkAuthToken } = await import('../../lambda/authToken');
    let message = '';
    try {
      checkAuthToken(token, 'TWILIO_AUTH_TOKEN');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^TWILIO_AUTH_TOKEN is (empty|not a Twilio auth token \(\d+ characters(, some of them not hexadecimal)?\)): a Twilio auth token is exactly 32 hexadecimal characters/);
    if (token.trim() !== '') expect(message).not.toContain(token.trim());
    expect(message).not.toContain('\u200b');
  });

  it('is trimmed of the newline a secret pasted from a file carries, and may be upper case', async () => {
    const { loadAuthToken } = await import('../../lambda/authToken');
    await expect(loadAuthToken({ TWILIO_AUTH_TOKEN: `${AUTH_TOKEN}\n` })).resolves.toBe(AUTH_TOKEN);
    await expect(loadAuthToken({ TWILIO_AUTH_TOKEN: ` ${AUTH_TOKEN.toUpperCase()}\r\n` })).resolves.toBe(AUTH_TOKEN.toUpperCase());
  });
});

describe('signature algorithms', () => {
  it('refuses an algorithm Twilio does not use, without echoing it into the logs', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent(outboundCall('alice', '4155551234'), { headers: { 'x-twilio-webhooks-signature-settings': 'algorithm=FAKE {"level":"INFO"}' } }));
    expect(res.statusCode).toBe(403);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});


describe('every route of lambda/routes.ts', () => {
  const { ROUTES } = require('../../lambda/routes') as typeof import('../../lambda/routes');
  const { WEBHOOK_BODY_LIMITS } = require('../../lambda/webhookForm') as typeof import('../../lambda/webhookForm');
  const paths = Object.values(ROUTES);
  // What each route is sent (its parameters hardly matter: every check comes before them).
  const params = { ...outboundCall('alice', '4155551234'), DialCallStatus: 'no-answer', ReferTransferTarget: '<sip:bob@acme.sip.twilio.com>', RecordingStatus: 'completed' };

  it.each(paths)('%s answers a request signed as Twilio signs it, 200 or 204', async (path) => {
    const { handler } = routerFor();
    expect([200, 204]).toContain((await send(handler, webhookEvent(params, { path, query: 'to=alice&by=alice&mailbox=alice&from=bob' }))).statusCode);
  });

  it.each(paths)('%s answers 403 to no signature, a forged one, and one for another route or query', async (path) => {
    const { handler, logger } = routerFor();
    for (const opts of [{ signature: null }, { signWith: OTHER_TOKEN }, { signedUrl: `${BASE_URL}/voice/inbound?x=1` }, { query: 'to=alice', signedUrl: `${BASE_URL}${path}?to=bob` }]) {
      expect((await send(handler, webhookEvent(params, { path, ...opts }))).statusCode).toBe(403);
    }
    expect(logger.lines.map((l) => [l.message, l.fields.signed])).toEqual([
      ['rejected unsigned or forged request', false],
      ['rejected unsigned or forged request', true],
      ['rejected unsigned or forged request', true],
      ['rejected unsigned or forged request', true],
    ]);
  });

  it.each(paths)('%s answers 405 with Allow: POST to any other method', async (path) => {
    const { handler } = routerFor();
    for (const method of ['GET', 'PUT', 'HEAD']) {
      const res = await send(handler, webhookEvent(params, { path, method }));
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it.each(paths)('%s answers 413, unparsed, to more bytes or parameters than Twilio ever sends', async (path) => {
    const { handler } = routerFor();
    const event = webhookEvent(params, { path });
    const big = { ...event, body: Buffer.from('a'.repeat(WEBHOOK_BODY_LIMITS.maxBytes + 1)).toString('base64') };
    expect((await send(handler, big)).statusCode).toBe(413);
    const many = { ...event, body: Buffer.from(Array.from({ length: WEBHOOK_BODY_LIMITS.maxParams + 1 }, (_, i) => `p${i}=1`).join('&')).toString('base64') };
    expect((await send(handler, many)).statusCode).toBe(413);
  });

  it('are all the router serves: any other path is 404, the fallback\'s included', async () => {
    const { handler } = routerFor();
    for (const path of ['/voice/fallback', '/voice/after-dial/', '/voice/Status', '/voice']) {
      expect((await send(handler, webhookEvent(params, { path }))).statusCode).toBe(404);
    }
  });
});

/** Every request's Twilio signature is checked: what forged and odd requests get. */
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { AUTH_TOKEN, BASE_URL, outboundCall, routerFor, send, webhookEvent } from './fixtures';

describe('Twilio request signatures', () => {
  it('match the known-answer vector from twilio-node\'s spec', () => {
    // twilio-node's spec/unit/webhooks.spec: the caller is +14158675309. (shared/reference/twilio-sip.md
    // lists +12349013030, which signs to 0/KCTR6DLpKmkAf8muzZqo1nDgQ= instead.)
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
    ['a signature made with another token', { signWith: 'not-the-token' }],
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
  it.each([
    ['empty after trimming', ' \n'],
    ['too short to be a key', 'abc'],
  ])('is refused when %s: 503, so no one can sign with a guessable key', async (_what, token) => {
    const { createHandler } = await import('../../lambda/handler');
    const { DialPlan } = await import('../../lambda/dialPlan');
    const { loadAuthToken, tokenSource } = await import('../../lambda/authToken');
    const { demoDirectory, recordingLogger } = await import('./fixtures');
    const handler = createHandler({ plan: new DialPlan(demoDirectory()), authToken: tokenSource(() => loadAuthToken({ TWILIO_AUTH_TOKEN: token })), publicBaseUrl: BASE_URL, logger: recordingLogger() });
    const res = await send(handler, webhookEvent(outboundCall('alice', '4155551234'), { signWith: token.trim() }));
    expect(res.statusCode).toBe(503);
  });

  it('is trimmed of the newline a secret pasted from a file carries', async () => {
    const { loadAuthToken } = await import('../../lambda/authToken');
    await expect(loadAuthToken({ TWILIO_AUTH_TOKEN: `${AUTH_TOKEN}\n` })).resolves.toBe(AUTH_TOKEN);
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


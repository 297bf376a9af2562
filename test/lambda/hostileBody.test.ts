/**
 * Bodies read before the signature check: parsed in linear time, capped before any work, and
 * answered cheaply when unsigned or oversized. Linearity is asserted by counting work, not by
 * timing it (the machines are shared and noisy): `npm run bench` prints the time.
 */
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { decodedBodyBytes, parseWebhookForm, WEBHOOK_BODY_LIMITS, type FormParams } from '../../lambda/webhookForm';
import { AUTH_TOKEN, BASE_URL, outboundCall, routerFor, send, webhookEvent } from './fixtures';

/**
 * The element-level work array operations do while `fn` runs: every array-iterator step (spread,
 * for-of, destructuring), every element pushed, and every element a concat or slice copies.
 * Patching the iterator's `next` also turns off V8's fast path for spreads, so each element a
 * spread copies is counted.
 */
function arrayWork(fn: () => void): number {
  const iteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]()) as { next: (this: unknown) => unknown };
  const { next } = iteratorPrototype;
  const { push, concat, slice } = Array.prototype;
  let steps = 0;
  iteratorPrototype.next = function (this: unknown) {
    steps++;
    return next.call(this);
  };
  Array.prototype.push = function (this: unknown[], ...items: unknown[]) {
    steps += items.length;
    return push.apply(this, items);
  };
  Array.prototype.concat = function (this: unknown[], ...items: unknown[]) {
    const copy = concat.apply(this, items);
    steps += copy.length;
    return copy;
  } as typeof concat;
  Array.prototype.slice = function (this: unknown[], ...args: [number?, number?]) {
    const copy = slice.apply(this, args);
    steps += copy.length;
    return copy;
  };
  try {
    fn();
  } finally {
    Object.assign(iteratorPrototype, { next });
    Object.assign(Array.prototype, { push, concat, slice });
  }
  return steps;
}

const UNCAPPED = { maxBytes: Infinity, maxParams: Infinity };

/** What the router did before: a repeated name copied its whole array to append one value. */
function quadraticParse(form: string): FormParams {
  const params: FormParams = Object.create(null);
  for (const [key, value] of new URLSearchParams(form)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

describe('parsing a webhook form', () => {
  it('reads what URLSearchParams reads: escapes, + as space, repeated names in order', () => {
    expect(parseWebhookForm('From=sip%3Aalice%40acme.sip.twilio.com&To=%2B1+415&a=1&a=2&a=3&empty=&flag')).toEqual({
      From: 'sip:alice@acme.sip.twilio.com',
      To: '+1 415',
      a: ['1', '2', '3'],
      empty: '',
      flag: '',
    });
    expect(Object.getPrototypeOf(parseWebhookForm('__proto__=x'))).toBeNull();
  });

  it('does work proportional to the body: twice the repeats, twice the work, not four times', () => {
    const work = (repeats: number) => arrayWork(() => parseWebhookForm('a&'.repeat(repeats), UNCAPPED));
    const [n, twice] = [work(5_000), work(10_000)];
    expect(twice / n).toBeGreaterThan(1.9);
    expect(twice / n).toBeLessThan(2.1);
    expect(n / 5_000).toBeLessThan(10); // a handful of steps per pair
  });

  it('is what the counter above tells apart from the quadratic parse it replaced', () => {
    // The same measure on the old code: this is the failure the test above would catch.
    const work = (repeats: number) => arrayWork(() => quadraticParse('a&'.repeat(repeats)));
    expect(work(2_000) / work(1_000)).toBeGreaterThan(3.5);
  });

  it('refuses more parameters than the cap before parsing any', () => {
    const over = 'a=1&'.repeat(WEBHOOK_BODY_LIMITS.maxParams) + 'a=1';
    let result: ReturnType<typeof parseWebhookForm> | undefined;
    expect(arrayWork(() => (result = parseWebhookForm(over)))).toBe(0);
    expect(result).toBe('too-many-params');
    expect(parseWebhookForm('a=1&'.repeat(WEBHOOK_BODY_LIMITS.maxParams - 1) + 'a=1')).not.toBe('too-many-params');
  });

  it('knows the decoded size of a base64 body without decoding it', () => {
    for (let size = 0; size < 40; size++) {
      const bytes = Buffer.alloc(size, 0xe9);
      expect(decodedBodyBytes(bytes.toString('base64'), true)).toBe(size);
      expect(decodedBodyBytes(bytes.toString('latin1'), false)).toBe(Buffer.byteLength(bytes.toString('latin1')));
    }
  });
});

/** 100,000 repeats of `a&`: the audit's body, 200 KB, 13 s of CPU for the old parser at 40,000. */
const HOSTILE_FORM = 'a&'.repeat(100_000);

function hostileEvent(form: string, signature: string | null, base64 = true) {
  const event = webhookEvent({}, { signature });
  return { ...event, body: base64 ? Buffer.from(form).toString('base64') : form, isBase64Encoded: base64 };
}

describe('bodies the router refuses unread', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers 403 to a request with no X-Twilio-Signature without decoding its body', async () => {
    const { handler, logger } = routerFor();
    const event = hostileEvent(HOSTILE_FORM, null);
    const decode = jest.spyOn(Buffer, 'from');
    const res = await send(handler, event);
    expect(res.statusCode).toBe(403);
    expect(decode).not.toHaveBeenCalled();
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'rejected unsigned or forged request', fields: { route: 'outbound', signed: false } })]);
  });

  it.each([
    ['base64, as API Gateway sends forms', true],
    ['plain text', false],
  ])('answers 413 to a signed-looking body over the size cap (%s) without decoding or parsing it', async (_what, base64) => {
    const { handler, logger } = routerFor();
    const event = hostileEvent(HOSTILE_FORM, 'bm90IGEgc2lnbmF0dXJl', base64);
    const decode = jest.spyOn(Buffer, 'from');
    // The refusal comes before the handler's first await: all its work happens in this call.
    let pending!: ReturnType<typeof handler>;
    const work = arrayWork(() => {
      pending = handler(event);
    });
    const res = await pending;
    expect(res.statusCode).toBe(413);
    expect(decode).not.toHaveBeenCalled();
    expect(work).toBeLessThan(20);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'warn', message: 'rejected oversized request', fields: { route: 'outbound', bytes: 200_000, exceeded: 'maxBytes', limit: WEBHOOK_BODY_LIMITS.maxBytes } }),
    ]);
  });

  it('answers 413 to a body within the size cap but with more parameters than Twilio sends, even signed', async () => {
    const params = Object.fromEntries(Array.from({ length: WEBHOOK_BODY_LIMITS.maxParams + 1 }, (_, i) => [`P${i}`, 'x']));
    const { handler, logger } = routerFor();
    const res = await send(handler, webhookEvent(params));
    expect(res.statusCode).toBe(413);
    expect(logger.lines[0]).toMatchObject({ message: 'rejected oversized request', fields: { exceeded: 'maxParams' } });
  });
});

describe('the caps', () => {
  it('leave a legitimate SIP webhook with many X- headers several times its size in headroom', async () => {
    // Twilio's full SIP-domain parameter set, plus 20 X- headers of 200 characters each.
    const headers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`SipHeader_X-Custom-Header-${i}`, 'v'.repeat(200)]));
    const params = outboundCall('alice', '4155551234', headers);
    const bytes = Buffer.byteLength(new URLSearchParams(params).toString());
    expect(bytes * 4).toBeLessThan(WEBHOOK_BODY_LIMITS.maxBytes);
    expect(Object.keys(params).length * 2).toBeLessThan(WEBHOOK_BODY_LIMITS.maxParams);
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent(params));
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-sipline-flow']).toBe('pstn');
  });

  it('still let the signature decide for a body just under them', async () => {
    const params = Object.fromEntries(Array.from({ length: WEBHOOK_BODY_LIMITS.maxParams }, (_, i) => [`P${i}`, 'x']));
    const { handler } = routerFor();
    expect((await send(handler, webhookEvent(params, { signature: getExpectedTwilioSignature(AUTH_TOKEN, `${BASE_URL}/voice/inbound`, params) }))).statusCode).toBe(403);
    expect((await send(handler, webhookEvent(params))).statusCode).toBe(200);
  });
});

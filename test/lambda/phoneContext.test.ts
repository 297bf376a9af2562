/**
 * RFC 3966 `phone-context`: a local number dialed in a global context is that context's
 * digits followed by the local ones; a domain context cannot be dialed. Never is such a
 * number dialed as a local number of the default country.
 */
import { dialedAddressOf, globalPrefixOf, hostOf, MAX_ADDRESS_LENGTH } from '../../lambda/sipUri';
import { SPOKEN_REASONS } from '../../lambda/messages';
import { DOMAIN, demoDirectory, dialOf, inboundCall, outboundCall, routerFor, send, spokenOf, webhookEvent } from './fixtures';

const US_AND_GB = demoDirectory({ allowedCountries: ['US', 'GB'] });

async function dialTo(to: string, { user = 'alice', directory = US_AND_GB } = {}) {
  const { handler } = routerFor(directory);
  const res = await send(handler, webhookEvent(outboundCall(user, 'x', { To: to, Called: to })));
  expect(res.statusCode).toBe(200);
  return { dial: dialOf(res.body as string), flow: res.headers['x-sipline-flow'], spoken: spokenOf(res.body as string) };
}

/** Refused with the malformed-destination apology, nothing dialed. */
async function expectMalformed(to: string) {
  const { dial, flow, spoken } = await dialTo(to);
  expect(dial).toBeUndefined();
  expect(flow).toBe('refused:malformed-destination');
  expect(spoken).toBe(SPOKEN_REASONS['malformed-destination']);
}

describe('a local number in a global phone-context', () => {
  it.each([
    ['tel:', 'tel:2079460000;phone-context=+44'],
    ['sip: with user=phone', `sip:2079460000;phone-context=+44@${DOMAIN};user=phone`],
    ['sips:', `sips:2079460000;phone-context=+44@${DOMAIN};user=phone`],
    ['a percent-escaped +', `sip:2079460000;phone-context=%2B44@${DOMAIN};user=phone`],
    ['percent-escaped parameters', `sip:2079460000%3Bphone-context%3D%2B44@${DOMAIN};user=phone`],
    ['tel: with a percent-escaped +', 'tel:2079460000;phone-context=%2B44'],
    ['visual separators', 'tel:20-7946-0000;phone-context=+44'],
    ['another parameter before it, in another case', `sip:2079460000;isub=1;Phone-Context=+44@${DOMAIN};user=phone`],
  ])('is dialed as the context\'s number (%s): +44 20 7946 0000, never +1 207 946 0000', async (_form, to) => {
    const { dial, flow } = await dialTo(to);
    expect(flow).toBe('pstn');
    expect(dial).toMatchObject({ noun: 'Number', target: '+442079460000' });
  });

  it('takes a context longer than a calling code: +1-415 and 5550123 is +1 415 555 0123', async () => {
    expect((await dialTo('tel:5550123;phone-context=+1-415')).dial?.target).toBe('+14155550123');
  });

  it('goes through the toll-fraud guard as the number it is', async () => {
    // The dev directory allows US and CA only: the UK number is refused, not dialed in the US.
    const { dial, flow } = await dialTo(`sip:2079460000;phone-context=+44@${DOMAIN};user=phone`, { directory: demoDirectory() });
    expect(dial).toBeUndefined();
    expect(flow).toBe('refused:country-not-allowed');
  });

  it('rings a registered user whose number it is, over SIP', async () => {
    const { dial, flow } = await dialTo(`sip:4155550101;phone-context=+1@${DOMAIN};user=phone`);
    expect(flow).toBe('sip-user');
    expect(dial?.target).toBe(`sip:+14155550101@${DOMAIN}`);
    expect((await dialTo('tel:2079460100;phone-context=+44')).dial?.target).toBe(`sip:+442079460100@${DOMAIN}`);
  });

  it('is an emergency call when the local digits are an emergency code of the context\'s country', async () => {
    const directory = demoDirectory({ emergency: { enabled: true } });
    // bob's call-back number is American: Twilio routes his emergency calls to 911.
    expect((await dialTo('tel:999;phone-context=+44', { user: 'bob', directory })).dial).toMatchObject({ target: '911', attrs: { callerId: '+14155550123' } });
    expect((await dialTo(`sip:911;phone-context=+1@${DOMAIN};user=phone`, { user: 'bob', directory })).flow).toBe('emergency');
    expect((await dialTo('tel:999;phone-context=+44', { user: 'bob' })).flow).toBe('refused:emergency-disabled');
  });
});

describe('a phone-context that gives no number', () => {
  it.each([
    ['a domain name', 'tel:7042;phone-context=example.com'],
    ['a domain name in a SIP URI', `sip:2079460000;phone-context=${DOMAIN}@${DOMAIN};user=phone`],
    ['a + without digits', 'tel:2079460000;phone-context=+'],
    ['an empty one', 'tel:2079460000;phone-context='],
    ['one on a global number', 'tel:+442079460000;phone-context=+44'],
    ['one on a name', `sip:alice;phone-context=+1@${DOMAIN}`],
    ['one on a star code', 'tel:*69;phone-context=+1'],
  ])('is refused as a malformed destination: %s', async (_what, to) => {
    await expectMalformed(to);
  });
});

describe('a phone-context written against RFC 3966', () => {
  // Each of these dialed +1 207 946 0000 (the default country's reading of the local digits), or
  // picked one of two contexts: a phone that writes them meant something else, unknown.
  it.each([
    ['a phone-context without a value', `sip:2079460000;phone-context@${DOMAIN};user=phone`],
    ['a space before the parameter', `sip:2079460000; phone-context=+44@${DOMAIN};user=phone`],
    ['a percent-escaped space before it', `sip:2079460000;%20phone-context=%2B44@${DOMAIN};user=phone`],
    ['a space in the value', 'tel:2079460000;phone-context=+4 4'],
    ['a space after the value', `sip:2079460000;phone-context=+44%20@${DOMAIN};user=phone`],
    ['two phone-contexts', 'tel:2079460000;phone-context=+44;phone-context=+1'],
    ['two phone-contexts in two cases', `sip:2079460000;phone-context=+1;PHONE-CONTEXT=+44@${DOMAIN};user=phone`],
    ['an empty parameter', 'tel:2079460000;;phone-context=+44'],
    ['a value that is neither a number nor a domain name', 'tel:2079460000;phone-context=-example.com'],
  ])('is refused as a malformed destination: %s', async (_what, to) => {
    await expectMalformed(to);
  });

  it('still reads other parameters, with or without a value', async () => {
    expect((await dialTo('tel:2079460000;isub=1;x-flag;phone-context=+44')).dial?.target).toBe('+442079460000');
  });
});

describe('a hostile address', () => {
  // The audit's address: a local number in a context of 30,000 ones and an x.
  const hostile = (n: number) => `sip:1;phone-context=+${'1'.repeat(n)}x@${DOMAIN}`;

  it(`is refused as malformed when longer than ${MAX_ADDRESS_LENGTH} characters, before any parsing`, async () => {
    const at = (length: number) => `sip:4155551234@${DOMAIN};x=${'a'.repeat(length - `sip:4155551234@${DOMAIN};x=`.length)}`;
    expect(at(MAX_ADDRESS_LENGTH)).toHaveLength(MAX_ADDRESS_LENGTH);
    expect((await dialTo(at(MAX_ADDRESS_LENGTH))).flow).toBe('pstn');
    expect((await dialTo(at(MAX_ADDRESS_LENGTH + 1))).flow).toBe('refused:malformed-destination');
    // As To and Called, within the body's 32 KiB cap: signed, parsed, and refused.
    expect((await dialTo(hostile(15000))).flow).toBe('refused:malformed-destination');
  });

  /** The patterns run while `fn` runs, each with the characters it was handed (exec underlies test, match, replace and split). */
  function patternsRun(fn: () => void): Array<{ source: string; characters: number }> {
    const { exec } = RegExp.prototype;
    const runs: Array<{ source: string; characters: number }> = [];
    RegExp.prototype.exec = function (this: RegExp, input: string) {
      runs.push({ source: this.source, characters: String(input).length });
      return exec.call(this, input);
    };
    try {
      fn();
    } finally {
      RegExp.prototype.exec = exec;
    }
    return runs;
  }
  const charactersMatched = (fn: () => void) => patternsRun(fn).reduce((sum, run) => sum + run.characters, 0);

  /**
   * The quantifiers of a pattern (`*`, `+`, `?`, `{n,m}` outside character classes and escapes):
   * the choices a backtracking engine may go back on. A pattern anchored at its start with at
   * most one of them gives back at most what that one took, once: linear. Two in a row
   * (`^\+[0-9().-]*[0-9][0-9().-]*$`) retry every split of the input: quadratic.
   */
  function quantifiersOf(source: string): number {
    const bare = source.replace(/\\./g, 'a').replace(/\[(?:[^\]\\]|\\.)*\]/g, 'a').replace(/\(\?[:=!]|\(\?<[=!]?/g, '(');
    return (bare.match(/[*+?]|\{\d+(?:,\d*)?\}/g) ?? []).length;
  }

  it('costs the same at 30,000 and 60,000 characters: none is handed to a pattern', () => {
    expect(charactersMatched(() => dialedAddressOf(hostile(30000)))).toBe(0);
    expect(charactersMatched(() => dialedAddressOf(hostile(60000)))).toBe(0);
    // The counter counts: a short address is read.
    expect(charactersMatched(() => dialedAddressOf(hostile(10)))).toBeGreaterThan(0);
  });

  // The pattern itself, uncapped: `^\+[0-9().-]*[0-9][0-9().-]*$` took ~690 ms of CPU for 30,000
  // ones and 4 times that for twice as many. Counted, not timed: each pattern that reads a
  // global phone-context is handed it once, and has no two choices to retry against each other.
  it('reads a global phone-context in linear time: each pattern once, none that backtracks quadratically', () => {
    const context = `+${'1'.repeat(60000)}x`;
    const runs = patternsRun(() => expect(globalPrefixOf(context)).toBeUndefined());
    expect(runs.length).toBeGreaterThan(0);
    for (const { source, characters } of runs) {
      expect({ source, characters }).toEqual({ source, characters: context.length });
      expect({ source, linear: quantifiersOf(source) === 0 || (quantifiersOf(source) === 1 && source.startsWith('^')) }).toEqual({ source, linear: true });
    }
    // What the check tells apart: the pattern it replaced.
    expect(quantifiersOf('^\\+[0-9().-]*[0-9][0-9().-]*$')).toBe(2);
    expect(quantifiersOf('^\\+[0-9().-]+$')).toBe(1);
    expect(globalPrefixOf('+4-4')).toBe('44');
  });
});

describe('the inbound route', () => {
  async function ringTo(to: string) {
    const { handler } = routerFor();
    const res = await send(handler, webhookEvent(inboundCall('+12125550123', to), { path: '/voice/inbound' }));
    return { dial: dialOf(res.body as string), flow: res.headers['x-sipline-flow'] };
  }

  it('reads a number given with a global phone-context', async () => {
    expect((await ringTo('tel:4155550199;phone-context=+1')).dial?.target).toBe(`sip:alice@${DOMAIN}`);
  });

  it('refuses one given with a domain context, rather than read it as a local number', async () => {
    expect((await ringTo('tel:4155550199;phone-context=example.com')).flow).toBe('refused:malformed-request');
  });
});

describe('reading addresses', () => {
  it.each([
    ['tel:2079460000;phone-context=+44', { user: '2079460000', phoneContext: '+44' }],
    [`sip:2079460000;phone-context=+44@${DOMAIN};user=phone`, { user: '2079460000', phoneContext: '+44' }],
    [`sip:2079460000%3Bphone-context%3D%2B44@${DOMAIN}`, { user: '2079460000', phoneContext: '+44' }],
    [`sip:alice:secret@${DOMAIN}`, { user: 'alice' }],
    [`sip:4155551234@${DOMAIN};user=phone`, { user: '4155551234' }],
    ['+14155550100', { user: '+14155550100' }],
  ])('%s', (address, expected) => {
    expect(dialedAddressOf(address)).toEqual(expected);
  });

  it('reads the host of a SIP URI, and of nothing else', () => {
    expect(hostOf(`sip:4155551234@${DOMAIN};user=phone`)).toBe(DOMAIN);
    expect(hostOf(`sips:alice@${DOMAIN}:5061;transport=tls`)).toBe(DOMAIN);
    expect(hostOf(`<sip:bob@${DOMAIN}>`)).toBeUndefined();
    for (const other of ['+14155550100', 'tel:+14155550100', `sip:${DOMAIN}x`, `sip:a@${'b'.repeat(MAX_ADDRESS_LENGTH)}`, undefined]) expect(hostOf(other)).toBeUndefined();
  });
});

/**
 * Thousands of random and hostile webhooks, on every route: every one gets either 200 with
 * well-formed TwiML of the shapes the router emits (204 for the callbacks), or 403; never
 * anything else, never a throw.
 */
import fc from 'fast-check';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { AUTH_TOKEN, BASE_URL, DOMAIN, routerFor, send, webhookEvent, withNoAnswerAndGroups } from './fixtures';

// The only documents the router emits: one <Dial> (one noun, or up to 10 <Sip> for a group; a
// call's with an action, a transfer's without, one after the other for a sequential group), the
// reason a transfer was refused before the <Dial> that hands the party back, a voicemail
// (greeting, <Record>, a word if nothing was recorded), a spoken reason and a hangup, or a hangup.
const ATTR_VALUE = '[^"<>&]*(?:&amp;[^"<>&]*)*';
const TEXT = '(?:[^<>&]|&(?:amp|lt|gt|quot|apos);)*';
const DIAL =
  `<Dial answerOnBridge="true"(?: callerId="${ATTR_VALUE}")?(?: timeout="\\d+")?(?: action="${ATTR_VALUE}")?(?: referUrl="${ATTR_VALUE}")?(?: sequential="true")?>` +
  `(?:<Number>${TEXT}</Number>|(?:<Sip>${TEXT}</Sip>){1,10})</Dial>`;
const VOICEMAIL = `<Say>${TEXT}</Say><Record action="${ATTR_VALUE}" maxLength="120" recordingStatusCallback="${ATTR_VALUE}"/><Say>${TEXT}</Say><Hangup/>`;
const TWIML = new RegExp(`^<\\?xml version="1.0" encoding="UTF-8"\\?><Response>(?:${DIAL}|<Say>${TEXT}</Say>${DIAL}|${VOICEMAIL}|<Say>${TEXT}</Say><Hangup/>|<Hangup/>)</Response>$`);

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '<', '>', '&', '"', "'", ']]>', '<![CDATA[', '%', '%00', '\u0000', '\uFFFF', '\uD800', '+', '@', ';', '?', '#', '*'),
  fc.constantFrom('911', '112', '999', '000', '+881631234567', '19005551234', '+14155550199', 'alice', '+14155550100', 'bob'),
  fc.string({ unit: fc.constantFrom(...'+0123456789()-.*#'.split('')) }),
);
const address = fc.oneof(
  hostile,
  hostile.map((u) => `sip:${u}@${DOMAIN}`),
  hostile.map((u) => `sips:${u}@${DOMAIN};user=phone`),
  fc.tuple(hostile, hostile).map(([u, h]) => `sip:${u}@${h}`),
  hostile.map((u) => `tel:${u}`),
  fc.webUrl(),
);
// Mostly this directory's users and domain, so that most requests reach the routing decision.
const sipUsername = fc.oneof(fc.constantFrom('alice', 'bob', '+14155550100', '+442079460100'), hostile);
const sipDomain = fc.oneof(fc.constant(DOMAIN), fc.constantFrom('ACME.SIP.TWILIO.COM', 'acme.sip.dublin.twilio.com'), hostile);
const status = fc.oneof(fc.constantFrom('completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled', 'in-progress', 'ringing'), hostile);
const params = fc.record(
  {
    From: address,
    To: address,
    CallSid: hostile,
    Direction: hostile,
    SipUsername: sipUsername,
    SipDomain: sipDomain,
    CallStatus: status,
    DialCallStatus: status,
    ReferTransferTarget: fc.oneof(address, address.map((a) => `<${a}>`)),
    RecordingStatus: status,
    RecordingSid: hostile,
    AccountSid: hostile,
    RecordingDuration: hostile,
    CallDuration: hostile,
    ParentCallSid: hostile,
  },
  { requiredKeys: [] },
).chain((known) => fc.dictionary(fc.string({ maxLength: 12 }), hostile, { maxKeys: 4 }).map((extra) => ({ ...extra, ...known })));
/** The routes that answer with TwiML; the callbacks (status, recording) answer 204. */
const TWIML_ROUTES = ['/voice/outbound', '/voice/inbound', '/voice/after-dial', '/voice/refer', '/voice/voicemail-done'];
const route = fc.constantFrom(...TWIML_ROUTES, '/voice/status', '/voice/recording');
// Mostly what the router writes into its URLs (names of this directory, its own parameters).
const name = fc.constantFrom('alice', 'bob', '%2B14155550100', '%2B442079460100', 'sales', 'nobody', '');
const written = fc
  .record({ to: name, member: fc.constantFrom('0', '1', '9', '99', 'x'), caller: name, cid: name, from: name, by: name, party: name, mailbox: name })
  .map((q) => Object.entries(q).map(([k, v]) => `${k}=${v}`).join('&'));
const query = fc.oneof(
  fc.constant(''),
  fc.constant('defaultCountry=GB'),
  written,
  hostile.map((q) => new URLSearchParams({ defaultCountry: q }).toString()),
  hostile.map((q) => new URLSearchParams({ to: q, by: q, mailbox: q }).toString()),
  hostile, // rawQueryString is whatever the client sent, unencoded
);

/** What a signed request gets: TwiML from the call routes, an empty 204 from the callbacks. */
function expectWellFormed(path: string, res: { statusCode?: number; headers: Record<string, string>; body?: string }): void {
  if (TWIML_ROUTES.includes(path)) {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml');
    expect(res.body).toMatch(TWIML);
  } else {
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  }
}

function signedParamsOf(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(body)) out[k] = k in out ? ([] as string[]).concat(out[k], v) : v;
  return out;
}

describe('the handler under random and hostile input', () => {
  // The directory of the tests with a hunt group and every kind of noAnswer, so that random
  // after-dial and refer requests reach forwards, voicemails and group members too.
  const { handler } = routerFor(withNoAnswerAndGroups());

  it('answers every signed webhook with 200 and well-formed TwiML, or a callback with 204', async () => {
    await fc.assert(
      fc.asyncProperty(params, route, query, fc.boolean(), async (p, path, q, base64) => {
        expectWellFormed(path, await send(handler, webhookEvent(p as Record<string, string>, { path, query: q, base64 })));
      }),
      { numRuns: 4000 },
    );
  });

  it('answers every signed raw body, however malformed as a form, with 200 and well-formed TwiML, or 204', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), route, async (body, path) => {
        const event = webhookEvent({}, { path, base64: false });
        const signature = getExpectedTwilioSignature(AUTH_TOKEN, `${BASE_URL}${path}`, signedParamsOf(body));
        expectWellFormed(path, await send(handler, { ...event, body, headers: { ...event.headers, 'x-twilio-signature': signature } }));
      }),
      { numRuns: 1500 },
    );
  });

  it('answers every unsigned or wrongly signed webhook with 403', async () => {
    await fc.assert(
      fc.asyncProperty(params, route, query, fc.option(hostile, { nil: null }), fc.boolean(), async (p, path, q, signature, base64) => {
        const res = await send(handler, webhookEvent(p as Record<string, string>, { path, query: q, signature, base64 }));
        expect(res.statusCode).toBe(403);
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on events with missing or odd parts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ body: fc.option(fc.string(), { nil: undefined }), isBase64Encoded: fc.boolean(), rawQueryString: fc.string(), signature: fc.option(fc.string(), { nil: undefined }) }),
        route,
        async (e, path) => {
          const base = webhookEvent({}, { path });
          const event = { ...base, body: e.body, isBase64Encoded: e.isBase64Encoded, rawQueryString: e.rawQueryString, headers: e.signature === undefined ? {} : { 'x-twilio-signature': e.signature } };
          const res = await send(handler, event);
          expect([200, 204, 403]).toContain(res.statusCode);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

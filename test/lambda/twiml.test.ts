/** TwiML rendering: the precomputed document shapes give exactly what VoiceResponse gives. */
import fc from 'fast-check';
import { afterDialValues, recordingValues, referValues, type AfterDialContext, type ReferContext } from '../../lambda/callbackUrls';
import { isSpeakableText, MAX_GREETING_LENGTH } from '../../lambda/directory';
import { defaultGreeting } from '../../lambda/messages';
import { TRANSFER_REASONS, TRANSFER_REFUSED } from '../../lambda/messages';
import { renderAnswer, sipUri, UnsafeTwimlValueError, type Answer, type Ring } from '../../lambda/twiml';
import { renderDial, renderVoicemail, sayAndHangUp, type DialSpec } from '../../lambda/voiceResponse';

type Dialing = Extract<Answer, { kind: 'dial-number' | 'ring' | 'voicemail' | 'transfer-refusal' }>;

/** A URL as the router writes it: `route?name=value&...`, values percent-encoded. */
const url = (route: string, values: Record<string, string>) => `${route}?${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('&')}`;

/** The <Dial> of a ring, as VoiceResponse is told it. */
const ringSpec = (a: Ring): DialSpec => ({
  noun: 'sip',
  targets: a.sipUris,
  ...(a.callerId === undefined ? {} : { callerId: a.callerId }),
  timeout: String(a.ringSeconds),
  ...(a.after ? { action: url('after-dial', afterDialValues(a.after)) } : {}),
  referUrl: url('refer', referValues(a.refer)),
  ...(!a.after && a.sequential && a.sipUris.length > 1 ? { sequential: true } : {}),
});

/** A fresh VoiceResponse for the answer: what every templated answer must equal. */
function freshlyRendered(a: Dialing): string {
  switch (a.kind) {
    case 'dial-number':
      return renderDial({ noun: 'number', targets: [a.number], callerId: a.callerId, ...(a.transfer ? {} : { action: 'after-dial' }) });
    case 'ring':
      return renderDial(ringSpec(a));
    case 'transfer-refusal': {
      const said = sayAndHangUp(`${TRANSFER_REFUSED} ${TRANSFER_REASONS[a.reason]}`);
      if (!a.back) return said;
      // VoiceResponse's own <Say> element, then its own <Dial>: each part as it escapes it.
      const say = /<Say>.*<\/Say>/.exec(said)![0];
      return renderDial(ringSpec(a.back)).replace('<Response>', `<Response>${say}`);
    }
    case 'voicemail':
      return renderVoicemail(a.greeting ?? defaultGreeting(a.recording.mailbox), 'voicemail-done', url('recording', recordingValues(a.recording)));
  }
}

const safe = fc.string({ unit: fc.constantFrom(...'abcXYZ0189+._@:-'.split('')), minLength: 1, maxLength: 40 });
const anything = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('<', '&amp;', '"', "'", 'a"b', 'x<y>z', ']]>', '{{callerId}}', '{{target0}}'));
const value = fc.oneof({ arbitrary: safe, weight: 5 }, { arbitrary: anything, weight: 1 });
const name = fc.oneof({ arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/), weight: 3 }, { arbitrary: fc.stringMatching(/^\+[1-9]\d{1,14}$/), weight: 3 }, { arbitrary: anything, weight: 1 });
const after: fc.Arbitrary<AfterDialContext> = fc.record(
  { to: name, member: fc.integer({ min: 0, max: 10 }), caller: name, forwardCallerId: value, from: name },
  { requiredKeys: ['member', 'from'] },
);
const refer: fc.Arbitrary<ReferContext> = fc.record({ by: name, party: name }, { requiredKeys: ['by'] });
/** Greetings: anything the schema allows, and anything it does not. */
const greeting = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
  fc.constantFrom('Hi, you\'ve reached "Sales" -- leave a message!', 'Bonjour, vous êtes chez Zoë.', 'سلام، لطفاً پیام بگذارید', 'a & b', 'a\nb', 'x'.repeat(MAX_GREETING_LENGTH + 1), ' '),
);
/** A call's ring (with `after`) or a transfer's (without, one after the other or not). */
const ring: fc.Arbitrary<Ring> = fc
  .record({
    kind: fc.constant('ring' as const),
    sipUris: fc.array(value, { minLength: 1, maxLength: 10 }),
    callerId: fc.option(value, { nil: undefined }),
    ringSeconds: fc.integer({ min: 5, max: 120 }),
    after: fc.option(after, { nil: undefined }),
    sequential: fc.boolean(),
    refer,
  })
  .map(({ callerId, after: a, sequential, ...r }) => ({ ...r, ...(callerId === undefined ? {} : { callerId }), ...(a === undefined ? { sequential } : { after: a }) }));
const reason = fc.constantFrom(...(Object.keys(TRANSFER_REASONS) as Array<keyof typeof TRANSFER_REASONS>));
const answer: fc.Arbitrary<Dialing> = fc.oneof(
  fc.record({ kind: fc.constant('dial-number' as const), number: value, callerId: value, transfer: fc.boolean() }),
  ring,
  fc.record({ kind: fc.constant('transfer-refusal' as const), reason, back: fc.option(ring, { nil: undefined }) }).map(({ back, ...a }) => (back ? { ...a, back } : a)),
  fc.record({ kind: fc.constant('voicemail' as const), greeting: fc.option(greeting, { nil: undefined }), recording: fc.record({ mailbox: name, from: name }) }).map(({ greeting: g, ...a }) => (g === undefined ? a : { ...a, greeting: g })),
);

const SAFE = /^[A-Za-z0-9+._@:-]{1,128}$/;
const URL_SAFE = /^[A-Za-z0-9%._~-]{0,128}$/;
const queryValuesOf = (a: Dialing): string[] =>
  a.kind === 'ring' ? [...(a.after ? Object.values(afterDialValues(a.after)) : []), ...Object.values(referValues(a.refer))]
  : a.kind === 'transfer-refusal' ? (a.back ? queryValuesOf(a.back) : [])
  : a.kind === 'voicemail' ? Object.values(recordingValues(a.recording))
  : [];
const plainValuesOf = (a: Dialing): string[] =>
  a.kind === 'dial-number' ? [a.number, a.callerId]
  : a.kind === 'ring' ? [...a.sipUris, ...(a.callerId === undefined ? [] : [a.callerId])]
  : a.kind === 'transfer-refusal' ? (a.back ? plainValuesOf(a.back) : [])
  : a.greeting === undefined ? [a.recording.mailbox] : [];
/** Whether every value of an answer is one a shape may hold as it is. */
const fillable = (a: Dialing) =>
  plainValuesOf(a).every((v) => SAFE.test(v)) && queryValuesOf(a).every((v) => URL_SAFE.test(v)) && (a.kind !== 'voicemail' || a.greeting === undefined || isSpeakableText(a.greeting));

describe('renderAnswer', () => {
  it('renders every dial and voicemail exactly as a fresh VoiceResponse would, or refuses a value that would need escaping', () => {
    let filled = 0;
    fc.assert(
      fc.property(answer, (a) => {
        if (fillable(a)) {
          filled++;
          expect(renderAnswer(a)).toBe(freshlyRendered(a));
        } else {
          expect(() => renderAnswer(a)).toThrow(UnsafeTwimlValueError);
        }
      }),
      { numRuns: 4000 },
    );
    // Most draws fill a shape: the equality, not only the refusal, is what is tested.
    expect(filled).toBeGreaterThan(1000);
  });

  it('says any greeting the schema allows as VoiceResponse would, in any script, quotes and all', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_GREETING_LENGTH }).filter(isSpeakableText), (text) => {
        const a: Dialing = { kind: 'voicemail', greeting: text, recording: { mailbox: 'alice', from: '+14155550100' } };
        expect(renderAnswer(a)).toBe(freshlyRendered(a));
      }),
      { numRuns: 2000 },
    );
  });

  it('never writes XML metacharacters into a document', () => {
    expect(() => renderAnswer({ kind: 'dial-number', number: '+1<2>', callerId: '+14155550100' })).toThrow(UnsafeTwimlValueError);
    const after: AfterDialContext = { to: 'alice', member: 0, from: 'bob' };
    expect(() => renderAnswer({ kind: 'ring', sipUris: ['sip:alice@acme.sip.twilio.com'], callerId: 'a"&b', ringSeconds: 20, after, refer: { by: 'alice' } })).toThrow(UnsafeTwimlValueError);
    expect(() => renderAnswer({ kind: 'voicemail', greeting: 'Tom & Jerry', recording: { mailbox: 'alice', from: 'bob' } })).toThrow(UnsafeTwimlValueError);
  });

  it('fills the shapes with every character a valid directory allows', () => {
    const a: Dialing = {
      kind: 'ring',
      sipUris: [sipUri('a.b_c-D9', 'acme-1.sip.twilio.com'), sipUri('+14155550100', 'acme-1.sip.twilio.com')],
      callerId: '+14155550100',
      ringSeconds: 120,
      after: { to: 'a.b_c-D9', member: 10, caller: '+14155550100', forwardCallerId: '+14155550100', from: 'anonymous' },
      refer: { by: 'a.b_c-D9', party: '+14155550100' },
    };
    expect(renderAnswer(a)).toBe(freshlyRendered(a));
  });

  it('refuses to ring no one, or more phones than one <Dial> may', () => {
    const ring = (count: number): Answer => ({
      kind: 'ring',
      sipUris: Array.from({ length: count }, (_, i) => `sip:u${i}@acme.sip.twilio.com`),
      ringSeconds: 20,
      after: { member: 0, from: 'bob' },
      refer: { by: 'bob' },
    });
    expect(() => renderAnswer(ring(0))).toThrow(UnsafeTwimlValueError);
    expect(() => renderAnswer(ring(11))).toThrow(UnsafeTwimlValueError);
    expect(renderAnswer(ring(10)).match(/<Sip>/g)).toHaveLength(10);
  });
});

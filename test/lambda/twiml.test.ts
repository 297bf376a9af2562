/** TwiML rendering: the precomputed document shapes give exactly what VoiceResponse gives. */
import fc from 'fast-check';
import type { Decision } from '../../lambda/dialPlan';
import { renderTwiml, sipUri, UnsafeTwimlValueError } from '../../lambda/twiml';
import { renderDial } from '../../lambda/voiceResponse';

type Dialing = Exclude<Decision, { flow: 'refused' }>;

/** A fresh VoiceResponse for the decision: what every templated answer must equal. */
function freshlyRendered(d: Dialing, domain: string): string {
  switch (d.flow) {
    case 'pstn':
    case 'emergency':
      return renderDial('number', d.number, d.callerId);
    case 'sip-user':
      return renderDial('sip', sipUri(d.username, domain), d.callerId);
    case 'inbound':
      return renderDial('sip', sipUri(d.username, domain), undefined);
  }
}

const safe = fc.string({ unit: fc.constantFrom(...'abcXYZ0189+._@:-'.split('')), minLength: 1, maxLength: 40 });
const anything = fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom('<', '&amp;', '"', "'", 'a"b', 'x<y>z', ']]>', '{{caller}}', '{{target}}'));
const value = fc.oneof(safe, anything);
const decision: fc.Arbitrary<Dialing> = fc.oneof(
  fc.record({ flow: fc.constant('pstn' as const), number: value, callerId: value }),
  fc.record({ flow: fc.constant('emergency' as const), number: value, callerId: value }),
  fc.record({ flow: fc.constant('sip-user' as const), username: value, callerId: value }),
  fc.record({ flow: fc.constant('inbound' as const), username: value }),
);

const SAFE = /^[A-Za-z0-9+._@:-]+$/;
const valuesOf = (d: Dialing, domain: string) =>
  'number' in d ? [d.number, d.callerId] : d.flow === 'sip-user' ? [sipUri(d.username, domain), d.callerId] : [sipUri(d.username, domain)];

describe('renderTwiml', () => {
  it('renders every dial exactly as a fresh VoiceResponse would, or refuses a value that would need escaping', () => {
    fc.assert(
      fc.property(decision, fc.constantFrom('acme.sip.twilio.com', 'a<b.sip.twilio.com'), (d, domain) => {
        if (valuesOf(d, domain).every((v) => SAFE.test(v) && v.length <= 128)) expect(renderTwiml(d, domain)).toBe(freshlyRendered(d, domain));
        else expect(() => renderTwiml(d, domain)).toThrow(UnsafeTwimlValueError);
      }),
      { numRuns: 5000 },
    );
  });

  it('never writes XML metacharacters into a document', () => {
    expect(() => renderTwiml({ flow: 'pstn', number: '+1<2>', callerId: '+14155550100' }, 'acme.sip.twilio.com')).toThrow(UnsafeTwimlValueError);
    expect(() => renderTwiml({ flow: 'sip-user', username: 'alice', callerId: 'a"&b' }, 'acme.sip.twilio.com')).toThrow(UnsafeTwimlValueError);
  });

  it('fills the shapes with every character a valid directory allows', () => {
    const d: Dialing = { flow: 'sip-user', username: 'a.b_c-D9', callerId: '+14155550100' };
    expect(renderTwiml(d, 'acme-1.sip.twilio.com')).toBe(freshlyRendered(d, 'acme-1.sip.twilio.com'));
  });
});

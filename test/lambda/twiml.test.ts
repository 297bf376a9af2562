/** TwiML rendering: the precomputed document shapes give exactly what VoiceResponse gives. */
import fc from 'fast-check';
import type { Decision } from '../../lambda/dialPlan';
import { renderTwiml, sipUri } from '../../lambda/twiml';
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

describe('renderTwiml', () => {
  it('renders every dial exactly as a fresh VoiceResponse would, whatever the values', () => {
    fc.assert(
      fc.property(decision, fc.constantFrom('acme.sip.twilio.com', 'a<b.sip.twilio.com'), (d, domain) => {
        expect(renderTwiml(d, domain)).toBe(freshlyRendered(d, domain));
      }),
      { numRuns: 5000 },
    );
  });

  it('escapes XML metacharacters through VoiceResponse', () => {
    const twiml = renderTwiml({ flow: 'pstn', number: '+1<2>', callerId: 'a"&b' }, 'acme.sip.twilio.com');
    expect(twiml).toContain('callerId="a&quot;&amp;b"');
    expect(twiml).toContain('<Number>+1&lt;2&gt;</Number>');
  });
});

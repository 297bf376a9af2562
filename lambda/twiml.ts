/**
 * Renders routing decisions as TwiML.
 *
 * Every document comes from twilio-node's VoiceResponse (lambda/voiceResponse.ts), at build
 * time: refusals whole, dials as shapes with placeholders. A call fills a shape with values
 * that need no escaping anywhere in XML: E.164 numbers, emergency digits, and directory
 * usernames and domain, whose characters the directory's schema restricts to letters, digits
 * and `+._@:-`. A value outside that set cannot come from a valid directory; it is refused,
 * never written into TwiML. This keeps VoiceResponse and xmlbuilder (40% of the bundle) out of
 * the Lambda, and a call's TwiML costs well under a microsecond instead of about 12.
 */
import type { Decision } from './dialPlan';
import { TWIML_SHAPES } from './twimlShapes';
import type { DialNoun } from './voiceResponse';

const SAFE_VALUE = /^[A-Za-z0-9+._@:-]{1,128}$/;

/** A value that would need escaping reached a TwiML shape: a bug or a corrupt directory. */
export class UnsafeTwimlValueError extends Error {
  override name = 'UnsafeTwimlValueError';
}

function dial(noun: DialNoun, target: string, callerId: string | undefined): string {
  if (!SAFE_VALUE.test(target) || (callerId !== undefined && !SAFE_VALUE.test(callerId))) {
    throw new UnsafeTwimlValueError(`refusing to put ${JSON.stringify(target)} / ${JSON.stringify(callerId)} into a <Dial>`);
  }
  const { parts, slots } = TWIML_SHAPES.dials[`${noun}:${callerId !== undefined}`];
  let xml = parts[0];
  for (let i = 0; i < slots.length; i++) xml += (slots[i] === 'caller' ? callerId : target) + parts[i + 1];
  return xml;
}

export function sipUri(username: string, domain: string): string {
  return `sip:${username}@${domain}`;
}

export function renderTwiml(decision: Decision, domain: string): string {
  switch (decision.flow) {
    case 'refused':
      return TWIML_SHAPES.refusals[decision.reason];
    case 'pstn':
    case 'emergency':
      return dial('number', decision.number, decision.callerId);
    case 'sip-user':
      return dial('sip', sipUri(decision.username, domain), decision.callerId);
    case 'inbound':
      // The PSTN caller's own number stays the caller ID the phone shows.
      return dial('sip', sipUri(decision.username, domain), undefined);
  }
}

/** Said when routing itself fails. */
export function apologyTwiml(): string {
  return TWIML_SHAPES.apology;
}

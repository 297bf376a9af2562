/**
 * Renders routing decisions as TwiML.
 *
 * Every document comes from twilio-node's VoiceResponse (lambda/voiceResponse.ts): refusals
 * whole, dials as shapes with placeholders, built once (at build time in the bundle). A call
 * fills a shape only with values that need no escaping anywhere in XML (E.164 numbers,
 * directory usernames, the SIP domain: letters, digits and `+._@:-`); anything else is rendered
 * by VoiceResponse in full, so escaping stays its job. Building a VoiceResponse costs about
 * 12 µs, a third of a call's budget; filling a shape, well under one.
 */
import type { Decision } from './dialPlan';
import { TWIML_SHAPES } from './twimlShapes';
import type { DialNoun } from './voiceResponse';

const SAFE_VALUE = /^[A-Za-z0-9+._@:-]{1,128}$/;

/** The full VoiceResponse rendering, loaded only when a value needs escaping. */
function renderDialFully(noun: DialNoun, target: string, callerId: string | undefined): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderDial } = require('./voiceResponse') as typeof import('./voiceResponse');
  return renderDial(noun, target, callerId);
}

function dial(noun: DialNoun, target: string, callerId: string | undefined): string {
  if (!SAFE_VALUE.test(target) || (callerId !== undefined && !SAFE_VALUE.test(callerId))) return renderDialFully(noun, target, callerId);
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

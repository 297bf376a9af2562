/**
 * Every TwiML document the router sends is built here, by twilio-node's VoiceResponse, so
 * escaping is never hand-written. Every <Dial> has answerOnBridge, so the caller hears ringing
 * until the callee answers instead of an answered silence.
 *
 * renderShapes() builds the documents that do not depend on the call (refusals, the apology)
 * and the <Dial> documents with placeholders for the values that do: twiml.ts fills them in.
 * The bundle runs it at build time (lambda/build.ts), so the Lambda loads neither xmlbuilder
 * nor VoiceResponse at cold start.
 */
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { RefusalReason } from './dialPlan';
import { APOLOGY, SPOKEN_REASONS } from './messages';

export type DialNoun = 'number' | 'sip';

/** A spoken message and a hangup. */
export function sayAndHangUp(message: string): string {
  const response = new VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

/** A <Dial> with one noun; `callerId` is omitted when undefined. */
export function renderDial(noun: DialNoun, target: string, callerId: string | undefined): string {
  const response = new VoiceResponse();
  const dial = response.dial(callerId === undefined ? { answerOnBridge: true } : { answerOnBridge: true, callerId });
  if (noun === 'number') dial.number(target);
  else dial.sip(target);
  return response.toString();
}

/** A document split around its placeholders: parts[0] slot[0] parts[1] slot[1] ... */
export interface Template {
  parts: string[];
  slots: Array<'caller' | 'target'>;
}

export interface TwimlShapes {
  /** Keyed `${noun}:${withCallerId}`. */
  dials: Record<string, Template>;
  refusals: Record<RefusalReason, string>;
  apology: string;
}

// Placeholders no filled-in value can contain (twiml.ts only fills letters, digits and +._@:-).
export const CALLER_SLOT = '{{caller}}';
export const TARGET_SLOT = '{{target}}';

function templateOf(noun: DialNoun, withCallerId: boolean): Template {
  const pieces = renderDial(noun, TARGET_SLOT, withCallerId ? CALLER_SLOT : undefined).split(/(\{\{caller\}\}|\{\{target\}\})/);
  return {
    parts: pieces.filter((_, i) => i % 2 === 0),
    slots: pieces.filter((_, i) => i % 2 === 1).map((slot) => (slot === CALLER_SLOT ? 'caller' : 'target')),
  };
}

export function renderShapes(): TwimlShapes {
  const dials: Record<string, Template> = {};
  for (const noun of ['number', 'sip'] as const) {
    for (const withCallerId of [true, false]) dials[`${noun}:${withCallerId}`] = templateOf(noun, withCallerId);
  }
  const refusals = Object.fromEntries(
    (Object.keys(SPOKEN_REASONS) as RefusalReason[]).map((reason) => [reason, sayAndHangUp(SPOKEN_REASONS[reason])]),
  ) as Record<RefusalReason, string>;
  return { dials, refusals, apology: sayAndHangUp(APOLOGY) };
}

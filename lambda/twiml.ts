/**
 * Renders answers as TwiML.
 *
 * Every document comes from twilio-node's VoiceResponse (lambda/voiceResponse.ts), at build
 * time: the fixed ones whole, the others as shapes with placeholders. A call fills a shape with
 * values that need no escaping anywhere in XML: E.164 numbers, emergency digits, directory
 * usernames and domain (letters, digits and `+._@:-`, as the directory's schema restricts
 * them), percent-encoded query values (letters, digits and `%._~-`), and greetings, which the
 * schema keeps free of `&`, `<`, `>` and control characters. A value outside its set cannot come
 * from a valid directory; it is refused, never written into TwiML. This keeps VoiceResponse and
 * xmlbuilder (40% of the bundle) out of the Lambda, and a call's TwiML costs well under a
 * microsecond instead of about 12.
 */
import {
  afterDialValues,
  recordingValues,
  referValues,
  URL_VALUE,
  type AfterDialContext,
  type RecordingContext,
  type ReferContext,
} from './callbackUrls';
import type { RefusalReason } from './dialPlan';
import { isSpeakableText, MAX_GROUP_MEMBERS } from './directory';
import type { UnansweredStatus } from './messages';
import { TWIML_SHAPES } from './twimlShapes';
import { dialShapeKey, targetSlot } from './twimlSlots';
import type { Template } from './voiceResponse';

/** What the router answers a request with: each kind is one TwiML shape. */
export type Answer =
  /** A routing refusal, spoken, then hang up. */
  | { kind: 'refusal'; reason: RefusalReason }
  /**
   * A transfer's target refused: the reason said to the party being transferred, then `back`,
   * the dial that hands them back to the transferring phone (a hangup when there is none).
   */
  | { kind: 'transfer-refusal'; reason: RefusalReason; back?: Ring }
  /**
   * A PSTN number: the dialed one, an emergency call, a forward, a transfer (`transfer`: no
   * action, nothing follows it). No referUrl: a PSTN number sends no REFER.
   */
  | { kind: 'dial-number'; number: string; callerId: string; transfer?: boolean }
  | Ring
  /** The mailbox's greeting, or (none) the default one naming the mailbox; then a beep and the recording. */
  | { kind: 'voicemail'; greeting?: string; recording: RecordingContext }
  /** Nobody answered and nothing else is set up: why, and goodbye. */
  | { kind: 'goodbye'; status: UnansweredStatus }
  | { kind: 'voicemail-thanks' }
  | { kind: 'hangup' };

/**
 * Ring SIP users (one, or a group's members) for `ringSeconds`. A call's ring (`after`) then
 * asks the after-dial route; a transfer's has no action, so nothing follows it, and rings a
 * sequential group's members one after the other in one <Dial> (`sequential`).
 */
export interface Ring {
  kind: 'ring';
  sipUris: string[];
  callerId?: string;
  ringSeconds: number;
  after?: AfterDialContext;
  sequential?: boolean;
  refer: ReferContext;
}

const SAFE_VALUE = /^[A-Za-z0-9+._@:-]{1,128}$/;

/** A value that would need escaping reached a TwiML shape: a bug or a corrupt directory. */
export class UnsafeTwimlValueError extends Error {
  override name = 'UnsafeTwimlValueError';
}

/** Whether a value may fill a slot as it is: each slot's set of characters needs no escaping. */
function fits(slot: string, value: string): boolean {
  if (slot === 'callerId' || slot === 'name' || slot.startsWith('target')) return SAFE_VALUE.test(value);
  if (slot === 'timeout') return /^\d{1,3}$/.test(value);
  if (slot === 'greeting') return isSpeakableText(value);
  return URL_VALUE.test(value) && value.length <= 128;
}

function checked(slot: string, value: string | undefined): string {
  if (value === undefined || !fits(slot, value)) throw new UnsafeTwimlValueError(`refusing to put ${JSON.stringify(value)} into {{${slot}}}`);
  return value;
}

/**
 * Fills a shape. `more` targets beyond the shape's own (the 3rd to 10th <Sip> of a group) go
 * after its last one, each preceded by what the shape has between its first two targets
 * (`</Sip><Sip>`, as VoiceResponse wrote it).
 */
function fill(template: Template, values: Record<string, string | undefined>, more: readonly string[] = []): string {
  const { parts, slots } = template;
  let xml = parts[0];
  for (let i = 0; i < slots.length; i++) {
    xml += checked(slots[i], values[slots[i]]);
    if (slots[i] === targetSlot(1)) {
      const between = parts[slots.indexOf(targetSlot(1))];
      for (let k = 0; k < more.length; k++) xml += between + checked(targetSlot(2 + k), more[k]);
    }
    xml += parts[i + 1];
  }
  return xml;
}

export function sipUri(username: string, domain: string): string {
  return `sip:${username}@${domain}`;
}

const targets = (list: string[]) => Object.fromEntries(list.map((t, i) => [targetSlot(i), t]));

export function renderAnswer(answer: Answer): string {
  switch (answer.kind) {
    case 'refusal':
      return TWIML_SHAPES.refusals[answer.reason];
    case 'transfer-refusal':
      return sayFirst(TWIML_SHAPES.transferRefusals[answer.reason], answer.back ? renderAnswer(answer.back) : TWIML_SHAPES.hangup);
    case 'goodbye':
      return TWIML_SHAPES.goodbyes[answer.status];
    case 'hangup':
      return TWIML_SHAPES.hangup;
    case 'voicemail-thanks':
      return TWIML_SHAPES.voicemailThanks;
    case 'dial-number':
      return fill(TWIML_SHAPES.dials[dialShapeKey('number', answer.transfer ? 'transfer' : 'call')], { ...targets([answer.number]), callerId: answer.callerId });
    case 'ring': {
      const count = answer.sipUris.length;
      if (count < 1 || count > MAX_GROUP_MEMBERS) throw new UnsafeTwimlValueError(`cannot ring ${count} SIP addresses in one <Dial>`);
      const mode = answer.after ? 'call' : answer.sequential && count > 1 ? 'sequential' : 'transfer';
      return fill(
        TWIML_SHAPES.dials[dialShapeKey('sip', mode, count, answer.callerId !== undefined)],
        {
          ...targets(answer.sipUris.slice(0, 2)),
          callerId: answer.callerId,
          timeout: String(answer.ringSeconds),
          ...(answer.after ? afterDialValues(answer.after) : {}),
          ...referValues(answer.refer),
        },
        answer.sipUris.slice(2),
      );
    }
    case 'voicemail':
      return answer.greeting === undefined
        ? fill(TWIML_SHAPES.voicemailDefault, { name: answer.recording.mailbox, ...recordingValues(answer.recording) })
        : fill(TWIML_SHAPES.voicemail, { greeting: answer.greeting, ...recordingValues(answer.recording) });
  }
}

const RESPONSE = '<Response>';

/** A document that says `say` (a `<Say>` element) before what `document` does. */
function sayFirst(say: string, document: string): string {
  const at = document.indexOf(RESPONSE) + RESPONSE.length;
  return document.slice(0, at) + say + document.slice(at);
}

/** Said when routing itself fails. */
export function apologyTwiml(): string {
  return TWIML_SHAPES.apology;
}

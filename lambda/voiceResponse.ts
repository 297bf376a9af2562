/**
 * Every TwiML document the router sends is built here, by twilio-node's VoiceResponse, so
 * escaping is never hand-written. Every <Dial> has answerOnBridge, so the caller hears ringing
 * until the callee answers instead of an answered silence.
 *
 * renderShapes() builds the documents that do not depend on the call (refusals, goodbyes, the
 * apology) whole, and the others (the dials, the voicemail) with a `{{name}}` placeholder for
 * each value that does: twiml.ts fills them in, with values that need no escaping. The bundle
 * runs it at build time (lambda/build.ts), so the Lambda loads neither xmlbuilder nor
 * VoiceResponse at cold start.
 */
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { AFTER_DIAL_PARAMS, RECORDING_PARAMS, REFER_PARAMS } from './callbackUrls';
import type { RefusalReason } from './dialPlan';
import {
  APOLOGY,
  defaultGreeting,
  SPOKEN_REASONS,
  TRANSFER_REASONS,
  TRANSFER_REFUSED,
  UNANSWERED_GOODBYES,
  VOICEMAIL_NOTHING_RECORDED,
  VOICEMAIL_THANKS,
  type UnansweredStatus,
} from './messages';
import { relativeUrlOf, type RouteName } from './routes';
import { dialShapeKey, placeholder, targetSlot } from './twimlSlots';

/** A voicemail records at most two minutes (`<Record maxLength>`). */
const VOICEMAIL_MAX_SECONDS = 120;

/** A spoken message and a hangup. */
export function sayAndHangUp(message: string): string {
  const response = new VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

/** Just a hangup: the call is over (the dial was answered, or the caller is gone). */
function hangUp(): string {
  const response = new VoiceResponse();
  response.hangup();
  return response.toString();
}

/** A <Dial>: one <Number>, or one <Sip> per target (several only for a group). */
export interface DialSpec {
  noun: 'number' | 'sip';
  targets: string[];
  callerId?: string;
  /** Seconds to ring (`timeout`); Twilio's 30 when absent. */
  timeout?: string;
  /**
   * `<Dial action>`: every dial of a call has one, so its outcome reaches the after-dial route.
   * A transfer's dial has none: nothing follows it, so a target that does not answer leaves the
   * party with the transferring phone (lambda/callFlow.ts, transferRing).
   */
  action?: string;
  /**
   * `<Dial referUrl>`: where the called phone's transfer button (SIP REFER) is answered. Only on
   * dials that ring phones: Twilio asks it "if the called party sends a SIP REFER", which a
   * PSTN number never does.
   */
  referUrl?: string;
  /** `<Dial sequential="true">`: Twilio rings the <Sip> nouns one after the other (a sequential group in a transfer). */
  sequential?: boolean;
}

export function renderDial(spec: DialSpec): string {
  const response = new VoiceResponse();
  const dial = response.dial({
    answerOnBridge: true,
    ...(spec.callerId === undefined ? {} : { callerId: spec.callerId }),
    ...(spec.timeout === undefined ? {} : { timeout: spec.timeout as unknown as number }),
    ...(spec.action === undefined ? {} : { action: spec.action }),
    ...(spec.referUrl === undefined ? {} : { referUrl: spec.referUrl }),
    ...(spec.sequential ? { sequential: true } : {}),
  });
  for (const target of spec.targets) {
    if (spec.noun === 'number') dial.number(target);
    else dial.sip(target);
  }
  return response.toString();
}

/**
 * The voicemail: the greeting, then <Record> (a beep first, up to two minutes, any key or 5 s
 * of silence ends it); its action thanks the caller, and its recording status callback, once
 * the audio is stored, enqueues the email. Twilio goes on past <Record> only when nothing
 * was recorded.
 */
export function renderVoicemail(greeting: string, action: string, recordingStatusCallback: string): string {
  const response = new VoiceResponse();
  response.say(greeting);
  response.record({ action, maxLength: VOICEMAIL_MAX_SECONDS, recordingStatusCallback });
  response.say(VOICEMAIL_NOTHING_RECORDED);
  response.hangup();
  return response.toString();
}

/** A document split around its placeholders: parts[0] slot[0] parts[1] slot[1] ... */
export interface Template {
  parts: string[];
  slots: string[];
}

export interface TwimlShapes {
  /**
   * Keyed by dialShapeKey: a `number` (no referUrl: a PSTN number sends no REFER) or 1 or 2
   * `sip` targets, with or without a callerId, for a call (`call`: with the after-dial action),
   * a transfer (`transfer`: no action) or a sequential group in a transfer (`sequential`).
   */
  dials: Record<string, Template>;
  /** A voicemail with the mailbox's own greeting; `voicemailDefault` says the default one, naming the mailbox. */
  voicemail: Template;
  voicemailDefault: Template;
  refusals: Record<RefusalReason, string>;
  /**
   * The `<Say>` element heard by the party being transferred when the transfer's target is
   * refused, put before the dial that hands them back (or a hangup: lambda/twiml.ts).
   */
  transferRefusals: Record<RefusalReason, string>;
  goodbyes: Record<UnansweredStatus, string>;
  hangup: string;
  voicemailThanks: string;
  apology: string;
}

const PLACEHOLDER = /(\{\{[A-Za-z0-9]+\}\})/;

/** A route's relative URL with one placeholder per query parameter. */
function urlWithSlots(route: RouteName, params: readonly string[]): string {
  return params.length === 0 ? relativeUrlOf(route) : `${relativeUrlOf(route)}?${params.map((p) => `${p}=${placeholder(p)}`).join('&')}`;
}

function templateOf(document: string): Template {
  const pieces = document.split(PLACEHOLDER);
  return {
    parts: pieces.filter((_, i) => i % 2 === 0),
    slots: pieces.filter((_, i) => i % 2 === 1).map((p) => p.slice(2, -2)),
  };
}

/** The dial shapes: a key per kind, every value a placeholder. */
function dialSpecs(): Record<string, DialSpec> {
  const afterPstn = relativeUrlOf('afterDial');
  const refer = urlWithSlots('refer', REFER_PARAMS);
  const number = { noun: 'number' as const, targets: [placeholder(targetSlot(0))], callerId: placeholder('callerId') };
  const specs: Record<string, DialSpec> = {
    [dialShapeKey('number', 'call')]: { ...number, action: afterPstn },
    [dialShapeKey('number', 'transfer')]: number,
  };
  // One and two <Sip> nouns: a group's third to tenth repeat what lies between the first two
  // (lambda/twiml.ts), which keeps 16 near-identical documents out of the bundle.
  for (const mode of ['call', 'transfer', 'sequential'] as const) {
    for (let count = mode === 'sequential' ? 2 : 1; count <= 2; count++) {
      for (const withCallerId of [true, false]) {
        specs[dialShapeKey('sip', mode, count, withCallerId)] = {
          noun: 'sip',
          targets: Array.from({ length: count }, (_, i) => placeholder(targetSlot(i))),
          ...(withCallerId ? { callerId: placeholder('callerId') } : {}),
          timeout: placeholder('timeout'),
          ...(mode === 'call' ? { action: urlWithSlots('afterDial', AFTER_DIAL_PARAMS) } : {}),
          referUrl: refer,
          ...(mode === 'sequential' ? { sequential: true } : {}),
        };
      }
    }
  }
  return specs;
}

/** A `<Say>` element as VoiceResponse writes it, to put before what a document does. */
function sayElement(message: string): string {
  const document = sayAndHangUp(message);
  return document.slice(document.indexOf('<Say>'), document.indexOf('<Hangup/>'));
}

export function renderShapes(): TwimlShapes {
  const dials = Object.fromEntries(Object.entries(dialSpecs()).map(([key, spec]) => [key, templateOf(renderDial(spec))]));
  const reasons = Object.keys(SPOKEN_REASONS) as RefusalReason[];
  return {
    dials,
    voicemail: templateOf(renderVoicemail(placeholder('greeting'), relativeUrlOf('voicemailDone'), urlWithSlots('recording', RECORDING_PARAMS))),
    voicemailDefault: templateOf(renderVoicemail(defaultGreeting(placeholder('name')), relativeUrlOf('voicemailDone'), urlWithSlots('recording', RECORDING_PARAMS))),
    refusals: Object.fromEntries(reasons.map((reason) => [reason, sayAndHangUp(SPOKEN_REASONS[reason])])) as Record<RefusalReason, string>,
    transferRefusals: Object.fromEntries(reasons.map((reason) => [reason, sayElement(`${TRANSFER_REFUSED} ${TRANSFER_REASONS[reason]}`)])) as Record<RefusalReason, string>,
    goodbyes: Object.fromEntries((Object.keys(UNANSWERED_GOODBYES) as UnansweredStatus[]).map((s) => [s, sayAndHangUp(UNANSWERED_GOODBYES[s])])) as Record<UnansweredStatus, string>,
    hangup: hangUp(),
    voicemailThanks: sayAndHangUp(VOICEMAIL_THANKS),
    apology: sayAndHangUp(APOLOGY),
  };
}

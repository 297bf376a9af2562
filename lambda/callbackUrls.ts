/**
 * What a later request of the same call needs to know, carried in the query of the URL the
 * router writes into its TwiML (`<Dial action>`, `<Dial referUrl>`, `<Record
 * recordingStatusCallback>`). Twilio signs the full URL it requests, query included, with the
 * account's auth token, so a query the router wrote comes back exactly as written or not at all
 * (403): no state store, no lookup, and nothing a caller can forge.
 *
 * Values are percent-encoded (`+` as `%2B`), so each one is letters, digits and `%._~-` only:
 * nothing in them needs escaping in an XML attribute (lambda/twiml.ts checks that).
 * What is read back is validated all the same: a bug must not route a call.
 */
import { E164_SHAPE } from './directory';
import { CALLER, MAILBOX } from './voicemail/job';

/** Where an unanswered call goes next, written into `<Dial action>` (the after-dial route). */
export interface AfterDialContext {
  /** Who was rung: a username or a group's name. Absent: a PSTN dial, whose end ends the call. */
  to?: string;
  /** The index of the group member just rung (sequential); for a simultaneous group, its member count. */
  member: number;
  /** The calling phone's user (the <Sip> callerId of the next member, skipped in its own groups); absent for the PSTN. */
  caller?: string;
  /** The caller ID a forward uses when Twilio allows it: the original caller's number (see lambda/callFlow.ts). */
  forwardCallerId?: string;
  /** Who called, as a voicemail shows them: a number, a username, or what Twilio said of a withheld number. */
  from: string;
}

/** Who hands a call over with their phone's transfer button, written into `<Dial referUrl>`. */
export interface ReferContext {
  /** The transferring user (or the group whose call it is, when any member may have answered). */
  by: string;
  /** The party being transferred: a username or a number; absent when unknown. */
  party?: string;
}

/** Whose voicemail a recording is, written into `<Record recordingStatusCallback>`. */
export interface RecordingContext {
  /** The username or group name; its email address comes from the directory, never the URL. */
  mailbox: string;
  from: string;
}

/** The query parameters of each URL, in the order they are written. */
export const AFTER_DIAL_PARAMS = ['to', 'member', 'caller', 'cid', 'from'] as const;
export const REFER_PARAMS = ['by', 'party'] as const;
export const RECORDING_PARAMS = ['mailbox', 'from'] as const;

/** What a written value may be made of: nothing that XML or a URL would need to escape. */
export const URL_VALUE = /^[A-Za-z0-9%._~-]*$/;

/** A caller as a voicemail job accepts it (lambda/voicemail/job.ts), else `unknown`. */
export function callerLabel(value: string | undefined): string {
  return value !== undefined && CALLER.test(value) ? value : 'unknown';
}

/**
 * An E.164-shaped number, else undefined (`anonymous`, `Restricted`). Whether it is a real
 * number (`+266696687`, Twilio's withheld caller, is not) is asked only when a forward uses it.
 */
export function e164Of(value: string | undefined): string | undefined {
  return value !== undefined && E164_SHAPE.test(value) ? value : undefined;
}

const encode = (value: string | number | undefined) => (value === undefined ? '' : encodeURIComponent(String(value)));

export function afterDialValues(c: AfterDialContext): Record<(typeof AFTER_DIAL_PARAMS)[number], string> {
  return { to: encode(c.to), member: encode(c.member), caller: encode(c.caller), cid: encode(c.forwardCallerId), from: encode(c.from) };
}

export function referValues(c: ReferContext): Record<(typeof REFER_PARAMS)[number], string> {
  return { by: encode(c.by), party: encode(c.party) };
}

export function recordingValues(c: RecordingContext): Record<(typeof RECORDING_PARAMS)[number], string> {
  return { mailbox: encode(c.mailbox), from: encode(c.from) };
}

const name = (q: URLSearchParams, key: string) => {
  const v = q.get(key) ?? '';
  // A username or group name (a mailbox is one): E.164, or letters, digits, ".", "_", "-".
  return MAILBOX.test(v) ? v : undefined;
};

/** The after-dial context of a query the router wrote; a missing or odd value reads as absent. */
export function readAfterDial(rawQuery: string): AfterDialContext {
  const q = new URLSearchParams(rawQuery);
  const member = /^\d{1,2}$/.test(q.get('member') ?? '') ? Number(q.get('member')) : 0;
  const to = name(q, 'to');
  const caller = name(q, 'caller');
  const forwardCallerId = e164Of(q.get('cid') ?? undefined);
  return { ...(to ? { to } : {}), member, ...(caller ? { caller } : {}), ...(forwardCallerId ? { forwardCallerId } : {}), from: callerLabel(q.get('from') ?? undefined) };
}

/** The refer context of a query the router wrote, or undefined when it names no transferring user. */
export function readRefer(rawQuery: string): ReferContext | undefined {
  const q = new URLSearchParams(rawQuery);
  const by = name(q, 'by');
  if (!by) return undefined;
  const party = q.get('party') ?? '';
  return CALLER.test(party) ? { by, party } : { by };
}

/** The recording context of a query the router wrote, or undefined when it names no mailbox. */
export function readRecording(rawQuery: string): RecordingContext | undefined {
  const q = new URLSearchParams(rawQuery);
  const mailbox = name(q, 'mailbox');
  if (!mailbox) return undefined;
  return { mailbox, from: callerLabel(q.get('from') ?? undefined) };
}

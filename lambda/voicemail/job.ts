/**
 * The voicemail job: the one SQS message the router enqueues per finished recording, and the
 * one source of truth for its schema. The router builds messages with `voicemailJobMessage`
 * (or `voicemailJobFromRecordingCallback`), the worker reads them with `parseVoicemailJob`;
 * both validate with the same rules.
 *
 * A job names the recording by sids only, never by URL: the worker builds every Twilio URL
 * itself from `accountSid` and `recordingSid` (lambda/voicemail/twilioRecordings.ts), so a
 * forged job can never make it send its API key anywhere but Twilio. Unknown fields are
 * refused, not ignored, for the same reason.
 *
 * Versioning: `version` is 1. A change that a version-1 worker could misread gets a new
 * version number; the worker keeps reading every older version it has shipped. A job of a
 * version the worker does not know is refused and (after its retries) waits in the
 * dead-letter queue until a worker that knows it is deployed and the queue is redriven.
 */
import { ACCOUNT_SID } from './apiKey';

export const VOICEMAIL_JOB_VERSION = 1;

export interface VoicemailJobV1 {
  version: 1;
  /** The Twilio account the recording belongs to: AC + 32 hex digits. */
  accountSid: string;
  /** The call that left the voicemail (the parent leg): CA + 32 hex digits. */
  callSid: string;
  /** The recording: RE + 32 hex digits. */
  recordingSid: string;
  /** The user whose voicemail this is: a directory username (`alice`, `+14155550100`). */
  mailbox: string;
  /** Where it is emailed: from the router's directory (the mailbox's `noAnswer.voicemail.email`). */
  email: string;
  /**
   * Who called, as the router knew them: an E.164 number, a SIP username, or what Twilio sent
   * for a withheld number (`anonymous`...). Shown in the email's subject and body.
   */
  caller: string;
  /** When the recording started, ISO 8601 in UTC (`2025-06-03T14:05:09Z`). */
  recordedAt: string;
  /** The recording's length in whole seconds. */
  durationSeconds: number;
}

export type VoicemailJob = VoicemailJobV1;

export class VoicemailJobError extends Error {
  override name = 'VoicemailJobError';
}

// The patterns of Twilio's v2010 OpenAPI spec for these path parameters.
const SID = { accountSid: ACCOUNT_SID, callSid: /^CA[0-9a-fA-F]{32}$/, recordingSid: /^RE[0-9a-fA-F]{32}$/ } as const;
const SID_NAMES = { accountSid: 'an account sid', callSid: 'a call sid', recordingSid: 'a recording sid' } as const;
// A directory username (lambda/directory.ts): E.164, or letters, digits, ".", "_", "-"; up to 32.
export const MAILBOX = /^(?:\+[1-9]\d{1,14}|[A-Za-z0-9][A-Za-z0-9._-]{0,31})$/;
// What a caller can be: E.164, a SIP username, or a word such as "anonymous". No spaces,
// quotes, angle brackets or line breaks: it goes into a subject line.
export const CALLER = /^\+?[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// SES takes only 7-bit ASCII addresses (no SMTPUTF8); no display name, no comments.
export const EMAIL_ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
/** Twilio records for at most 4 hours; the voicemail's <Record> stops after 2 minutes. */
export const MAX_DURATION_SECONDS = 4 * 60 * 60;

const FIELDS: ReadonlyArray<keyof VoicemailJobV1> = ['version', 'accountSid', 'callSid', 'recordingSid', 'mailbox', 'email', 'caller', 'recordedAt', 'durationSeconds'];

/** Checks one field; returns what is wrong with it, or undefined. */
function fieldProblem(key: keyof VoicemailJobV1, value: unknown): string | undefined {
  switch (key) {
    case 'version':
      return value === VOICEMAIL_JOB_VERSION ? undefined : `is not a job version this worker reads (${VOICEMAIL_JOB_VERSION})`;
    case 'accountSid':
    case 'callSid':
    case 'recordingSid':
      return typeof value === 'string' && SID[key].test(value) ? undefined : `is not ${SID_NAMES[key]} (${SID[key].source.slice(1, 3)} followed by 32 hex digits)`;
    case 'mailbox':
      return typeof value === 'string' && MAILBOX.test(value) ? undefined : 'is not a directory username';
    case 'email':
      return typeof value === 'string' && value.length <= 254 && EMAIL_ADDRESS.test(value) ? undefined : 'is not a plain ASCII email address';
    case 'caller':
      return typeof value === 'string' && CALLER.test(value) ? undefined : 'is not a phone number or SIP username';
    case 'recordedAt':
      return typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : 'is not an ISO 8601 UTC time';
    case 'durationSeconds':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_DURATION_SECONDS ? undefined : `is not a whole number of seconds from 0 to ${MAX_DURATION_SECONDS}`;
  }
}

/** A short, log-safe rendering of a refused value (a forged job may carry anything). */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validates a parsed job; throws a VoicemailJobError naming every bad or unknown field. */
export function validateVoicemailJob(value: unknown): VoicemailJob {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VoicemailJobError('a voicemail job must be a JSON object');
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) problems.push(`${key}: is not a field of a voicemail job`);
  }
  for (const key of FIELDS) {
    if (!(key in record)) {
      problems.push(`${key}: is missing`);
      continue;
    }
    const problem = fieldProblem(key, record[key]);
    if (problem) problems.push(`${key}: ${shown(record[key])} ${problem}`);
  }
  if (problems.length > 0) throw new VoicemailJobError(`invalid voicemail job: ${problems.join('; ')}`);
  return record as unknown as VoicemailJob;
}

/** Reads an SQS message body. */
export function parseVoicemailJob(body: string): VoicemailJob {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new VoicemailJobError('a voicemail job must be JSON');
  }
  return validateVoicemailJob(parsed);
}

/**
 * The SQS message body for a job, with or without its `version` (validated first, so the
 * router never enqueues a bad one).
 */
export function voicemailJobMessage(job: Omit<VoicemailJobV1, 'version'> & { version?: 1 }): string {
  const complete: VoicemailJobV1 = { ...job, version: VOICEMAIL_JOB_VERSION };
  // Fields in schema order, so equal jobs are equal messages.
  return JSON.stringify(validateVoicemailJob(complete), FIELDS as string[]);
}

/**
 * The job for Twilio's recording status callback (the parameters Twilio posts to a
 * `<Record recordingStatusCallback>` URL), or undefined when there is nothing to email:
 * only a `completed` recording has audio (`absent` is a recording too short or silent,
 * `failed` one Twilio could not store). `RecordingStartTime` is Twilio's RFC 2822 date
 * (`Tue, 03 Jun 2025 14:05:09 +0000`); when it is missing or unreadable, `receivedAt` (when
 * the callback arrived) stands in. Throws a VoicemailJobError when a field is malformed.
 */
export function voicemailJobFromRecordingCallback(
  params: Readonly<Record<string, string | undefined>>,
  about: { mailbox: string; email: string; caller: string; receivedAt: Date },
): VoicemailJobV1 | undefined {
  if (params.RecordingStatus !== 'completed') return undefined;
  const started = Date.parse(params.RecordingStartTime ?? '');
  const recordedAt = new Date(Number.isNaN(started) ? about.receivedAt.getTime() : started);
  const duration = params.RecordingDuration ?? '';
  const job: VoicemailJobV1 = {
    version: VOICEMAIL_JOB_VERSION,
    accountSid: params.AccountSid ?? '',
    callSid: params.CallSid ?? '',
    recordingSid: params.RecordingSid ?? '',
    mailbox: about.mailbox,
    email: about.email,
    caller: about.caller,
    recordedAt: recordedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    durationSeconds: /^\d{1,6}$/.test(duration) ? Number(duration) : Number.NaN,
  };
  return validateVoicemailJob(job);
}

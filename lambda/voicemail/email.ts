/**
 * The voicemail email: a text part saying who called whom, when and for how long, and the
 * MP3 attached byte for byte, as one MIME message that SES sends as it is (SESv2 SendEmail
 * with Raw content).
 *
 * Why Raw and not SESv2's Simple content with `Attachments`: attachments in Simple content
 * are recent, and the Lambda runtime provides the AWS SDK at a version it pins; an SDK that
 * predates the field would not send it, and the voicemail would arrive without its audio.
 * Raw content has been in SESv2 since its first release. The MIME is built by nodemailer's
 * MailComposer (a deep import: no transport, no SMTP), never by hand.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { VoicemailJob } from './job';

export interface EmailSettings {
  /** The SES-verified sender address. */
  from: string;
  /** IANA time zone the time is shown in (`Europe/London`); `UTC` by default. */
  timeZone: string;
  /** Whether the worker deletes the recording from Twilio after the email (says so in it). */
  deleteAfterEmail: boolean;
}

export interface VoicemailEmail {
  subject: string;
  text: string;
  filename: string;
  /** The complete RFC 5322 message, attachment included. */
  raw: Buffer;
}


/** 0:42, 2:00, 1:02:03. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Per time zone, the two formats timeParts reads; built once (the worker's zone is fixed at init). */
const formats = new Map<string, { long: Intl.DateTimeFormat; numeric: Intl.DateTimeFormat }>();

function formatsFor(timeZone: string): { long: Intl.DateTimeFormat; numeric: Intl.DateTimeFormat } {
  let found = formats.get(timeZone);
  if (!found) {
    found = {
      long: new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'long',
        year: 'numeric',
        month: 'long',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      }),
      numeric: new Intl.DateTimeFormat('en-GB', { timeZone, month: '2-digit', day: '2-digit' }),
    };
    formats.set(timeZone, found);
  }
  return found;
}

/** The fields of a time in a zone, from ICU; the layout is ours, so it is the same on every Node. */
function timeParts(at: Date, timeZone: string): Record<string, string> {
  const { long, numeric } = formatsFor(timeZone);
  const parts = Object.fromEntries(long.formatToParts(at).map((p) => [p.type, p.value]));
  const digits = Object.fromEntries(numeric.formatToParts(at).map((p) => [p.type, p.value]));
  return { ...parts, month2: digits.month, day2: digits.day };
}

/** "Tuesday 3 June 2025, 15:05:09 BST". */
function longTime(p: Record<string, string>): string {
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

/** "20250603-150509", for the attachment's name. */
function compactTime(p: Record<string, string>): string {
  return `${p.year}${p.month2}${p.day2}-${p.hour}${p.minute}${p.second}`;
}

/** The parts a person reads; pure, so tests can assert them exactly. */
export function voicemailContent(job: VoicemailJob, settings: EmailSettings): Omit<VoicemailEmail, 'raw'> {
  const received = timeParts(new Date(job.recordedAt), settings.timeZone);
  const duration = formatDuration(job.durationSeconds);
  // Callers and mailboxes are E.164 numbers or usernames (job.ts): safe in a file name.
  const filename = `voicemail-${compactTime(received)}-${job.caller.replace(/^\+/, '')}.mp3`;
  const afterwards = settings.deleteAfterEmail
    ? 'The recording is deleted from Twilio once this email is sent: this attachment is the only copy.'
    : 'The recording also stays in your Twilio account.';
  const text = [
    `New voicemail for ${job.mailbox}.`,
    '',
    `From:     ${job.caller}`,
    `Received: ${longTime(received)} (${job.recordedAt})`,
    `Duration: ${duration} (${job.durationSeconds} seconds)`,
    '',
    `The recording is attached: ${filename}.`,
    afterwards,
    '',
    `Call ${job.callSid}, recording ${job.recordingSid}.`,
    '',
  ].join('\n');
  return { subject: `Voicemail from ${job.caller} for ${job.mailbox} (${duration})`, text, filename };
}

/** The complete message, ready for SES. */
export async function composeVoicemailEmail(job: VoicemailJob, audio: Buffer, settings: EmailSettings): Promise<VoicemailEmail> {
  const content = voicemailContent(job, settings);
  const composer = new MailComposer({
    from: { name: 'sipline voicemail', address: settings.from },
    to: job.email,
    subject: content.subject,
    text: content.text,
    attachments: [{ filename: content.filename, content: audio, contentType: 'audio/mpeg' }],
    // Lets the recipient's mail tools (and anyone reading a duplicate after a retry) tell
    // which recording an email carries.
    headers: { 'X-Sipline-Recording-Sid': job.recordingSid },
    // Everything is in memory: never read a file or a URL, whatever a value looks like.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return { ...content, raw };
}

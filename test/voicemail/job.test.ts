/** The voicemail job schema: what the router may enqueue and what the worker accepts. */
import { parseVoicemailJob, voicemailJobFromRecordingCallback, voicemailJobMessage, VoicemailJobError } from '../../lambda/voicemail/job';
import { recordingCallbackParams } from '../../scripts/simulatedCall';
import { ACCOUNT_SID, CALL_SID, job, RECORDING_SID } from './fixtures';

/**
 * Every parameter Twilio posts to a <Record recordingStatusCallback> URL when the recording is
 * completed, as the simulated call sends them (scripts/simulatedCall.ts), for this test's sids.
 */
function recordingCallback(overrides: Record<string, string> = {}): Record<string, string> {
  const call = { AccountSid: ACCOUNT_SID, CallSid: CALL_SID };
  return { ...recordingCallbackParams(call, { recordingSid: RECORDING_SID, seconds: 42, startedAt: new Date('2025-06-03T14:05:09Z') }), ...overrides };
}

const about = { mailbox: 'alice', email: 'alice@acme.example', caller: '+14155551234', receivedAt: new Date('2025-06-03T14:07:00Z') };

describe('a voicemail job message', () => {
  it('round-trips: what the router builds is what the worker reads, fields in schema order', () => {
    const { version: _v, ...fields } = job();
    expect(voicemailJobMessage(fields)).toBe(voicemailJobMessage(job()));
    const message = voicemailJobMessage(fields);
    expect(JSON.parse(message)).toEqual(job());
    expect(Object.keys(JSON.parse(message))).toEqual(['version', 'accountSid', 'callSid', 'recordingSid', 'mailbox', 'email', 'caller', 'recordedAt', 'durationSeconds']);
    expect(parseVoicemailJob(message)).toEqual(job());
  });

  it('is refused by the router itself when a field is bad, naming every bad field', () => {
    expect(() => voicemailJobMessage(job({ email: 'Alice <alice@acme.example>', caller: 'alice smith', durationSeconds: 4.5 }))).toThrow(
      'invalid voicemail job: email: "Alice <alice@acme.example>" is not a plain ASCII email address; caller: "alice smith" is not a phone number or SIP username; durationSeconds: 4.5 is not a whole number of seconds from 0 to 14400',
    );
  });

  it.each([
    [{ ...job(), recordingUrl: 'https://evil.example/x.mp3' }, 'recordingUrl: is not a field of a voicemail job'],
    [{ ...job(), mediaHost: 'evil.example' }, 'mediaHost: is not a field of a voicemail job'],
    [job({ accountSid: 'AC123' }), 'accountSid: "AC123" is not an account sid (AC followed by 32 hex digits)'],
    [job({ recordingSid: `RE${'0'.repeat(32)}.mp3?x=` }), 'recordingSid: '],
    [job({ recordingSid: `CA${'0'.repeat(32)}` }), 'is not a recording sid (RE followed by 32 hex digits)'],
    [job({ callSid: `CA${'0'.repeat(31)}g` }), 'callSid: '],
    [job({ mailbox: 'alice@acme' }), 'mailbox: "alice@acme" is not a directory username'],
    [job({ email: 'alice@acme.example\r\nBcc: eve@evil.example' }), 'email: '],
    [job({ caller: '+1415\r\nSubject: x' }), 'caller: '],
    [job({ recordedAt: '2025-06-03 14:05:09' }), 'recordedAt: "2025-06-03 14:05:09" is not an ISO 8601 UTC time'],
    [job({ recordedAt: '2025-13-45T99:00:00Z' }), 'recordedAt: '],
    [job({ durationSeconds: -1 }), 'durationSeconds: -1 is not a whole number'],
    [job({ version: 2 as 1 }), 'version: 2 is not a job version this worker reads (1)'],
  ])('refuses %j', (value, reason) => {
    expect(() => parseVoicemailJob(JSON.stringify(value))).toThrow(VoicemailJobError);
    expect(() => parseVoicemailJob(JSON.stringify(value))).toThrow(reason);
  });

  it('refuses a job with missing fields, naming them', () => {
    const { email: _e, caller: _c, ...rest } = job();
    expect(() => parseVoicemailJob(JSON.stringify(rest))).toThrow('email: is missing; caller: is missing');
  });

  it.each(['', 'null', '[]', '"job"', '{'])('refuses a body that is no job object: %j', (body) => {
    expect(() => parseVoicemailJob(body)).toThrow(VoicemailJobError);
  });

  it('keeps a refused value short in the error (a forged job may carry anything)', () => {
    const error = (() => {
      try {
        parseVoicemailJob(JSON.stringify(job({ caller: 'x'.repeat(5000) })));
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error.length).toBeLessThan(200);
  });

  it('accepts E.164 and alphanumeric mailboxes and callers, and withheld numbers as Twilio sends them', () => {
    for (const caller of ['+14155551234', 'bob', 'anonymous', 'Restricted', '+266696687']) {
      expect(parseVoicemailJob(JSON.stringify(job({ caller, mailbox: '+14155550100' }))).caller).toBe(caller);
    }
  });
});

describe("a job from Twilio's recording status callback", () => {
  it('takes the sids, the duration and the start time (RFC 2822 → ISO 8601 UTC) from the callback, and ignores its URL', () => {
    expect(voicemailJobFromRecordingCallback(recordingCallback({ RecordingUrl: 'https://evil.example/x' }), about)).toEqual(job());
  });

  it("makes the message the worker reads", () => {
    const fromCallback = voicemailJobFromRecordingCallback(recordingCallback(), about);
    expect(parseVoicemailJob(voicemailJobMessage(fromCallback!))).toEqual(job());
  });

  it('converts a start time given with another offset to UTC', () => {
    expect(voicemailJobFromRecordingCallback(recordingCallback({ RecordingStartTime: 'Tue, 03 Jun 2025 16:05:09 +0200' }), about)?.recordedAt).toBe('2025-06-03T14:05:09Z');
  });

  it('uses the time the callback arrived when the start time is missing or unreadable', () => {
    expect(voicemailJobFromRecordingCallback(recordingCallback({ RecordingStartTime: 'soon' }), about)?.recordedAt).toBe('2025-06-03T14:07:00Z');
  });

  it.each(['absent', 'failed', 'in-progress'])('makes no job for a %s recording (no audio to email)', (RecordingStatus) => {
    expect(voicemailJobFromRecordingCallback(recordingCallback({ RecordingStatus }), about)).toBeUndefined();
  });

  it('refuses a callback whose sids or duration are malformed', () => {
    expect(() => voicemailJobFromRecordingCallback(recordingCallback({ RecordingSid: 'RE../../x', RecordingDuration: 'forty' }), about)).toThrow(
      /recordingSid: "RE\.\.\/\.\.\/x" is not a recording sid.*durationSeconds: null is not a whole number/,
    );
  });
});

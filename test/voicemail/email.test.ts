/** The voicemail email as a message: what SES's Raw content requires, read back by a real parser. */
import { simpleParser } from 'mailparser';
import { composeVoicemailEmail, formatDuration, voicemailContent } from '../../lambda/voicemail/email';
import { job, mp3Bytes } from './fixtures';

const settings = { from: 'voicemail@acme.example', timeZone: 'UTC', deleteAfterEmail: true };

describe('the voicemail email', () => {
  it("meets SES's Raw message rules: headers, a blank line, 7-bit ASCII, no line over 1,000 characters", async () => {
    const { raw } = await composeVoicemailEmail(job(), mp3Bytes(), settings);
    const text = raw.toString('latin1');
    expect([...raw].every((byte) => byte < 0x80)).toBe(true);
    expect(text.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    const [head] = text.split('\r\n\r\n');
    for (const header of ['From', 'To', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'Content-Type']) {
      expect(head).toMatch(new RegExp(`^${header}: `, 'mi'));
    }
    expect(head).toMatch(/^Content-Type: multipart\/mixed; boundary=/im);
  });

  it('carries a text part and the MP3, byte for byte, whatever bytes the MP3 holds', async () => {
    for (const size of [0, 1, 57, 4096, 300 * 1024]) {
      const audio = mp3Bytes(size);
      const mail = await simpleParser((await composeVoicemailEmail(job(), audio, settings)).raw);
      expect(mail.text).toContain('New voicemail for alice.');
      expect(mail.attachments).toHaveLength(1);
      expect(Buffer.compare(mail.attachments[0].content, audio)).toBe(0);
    }
  });

  it('names the time zone it shows, and lays the time out the same on every Node', () => {
    const at = (timeZone: string) => voicemailContent(job({ recordedAt: '2025-12-24T23:30:00Z' }), { ...settings, timeZone });
    expect(at('UTC').text).toContain('Received: Wednesday 24 December 2025, 23:30:00 UTC (2025-12-24T23:30:00Z)');
    expect(at('America/New_York').text).toContain('Received: Wednesday 24 December 2025, 18:30:00 GMT-5 (2025-12-24T23:30:00Z)');
    expect(at('Asia/Tokyo').text).toContain('Received: Thursday 25 December 2025, 08:30:00 GMT+9 (2025-12-24T23:30:00Z)');
    expect(at('Asia/Tokyo').filename).toBe('voicemail-20251225-083000-14155551234.mp3');
  });

  it.each([
    [0, '0:00'],
    [9, '0:09'],
    [42, '0:42'],
    [120, '2:00'],
    [3723, '1:02:03'],
  ])('shows %i seconds as %s', (seconds, shown) => {
    expect(formatDuration(seconds)).toBe(shown);
  });
});

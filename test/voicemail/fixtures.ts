/**
 * Voicemail fixtures: sids, a job, the MP3, and SQS events exactly as the Lambda event source
 * mapping delivers them (AWS Lambda developer guide, "Using Lambda with Amazon SQS": example
 * standard queue message event).
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { voicemailJobMessage, type VoicemailJobV1 } from '../../lambda/voicemail/job';
import { WORKER_TIMEOUT_SECONDS } from '../../lambda/voicemail/queue';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const OTHER_ACCOUNT_SID = 'ACfedcba9876543210fedcba9876543210';
export const CALL_SID = 'CA5f8e2a7c9b1d3e4f6a8b0c2d4e6f8a0b';
export const RECORDING_SID = 'RE3c1b9f7e5d4c2b0a9f8e7d6c5b4a3f2e';
export const API_KEY_SID = 'SK8a6b4c2d0e1f3a5b7c9d1e3f5a7b9c1d';
/** Never to be seen in a log line, an email or the bundle. */
export const API_KEY_SECRET = 'Zq4Xv8Nw2Lp6Rt0Ys3Ku7Hm1Jb5Gc9Fd';
export const API_KEY_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sipline-dev-voicemail-twilio-key-AbCdEf';
export const FROM_ADDRESS = 'voicemail@acme.example';
export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:sipline-dev-voicemail';

export const API_KEY_SECRET_STRING = JSON.stringify({ accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET });

/**
 * Bytes shaped like an MP3 (an ID3v2 tag, then MPEG-1 Layer III frame headers) that also hold
 * every byte value, bare CR and LF, CRLF.CRLF (the SMTP end of data) and a MIME-boundary-like
 * line: anything that a text transformation anywhere in the chain would damage.
 */
export function mp3Bytes(size = 48 * 1024): Buffer {
  const header = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const tricky = Buffer.concat([
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from('\r\n.\r\n\n\r--boundary--\r\n=?utf-8?Q?x?=\r\n'),
  ]);
  const body = Buffer.alloc(size);
  let seed = 0x2545f491;
  for (let i = 0; i < size; i++) {
    if (i % 417 === 0) {
      body[i] = 0xff; // frame sync
      continue;
    }
    seed = (seed * 1103515245 + 12345) >>> 0;
    body[i] = seed >>> 24;
  }
  return Buffer.concat([header, Buffer.from([0xff, 0xfb, 0x90, 0x64]), tricky, body]);
}

export function job(overrides: Partial<VoicemailJobV1> = {}): VoicemailJobV1 {
  return {
    version: 1,
    accountSid: ACCOUNT_SID,
    callSid: CALL_SID,
    recordingSid: RECORDING_SID,
    mailbox: 'alice',
    email: 'alice@acme.example',
    caller: '+14155551234',
    recordedAt: '2025-06-03T14:05:09Z',
    durationSeconds: 42,
    ...overrides,
  };
}

/** The SQS message body the router enqueues for a job. */
export function jobMessage(overrides: Partial<VoicemailJobV1> = {}): string {
  return voicemailJobMessage(job(overrides));
}

/** One record, as Lambda delivers it: every attribute, string-typed as in the real event. */
export function sqsRecord(body: string, options: { messageId?: string; receiveCount?: number; sentAt?: number; firstReceivedAt?: number } = {}): SQSRecord {
  const sentAt = options.sentAt ?? Date.parse('2025-06-03T14:07:12Z');
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `AQEB${createHash('sha256').update(randomUUID()).digest('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(sentAt),
      SenderId: 'AROAEXAMPLEROUTERROLE:sipline-dev-router-function',
      ApproximateFirstReceiveTimestamp: String(options.firstReceivedAt ?? sentAt + 12),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';

/**
 * A Lambda context with what the worker reads of it: the request id, and the time left before
 * Lambda's timeout, `remainingMs` from now (the worker's whole timeout, by default), counting down.
 */
export function lambdaContext(remainingMs: number = WORKER_TIMEOUT_SECONDS * 1000): Context {
  const end = Date.now() + remainingMs;
  return { awsRequestId: REQUEST_ID, functionName: 'sipline-dev-voicemail', getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) } as Partial<Context> as Context;
}

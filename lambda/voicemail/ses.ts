/**
 * Sends a raw MIME message with Amazon SES API v2 (SendEmail, `Content.Raw`). The client is
 * the AWS SDK v3 the Lambda runtime provides (external to the bundle).
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { SendRawEmail } from './worker';

/**
 * A send is aborted after `timeLimitMs` (the worker's `email` budget, lambda/voicemail/queue.ts)
 * whatever the client is doing, so the worker knows the longest a send it starts can take. The
 * abort is the bound: the client's own timeouts depend on the SDK's version (`requestTimeout`
 * only warns, without throwOnRequestTimeout, in the SDK this project locks).
 */
export function sesSender(timeLimitMs: number, client: SESv2Client = defaultClient()): SendRawEmail {
  return async ({ from, to, raw }) => {
    const signal = AbortSignal.timeout(timeLimitMs);
    try {
      const result = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          // Stated explicitly rather than left to SES to read from the message's headers.
          Destination: { ToAddresses: [to] },
          Content: { Raw: { Data: raw } },
        }),
        { abortSignal: signal },
      );
      return result.MessageId ?? '';
    } catch (err) {
      if (signal.aborted) throw new Error(`SES did not answer within ${timeLimitMs / 1000} s (the send was aborted; SES may still have accepted it)`);
      throw err;
    }
  };
}

/** 2 attempts (the SDK retries throttling and transient errors once) of 2 s to connect and 15 s to answer. */
function defaultClient(): SESv2Client {
  return new SESv2Client({ maxAttempts: 2, requestHandler: { connectionTimeout: 2000, requestTimeout: 15_000, throwOnRequestTimeout: true } });
}

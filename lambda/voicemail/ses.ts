/**
 * Sends a raw MIME message with Amazon SES API v2 (SendEmail, `Content.Raw`). The client is
 * the AWS SDK v3 the Lambda runtime provides (external to the bundle).
 */
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { SendRawEmail } from './worker';

export function sesSender(client: SESv2Client = defaultClient()): SendRawEmail {
  return async ({ from, to, raw }) => {
    const result = await client.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        // Stated explicitly rather than left to SES to read from the message's headers.
        Destination: { ToAddresses: [to] },
        Content: { Raw: { Data: raw } },
      }),
    );
    return result.MessageId ?? '';
  };
}

/**
 * Bounded: 2 attempts (the SDK retries throttling and transient errors once) of 15 s each, so
 * a send fits the worker's timeout (lambda/voicemail/queue.ts) next to the fetch and the delete.
 */
function defaultClient(): SESv2Client {
  return new SESv2Client({ maxAttempts: 2, requestHandler: { connectionTimeout: 2000, requestTimeout: 15_000, throwOnRequestTimeout: true } });
}

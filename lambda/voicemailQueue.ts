/**
 * Where the router puts a voicemail job (lambda/voicemail/job.ts) for the voicemail worker: an
 * SQS queue in AWS, a folder of JSON files on a developer's machine (`npm start`). The handler
 * depends only on the interface.
 */
import * as path from 'node:path';
import { BOUNDED_AWS_CLIENT } from './authToken';
import { writeFileAtomically } from './files';
import type { VoicemailJob } from './voicemail/job';

export interface VoicemailQueue {
  /** Where jobs go, for log lines: `sqs` or `local`. */
  readonly kind: 'sqs' | 'local';
  /** Queues one job message (`body`, as voicemailJobMessage wrote it); resolves with its id (an SQS message id, a file). */
  send(job: VoicemailJob, body: string): Promise<string>;
}

/**
 * The SQS queue at `queueUrl` (VOICEMAIL_QUEUE_URL). The client comes from the Lambda
 * runtime's AWS SDK (not bundled), loaded on the first voicemail, and is bounded like the
 * auth token's (lambda/authToken.ts BOUNDED_AWS_CLIENT): two attempts of at most 1 s to
 * connect and 2 s to answer, well inside the Lambda's 10 s and Twilio's 15 s for the callback.
 */
export function sqsVoicemailQueue(queueUrl: string): VoicemailQueue {
  let client: import('@aws-sdk/client-sqs').SQSClient | undefined;
  return {
    kind: 'sqs',
    async send(_job, body) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SQSClient, SendMessageCommand } = require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
      client ??= new SQSClient(BOUNDED_AWS_CLIENT);
      const sent = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      return sent.MessageId ?? '(no message id)';
    },
  };
}

/**
 * A folder standing in for the queue (VOICEMAIL_SPOOL_DIR, set by `npm start` to
 * dist/local/<port>/voicemail/): one `<RecordingSid>.json` per job, the message exactly as SQS
 * would carry it, so a developer sees what would be emailed.
 */
export function spoolVoicemailQueue(dir: string): VoicemailQueue {
  return {
    kind: 'local',
    async send(job, body) {
      const file = path.join(dir, `${job.recordingSid}.json`);
      writeFileAtomically(file, `${body}\n`);
      return file;
    },
  };
}

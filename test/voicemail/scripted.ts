/**
 * Scripted services on loopback, each speaking the real wire protocol, recording every
 * request, and answering as the real service documents it:
 *
 * - Twilio's REST API (v2010): HTTP Basic auth with an API key sid and secret (401 with
 *   Twilio's error 20003 otherwise); GET …/Recordings/{Sid}.mp3 → 200 audio/mpeg; GET
 *   …/Recordings/{Sid}.json → 200 the Recording resource; DELETE …/Recordings/{Sid}.json → 204,
 *   and the recording is gone; what the account does not have, 404 with error 20404.
 * - Amazon SES API v2 (REST-JSON): POST /v2/email/outbound-emails, a SigV4-signed JSON body;
 *   200 {"MessageId"} or an error named by the x-amzn-ErrorType header.
 * - AWS Secrets Manager (JSON 1.1): POST / with X-Amz-Target secretsmanager.GetSecretValue.
 *
 * The worker reaches them as in AWS, through the real SDK clients: AWS_ENDPOINT_URL_SESV2 and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER point the SDK here, TWILIO_API_BASE_URL the worker.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rfc2822 } from '../../scripts/simulatedCall';
import { ACCOUNT_SID, API_KEY_SECRET, API_KEY_SECRET_STRING, API_KEY_SID, CALL_SID, mp3Bytes, RECORDING_SID } from './fixtures';

export interface SeenRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answers this late, in milliseconds; Infinity: never (the connection stays open, silent). */
  delayMs?: number;
  /**
   * Sends the status, the headers (Content-Length that of the whole body) and the body's first
   * byte, then nothing more: the connection stays open, the body never completes.
   */
  stallBody?: boolean;
}

/** A service that has stopped answering: the request is read, nothing ever comes back. */
export const NO_ANSWER: Reply = { status: 504, delayMs: Infinity };

/** `reply`, but its body stalls after the first byte (see Reply.stallBody). */
export const stalledBody = (reply: Reply): Reply => ({ ...reply, stallBody: true });

/** A loopback HTTP server that answers each request with `answer` and records it. */
export class ScriptedHttp {
  readonly seen: SeenRequest[] = [];
  private readonly late = new Set<ReturnType<typeof setTimeout>>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      this.seen.push(request);
      const reply = this.answer(request, this.seen.length);
      const send = () => {
        if (res.destroyed) return; // the client gave up
        const body = Buffer.from(reply.body ?? '');
        if (reply.stallBody) {
          res.writeHead(reply.status, { ...reply.headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, 1));
          return;
        }
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(body);
      };
      if (reply.delayMs === undefined) return send();
      if (reply.delayMs === Infinity) return;
      const timer = setTimeout(() => {
        this.late.delete(timer);
        send();
      }, reply.delayMs);
      this.late.add(timer);
    });
  });
  url = '';

  constructor(public answer: (request: SeenRequest, count: number) => Reply) {}

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    for (const timer of this.late) clearTimeout(timer);
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

// ---- Twilio ----------------------------------------------------------------------------

export const RECORDING_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${RECORDING_SID}`;

export interface TwilioScript {
  /** RECORDING_SID's audio; undefined: the account has no such recording. */
  mp3?: Buffer;
  /** More recordings of the account: sid to audio. */
  recordings?: Record<string, Buffer>;
  /** Overrides the answer to the media GET (after the auth check). */
  media?: (request: SeenRequest) => Reply;
  /** Overrides the DELETE's status (the recording then stays). */
  deleteStatus?: number;
}

/** Twilio's error body (code, message, more_info, status). */
export function twilioError(status: number, code: number, message: string): Reply {
  return json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

const RECORDING_URL = new RegExp(`^/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/(RE[0-9a-f]{32})\\.(mp3|json)$`);

/**
 * Twilio's recordings of one account, as its REST API keeps them: a DELETE removes the recording
 * (its media and its resource 404 from then on), and its metadata stays 40 days, fetched only with
 * `IncludeSoftDeleted=true`, with status `deleted` (the v2010 spec's Recording fetch parameter).
 */
export class ScriptedTwilio extends ScriptedHttp {
  /** The recordings the account has: sid to audio. */
  readonly recordings: Map<string, Buffer>;
  /** The recordings deleted since the start: sid to when. */
  readonly deleted = new Map<string, Date>();

  constructor(private readonly script: TwilioScript = { mp3: mp3Bytes() }) {
    super(() => ({ status: 500 }));
    this.answer = (req) => this.serve(req);
    this.recordings = new Map(Object.entries({ ...(script.mp3 ? { [RECORDING_SID]: script.mp3 } : {}), ...script.recordings }));
  }

  private serve(req: SeenRequest): Reply {
    const expectedAuth = `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`;
    if (req.headers.authorization !== expectedAuth) return twilioError(401, 20003, 'Authenticate');
    const url = new URL(req.url, 'http://twilio');
    const [, sid, extension] = RECORDING_URL.exec(url.pathname) ?? [];
    const notFound = twilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (!sid) return notFound;
    const audio = this.recordings.get(sid);
    if (req.method === 'GET' && extension === 'mp3') {
      if (this.script.media) return this.script.media(req);
      return audio ? { status: 200, headers: { 'content-type': 'audio/mpeg', 'content-length': String(audio.length) }, body: audio } : notFound;
    }
    if (req.method === 'GET' && extension === 'json') {
      const deletedAt = this.deleted.get(sid);
      if (audio) return json(200, this.resource(sid, 'completed'));
      if (deletedAt && url.searchParams.get('IncludeSoftDeleted') === 'true') return json(200, this.resource(sid, 'deleted', deletedAt));
      return notFound;
    }
    if (req.method === 'DELETE' && extension === 'json') {
      if (this.script.deleteStatus && this.script.deleteStatus !== 204) return twilioError(this.script.deleteStatus, this.script.deleteStatus === 404 ? 20404 : 20500, 'Internal Server Error');
      if (!audio) return notFound;
      this.recordings.delete(sid);
      this.deleted.set(sid, new Date());
      return { status: 204 };
    }
    return twilioError(405, 20004, 'Method not allowed');
  }

  /** The Recording resource as the v2010 spec's fetch example shows it. */
  private resource(sid: string, status: 'completed' | 'deleted', updated = new Date('2025-06-03T14:05:52Z')): Record<string, unknown> {
    const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${sid}`;
    return {
      account_sid: ACCOUNT_SID,
      api_version: '2010-04-01',
      call_sid: CALL_SID,
      conference_sid: null,
      channels: 1,
      date_created: 'Tue, 03 Jun 2025 14:05:09 +0000',
      date_updated: rfc2822(updated),
      start_time: 'Tue, 03 Jun 2025 14:05:09 +0000',
      price: '-0.00250',
      price_unit: 'USD',
      duration: '42',
      sid,
      source: 'RecordVerb',
      status,
      error_code: null,
      uri: `${path}.json`,
      subresource_uris: { add_on_results: `${path}/AddOnResults.json`, transcriptions: `${path}/Transcriptions.json` },
      encryption_details: null,
      media_url: `https://api.twilio.com${path}`,
    };
  }
}

export function scriptedTwilio(script?: TwilioScript): ScriptedTwilio {
  return new ScriptedTwilio(script);
}

// ---- SES -------------------------------------------------------------------------------

export interface SesSendRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  Content?: { Raw?: { Data?: string } };
}

/** SES accepts (200 with a MessageId) unless `reply` says otherwise for the nth request. */
export function scriptedSes(reply: (count: number) => Reply | undefined = () => undefined): ScriptedHttp {
  return new ScriptedHttp((req, count) => {
    if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails') return sesError(404, 'NotFoundException', `unscripted ${req.method} ${req.url}`);
    return reply(count) ?? json(200, { MessageId: `0100018f${String(count).padStart(8, '0')}-example-000000` });
  });
}

/** An SES API v2 error as REST-JSON sends it: the type in x-amzn-ErrorType, the message in the body. */
export function sesError(status: number, type: string, message: string): Reply {
  return json(status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` });
}

/** The JSON body of an SES request and its raw MIME message, decoded. */
export function sesRequest(request: SeenRequest): { body: SesSendRequest; raw: Buffer } {
  const body = JSON.parse(request.body.toString('utf8')) as SesSendRequest;
  return { body, raw: Buffer.from(body.Content?.Raw?.Data ?? '', 'base64') };
}

// ---- Secrets Manager -------------------------------------------------------------------

/** A Secrets Manager error as JSON 1.1 sends it: the type in `__type`. */
export function secretsManagerError(status: number, type: string, message: string): Reply {
  return json(status, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1' });
}

/**
 * Answers GetSecretValue with `secretString` for whatever secret is asked for, unless `reply`
 * says otherwise for the nth request.
 */
export function scriptedSecretsManager(secretString: string = API_KEY_SECRET_STRING, reply: (count: number) => Reply | undefined = () => undefined): ScriptedHttp {
  return new ScriptedHttp((req, count) => {
    const { SecretId } = JSON.parse(req.body.toString('utf8') || '{}') as { SecretId?: string };
    if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return secretsManagerError(400, 'UnknownOperationException', 'unscripted');
    const name = SecretId?.split(':').pop()?.replace(/-[A-Za-z0-9]{6}$/, '');
    return reply(count) ?? json(200, { ARN: SecretId, Name: name, SecretString: secretString }, { 'content-type': 'application/x-amz-json-1.1' });
  });
}

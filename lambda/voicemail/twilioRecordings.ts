/**
 * Twilio's recording media and deletion, over plain authenticated HTTPS.
 *
 * Every URL is built here from an account sid and a recording sid that the job schema has
 * already checked (lambda/voicemail/job.ts), on api.twilio.com, never taken from a message:
 *
 *   GET    /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.mp3   the audio, audio/mpeg
 *   GET    /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json?IncludeSoftDeleted=true
 *                                                                   the Recording resource, when the audio 404s
 *   DELETE /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}.json  204 No Content
 *
 * (paths, parameters and status codes as in Twilio's v2010 OpenAPI spec, and its docs for the
 * media file). A deleted recording's audio and resource 404; its metadata is kept 40 days and
 * fetched with IncludeSoftDeleted=true, status `deleted` (the spec's Recording fetch parameter).
 * Requests carry the API key as HTTP Basic auth. Twilio may answer the media request with a
 * redirect to its media store: it is followed, but the key goes only to the API's own origin.
 *
 * Time: a fetch has one limit for all it does (every redirect hop, the download, the lookup
 * after a 404), not one per request, which would add up; a delete has its own. A caller's
 * signal ends either sooner (the invocation's deadline, lambda/voicemail/worker.ts), and then
 * the call rejects with that signal's reason.
 *
 * Why not the twilio SDK's REST client, which the project prefers for REST: it cannot fetch
 * media (its request client decodes bodies as text), so the worker needs this HTTPS call
 * anyway, and the one DELETE beside it does not earn the SDK's bundle and cold-start cost
 * (measured: see the README's voicemail section).
 */

export const TWILIO_API_BASE = 'https://api.twilio.com';
/** Far above a voicemail (2 minutes of Twilio's MP3 is under 1 MB), far below SES's limits. */
export const MAX_RECORDING_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 3;

/** How long a fetch (all of it) and a delete may take, in milliseconds. */
export interface RecordingTimeLimits {
  fetch: number;
  delete: number;
}

export interface CallOptions {
  /** Ends the call sooner; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RecordingRef {
  accountSid: string;
  recordingSid: string;
}

export interface Credentials {
  apiKeySid: string;
  apiKeySecret: string;
}

/**
 * A recording's audio, or word that Twilio no longer has the recording: its audio 404s and
 * Twilio says it was deleted (when, its metadata's date_updated) or knows nothing of it.
 */
export type FetchedRecording = { found: true; audio: Buffer } | { found: false; deletedAt?: string };

export class TwilioRequestError extends Error {
  override name = 'TwilioRequestError';
  constructor(
    message: string,
    /** The HTTP status, when Twilio answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * TWILIO_API_BASE_URL (tests only: a scripted Twilio on loopback) replaces the scheme and
 * host, and may add a path prefix, as infra/provider/client.ts allows for the provider.
 */
export function apiBaseUrl(override: string | undefined): string {
  if (!override) return TWILIO_API_BASE;
  let url: URL;
  try {
    url = new URL(override);
  } catch {
    throw new Error(`TWILIO_API_BASE_URL "${override}" is not a URL (expected e.g. https://api.twilio.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`TWILIO_API_BASE_URL "${override}" must be an http(s) URL`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function recordingUrl(base: string, ref: RecordingRef, extension: 'mp3' | 'json', query = ''): string {
  // The sids were validated against ^AC/^RE + 32 hex digits; encoding is belt and braces.
  return `${base}/2010-04-01/Accounts/${encodeURIComponent(ref.accountSid)}/Recordings/${encodeURIComponent(ref.recordingSid)}.${extension}${query}`;
}

/** Twilio's RFC 2822 date as ISO 8601, or undefined when it is not a date. */
function isoDate(value: unknown): string | undefined {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function basicAuth(key: Credentials): string {
  return `Basic ${Buffer.from(`${key.apiKeySid}:${key.apiKeySecret}`).toString('base64')}`;
}

/** Twilio's error body is JSON with `code` and `message`; the code is enough to look it up. */
async function twilioErrorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'number' ? `, Twilio error ${body.code}` : '';
  } catch {
    return '';
  }
}

/** Why a request failed; `limit` is what a TimeoutError means. */
function describeFailure(err: unknown, limit: string): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e.name === 'TimeoutError') return limit;
  return e.cause?.code ?? e.message;
}

/** `limitMs` from now, or the caller's signal, whichever ends first. */
function timeLimit(limitMs: number, options: CallOptions): AbortSignal {
  const timeout = AbortSignal.timeout(limitMs);
  return options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
}

/** Runs a call; when the caller's signal ended it, rejects with the signal's reason instead. */
async function endedBy<T>(options: CallOptions, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw err;
  }
}

export class TwilioRecordings {
  private readonly base: string;
  private readonly origin: string;
  private readonly protocol: string;

  constructor(
    baseUrl: string,
    private readonly limits: RecordingTimeLimits,
  ) {
    this.base = baseUrl;
    ({ origin: this.origin, protocol: this.protocol } = new URL(baseUrl));
  }

  /**
   * The recording's MP3, byte for byte, or `found: false` when Twilio no longer has the
   * recording. Throws a TwilioRequestError when it cannot be had for now.
   */
  fetchMp3(ref: RecordingRef, key: Credentials, options: CallOptions = {}): Promise<FetchedRecording> {
    const signal = timeLimit(this.limits.fetch, options);
    return endedBy(options, () => this.fetchMp3Within(ref, key, signal));
  }

  private async fetchMp3Within(ref: RecordingRef, key: Credentials, signal: AbortSignal): Promise<FetchedRecording> {
    const limit = `no audio within ${this.limits.fetch / 1000} s (redirects and download together)`;
    let url = recordingUrl(this.base, ref, 'mp3');
    for (let hop = 0; ; hop++) {
      const sameOrigin = new URL(url).origin === this.origin;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { accept: 'audio/mpeg', ...(sameOrigin ? { authorization: basicAuth(key) } : {}) },
          redirect: 'manual',
          signal,
        });
      } catch (err) {
        throw new TwilioRequestError(`fetching recording ${ref.recordingSid} failed: ${describeFailure(err, limit)}`);
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, url);
        if (hop >= MAX_REDIRECTS) throw new TwilioRequestError(`fetching recording ${ref.recordingSid}: more than ${MAX_REDIRECTS} redirects`, response.status);
        // https only (plain http is allowed only when the API base itself is, in tests).
        if (next.protocol !== 'https:' && next.protocol !== this.protocol) {
          throw new TwilioRequestError(`fetching recording ${ref.recordingSid}: refused a redirect to ${next.protocol} (https only)`, response.status);
        }
        url = next.toString();
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return this.lookUpMissing(ref, key, signal, limit);
      }
      if (response.status !== 200) {
        throw new TwilioRequestError(`Twilio answered HTTP ${response.status} for recording ${ref.recordingSid}'s audio${await twilioErrorCode(response)}`, response.status);
      }
      const type = response.headers.get('content-type') ?? '';
      if (!/^audio\/(mpeg|mp3)\b/i.test(type)) {
        await response.body?.cancel();
        throw new TwilioRequestError(`Twilio sent ${JSON.stringify(type)} for recording ${ref.recordingSid}, not audio/mpeg`, response.status);
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > MAX_RECORDING_BYTES) {
        await response.body?.cancel();
        throw new TwilioRequestError(`recording ${ref.recordingSid} is ${declared} bytes, more than the ${MAX_RECORDING_BYTES} a voicemail email carries`, response.status);
      }
      let audio: Buffer;
      try {
        audio = Buffer.from(await response.arrayBuffer());
      } catch (err) {
        throw new TwilioRequestError(`reading recording ${ref.recordingSid} failed: ${describeFailure(err, limit)}`, response.status);
      }
      if (audio.length === 0 || audio.length > MAX_RECORDING_BYTES) {
        throw new TwilioRequestError(`recording ${ref.recordingSid} has ${audio.length} bytes`, response.status);
      }
      return { found: true, audio };
    }
  }

  /**
   * The audio 404'd: asks Twilio whether the recording still exists. Deleted (by an earlier
   * job after its email, or by hand) or unknown: `found: false`. Still there: the audio is only
   * missing for now (a TwilioRequestError, so the job is retried).
   */
  private async lookUpMissing(ref: RecordingRef, key: Credentials, signal: AbortSignal, limit: string): Promise<FetchedRecording> {
    let response: Response;
    try {
      response = await fetch(recordingUrl(this.base, ref, 'json', '?IncludeSoftDeleted=true'), {
        headers: { accept: 'application/json', authorization: basicAuth(key) },
        redirect: 'error',
        signal,
      });
    } catch (err) {
      throw new TwilioRequestError(`recording ${ref.recordingSid}'s audio was not found, and looking the recording up failed: ${describeFailure(err, limit)}`, 404);
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return { found: false };
    }
    if (response.status !== 200) {
      throw new TwilioRequestError(`recording ${ref.recordingSid}'s audio was not found, and Twilio answered HTTP ${response.status} to looking the recording up${await twilioErrorCode(response)}`, response.status);
    }
    let recording: { status?: unknown; date_updated?: unknown };
    try {
      recording = (await response.json()) as typeof recording;
    } catch (err) {
      throw new TwilioRequestError(`recording ${ref.recordingSid}'s audio was not found, and its resource could not be read: ${describeFailure(err, limit)}`, response.status);
    }
    if (recording.status === 'deleted') {
      const deletedAt = isoDate(recording.date_updated);
      return { found: false, ...(deletedAt ? { deletedAt } : {}) };
    }
    throw new TwilioRequestError(`Twilio answered HTTP 404 for recording ${ref.recordingSid}'s audio, though the recording is ${JSON.stringify(recording.status)}`, 404);
  }

  /**
   * Deletes the recording. 204 is success, and so is 404: the recording is already gone
   * (deleted by an earlier attempt whose answer was lost, or by hand), which is the goal.
   */
  delete(ref: RecordingRef, key: Credentials, options: CallOptions = {}): Promise<'deleted' | 'already-gone'> {
    const signal = timeLimit(this.limits.delete, options);
    return endedBy(options, () => this.deleteWithin(ref, key, signal));
  }

  private async deleteWithin(ref: RecordingRef, key: Credentials, signal: AbortSignal): Promise<'deleted' | 'already-gone'> {
    let response: Response;
    try {
      response = await fetch(recordingUrl(this.base, ref, 'json'), {
        method: 'DELETE',
        headers: { authorization: basicAuth(key) },
        redirect: 'error',
        signal,
      });
    } catch (err) {
      throw new TwilioRequestError(`deleting recording ${ref.recordingSid} failed: ${describeFailure(err, `no answer within ${this.limits.delete / 1000} s`)}`);
    }
    if (response.status === 204) return 'deleted';
    if (response.status === 404) return 'already-gone';
    throw new TwilioRequestError(`Twilio answered HTTP ${response.status} to deleting recording ${ref.recordingSid}${await twilioErrorCode(response)}`, response.status);
  }
}

/** Test fixtures: a directory, real payload 2.0 events and real Twilio signatures. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { DialPlan } from '../../lambda/dialPlan';
import type { RouterDirectory } from '../../lambda/directory';
import { createHandler, type RouterDeps, type RouterHandler } from '../../lambda/handler';
import { FALLBACK_METHOD, FALLBACK_ROUTE, ROUTER_METHOD, routeKey, routeOf, ROUTES } from '../../lambda/routes';
import type { MetricValue, MetricsSink } from '../../lambda/metricsSink';
import type { VoicemailQueue } from '../../lambda/voicemailQueue';
import type { VoicemailJob } from '../../lambda/voicemail/job';
import { dialActionParams, dialedNoun, pstnCallParams, referParams, resolveTwimlUrl, sipDomainCallParams, twimlAttribute, type CallIds, type DialStatus } from '../../scripts/simulatedCall';
import { queryStringParameters } from '../../scripts/localAdapter';

/** A token of Twilio's shape: 32 hex characters (the router refuses anything else). */
export const AUTH_TOKEN = '9c1f4e7a2b8d03f6a5e2c7b94d1a8f30';
/** Another well-formed token, for requests signed with the wrong key. */
export const OTHER_TOKEN = '0e5b7d2c9a4f18e3b6c0d5a7f2e9b41c';
export const API_HOST = 'abc123.execute-api.us-east-1.amazonaws.com';
export const BASE_URL = `https://${API_HOST}`;
export const DOMAIN = 'acme.sip.twilio.com';

/** The issue's demo directory plus a second E.164 user and a UK user. */
export function demoDirectory(overrides: Partial<RouterDirectory> = {}): RouterDirectory {
  return {
    domain: DOMAIN,
    defaultCountry: 'US',
    defaultCallerId: '+14155550123',
    allowedCountries: ['US', 'CA'],
    emergency: { enabled: false },
    users: [
      { username: '+14155550100' },
      { username: '+14155550101' },
      { username: 'alice', number: '+14155550199' },
      { username: 'bob' },
      { username: '+442079460100' },
    ],
    ...overrides,
  };
}

/**
 * The demo directory with every kind of no-answer and a group of each strategy:
 * +14155550100 forwards after 15 s, alice has voicemail emailed, bob voicemail with his own
 * greeting and no email (kept in Twilio), carol forwards to Canada; sales rings alice, bob and
 * carol in turn for 10 s each, then voicemail; support rings alice, bob and +14155550101 at once
 * (Enhanced SIP), then forwards; desk (bob alone, no number) has no noAnswer.
 */
export function withNoAnswerAndGroups(): RouterDirectory {
  return demoDirectory({
    enhancedSip: true,
    users: [
      { username: '+14155550100', noAnswer: { ringSeconds: 15, forwardTo: '+14155551234' } },
      { username: '+14155550101' },
      { username: 'alice', number: '+14155550199', noAnswer: { voicemail: { email: 'alice@example.com' } } },
      { username: 'bob', noAnswer: { ringSeconds: 30, voicemail: { greeting: "Bob here. I'm away: leave a message!" } } },
      { username: '+442079460100' },
      { username: 'carol', noAnswer: { forwardTo: '+16135550123' } },
    ],
    groups: [
      { name: 'sales', number: '+14155550150', members: ['alice', 'bob', 'carol'], strategy: 'sequential', ringSeconds: 10, noAnswer: { voicemail: { email: 'sales@example.com' } } },
      { name: 'support', number: '+14155550160', members: ['alice', 'bob', '+14155550101'], strategy: 'simultaneous', noAnswer: { forwardTo: '+16135550124' } },
      { name: 'desk', members: ['bob'], strategy: 'sequential' },
    ],
  });
}

/** Metrics as the handler publishes them, one entry per EMF line it would write. */
export function recordingMetrics(): MetricsSink & { lines: Array<{ metrics: readonly MetricValue[]; dimension?: string }>; totals(): Record<string, number> } {
  const lines: Array<{ metrics: readonly MetricValue[]; dimension?: string }> = [];
  return {
    lines,
    publish(metrics, dimension) {
      lines.push({ metrics, ...(dimension === undefined ? {} : { dimension }) });
    },
    /** `Name` or `Name:dimension` → sum. */
    totals() {
      const totals: Record<string, number> = {};
      for (const { metrics, dimension } of lines) {
        for (const m of metrics) {
          const key = dimension === undefined ? m.name : `${m.name}:${dimension}`;
          totals[key] = (totals[key] ?? 0) + m.value;
        }
      }
      return totals;
    },
  };
}

/** A queue that keeps what it is sent, or fails as SQS can. */
export function recordingQueue(fail?: Error): VoicemailQueue & { sent: Array<{ job: VoicemailJob; body: string }> } {
  const sent: Array<{ job: VoicemailJob; body: string }> = [];
  return {
    kind: 'sqs',
    sent,
    async send(job, body) {
      if (fail) throw fail;
      sent.push({ job, body });
      return `msg-${sent.length}`;
    },
  };
}

/** An answer of the router, with what it answered (so its relative URLs resolve, as Twilio resolves them). */
export interface Answered {
  path: string;
  query?: string;
  body: string;
  flow: string;
  /** The parameters of the request; the requests that follow keep only the call's own of them (callOwnParams). */
  params: Record<string, string>;
}

/**
 * A router to place calls on and follow them as Twilio would: the call, then what Twilio posts
 * to the URLs in the answers (`end` a dial with its DialCallStatus, press `transfer`).
 */
export function liveCalls(directory: RouterDirectory = withNoAnswerAndGroups()) {
  const metrics = recordingMetrics();
  const { handler, logger } = routerFor(directory, undefined, { metrics });
  const post = async (params: Record<string, string>, path: string, query = ''): Promise<Answered> => {
    const res = await send(handler, webhookEvent(params, { path, query }));
    expect(res.statusCode).toBe(200);
    return { path, query, body: res.body as string, flow: res.headers['x-sipline-flow'], params };
  };
  const follow = (answered: Answered, attribute: 'action' | 'referUrl') => {
    const url = urlIn(answered.body, 'Dial', attribute, answered);
    if (!url) throw new Error(`no <Dial ${attribute}> in ${answered.body}`);
    return url;
  };
  return {
    metrics,
    logger,
    post,
    /** The PSTN calls one of the account's numbers. */
    ring: (from: string, to: string) => post(inboundCall(from, to), ROUTES.inbound),
    /** A registered phone dials. */
    dial: (user: string, dialed: string) => post(outboundCall(user, dialed), ROUTES.outbound),
    /** The dial in `answered` ends with `status`: Twilio posts to its action URL (with the DialSip* ones after a <Sip> dial). */
    end(answered: Answered, status: DialStatus, extra: Record<string, string> = {}): Promise<Answered> {
      const action = follow(answered, 'action');
      return post({ ...dialActionParams(answered.params, status, { noun: dialedNoun(answered.body) }), ...extra }, action.path, action.query);
    },
    /** A phone on the call in `answered` presses transfer to `target`: Twilio posts the REFER webhook to the referUrl. */
    transfer(answered: Answered, target: string): Promise<Answered> {
      const refer = follow(answered, 'referUrl');
      return post(referParams(answered.params, target, DOMAIN), refer.path, refer.query);
    },
  };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that records what the handler logs, in the shape Powertools would print. */
export function recordingLogger() {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields: Record<string, unknown> = {}) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

export function routerFor(directory: RouterDirectory = demoDirectory(), publicBaseUrl: string | undefined = BASE_URL, deps: Partial<RouterDeps> = {}) {
  const logger = recordingLogger();
  const handler = createHandler({ plan: new DialPlan(directory), authToken: async () => AUTH_TOKEN, publicBaseUrl, logger, ...deps });
  return { handler, logger };
}

/**
 * The path and query of a URL in a TwiML answer (`<Dial action>`, `<Dial referUrl>`,
 * `<Record recordingStatusCallback>`...), resolved as Twilio resolves it, against the URL of the
 * request the answer was for; undefined when the answer has none.
 */
export function urlIn(twiml: string, element: string, attribute: string, answered: { path: string; query?: string }): { path: string; query: string } | undefined {
  const relative = twimlAttribute(twiml, element, attribute);
  if (relative === undefined) return undefined;
  const url = new URL(resolveTwimlUrl(relative, `${BASE_URL}${answered.path}${answered.query ? `?${answered.query}` : ''}`));
  return { path: url.pathname, query: url.search.slice(1) };
}

export interface EventOptions {
  path?: string;
  method?: string;
  query?: string;
  base64?: boolean;
  /** Signature to send: by default the correct one; `null` sends none. */
  signature?: string | null;
  /** Sign with this token instead of the right one. */
  signWith?: string;
  /** Sign over this URL instead of the public one. */
  signedUrl?: string;
  headers?: Record<string, string>;
}

/**
 * The route key API Gateway puts in the event: the route the stack declares for the path
 * (`ANY /voice/<route>` to the router, `POST /voice/fallback` to the fallback). A path the API
 * does not declare never reaches a Lambda; a test that sends one anyway (the handler's own 404)
 * gets `$default`, what a catch-all route would carry.
 */
function routeKeyOf(path: string): string {
  if (routeOf(path)) return routeKey(ROUTER_METHOD, path);
  return path === FALLBACK_ROUTE ? routeKey(FALLBACK_METHOD, path) : '$default';
}

/** A real API Gateway HTTP API payload 2.0 event carrying a form-encoded Twilio webhook. */
export function webhookEvent(params: Record<string, string>, opts: EventOptions = {}): APIGatewayProxyEventV2 {
  const path = opts.path ?? ROUTES.outbound;
  const query = opts.query ?? '';
  const route = routeKeyOf(path);
  const queryParameters = query ? queryStringParameters(query) : undefined;
  const body = new URLSearchParams(params).toString();
  const url = opts.signedUrl ?? `${BASE_URL}${path}${query ? `?${query}` : ''}`;
  const signature = opts.signature === undefined ? getExpectedTwilioSignature(opts.signWith ?? AUTH_TOKEN, url, params) : opts.signature;
  const base64 = opts.base64 ?? true;
  return {
    version: '2.0',
    routeKey: route,
    rawPath: path,
    rawQueryString: query,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      host: API_HOST,
      'user-agent': 'TwilioProxy/1.1',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      ...opts.headers,
    },
    ...(queryParameters ? { queryStringParameters: queryParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: API_HOST,
      domainPrefix: 'abc123',
      http: { method: opts.method ?? 'POST', path, protocol: 'HTTP/1.1', sourceIp: '54.172.60.1', userAgent: 'TwilioProxy/1.1' },
      requestId: 'req-1',
      routeKey: route,
      stage: '$default',
      time: '28/Nov/2026:07:00:00 +0000',
      timeEpoch: 1795849200000,
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

/** The identifiers of every test call, so logs can be asserted on. */
export const CALL_IDS: CallIds = { callSid: 'CA0123456789abcdef0123456789abcdef', accountSid: 'AC0123456789abcdef0123456789abcdef' };

/**
 * A call placed by a registered phone, with every parameter Twilio sends to a SIP domain's
 * voice URL: the phone authenticated as `user` (SipUsername), and wrote it in From too, as
 * phones do. `extra` overrides any of them (a spoofed From, another SipDomain...).
 */
export function outboundCall(user: string, dialed: string, extra: Record<string, string> = {}): Record<string, string> {
  const call = { sipUsername: user, from: `sip:${user}@${DOMAIN}`, to: `sip:${dialed}@${DOMAIN}`, sipDomain: DOMAIN };
  const sip = { sipDomainSid: 'SD0123456789abcdef0123456789abcdef', sipCallId: 'a84b4c76e66710@192.0.2.4', sipSourceIp: '192.0.2.4' };
  return { ...sipDomainCallParams({ ...call, ...sip }, CALL_IDS), ...extra };
}

/** A PSTN call to one of the account's numbers, with every parameter Twilio sends. */
export function inboundCall(from: string, to: string): Record<string, string> {
  return pstnCallParams({ from, to }, CALL_IDS);
}

export async function send(handler: RouterHandler, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> }> {
  return (await handler(event)) as APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };
}

/** The <Dial> of a TwiML answer, or undefined: attributes and the one noun inside. */
export function dialOf(twiml: string): { attrs: Record<string, string>; noun: string; target: string } | undefined {
  const m = /<Dial([^>]*)><(Number|Sip)>([^<]*)<\/\2><\/Dial>/.exec(twiml);
  if (!m) return undefined;
  const attrs = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
  return { attrs, noun: m[2], target: m[3] };
}

export function spokenOf(twiml: string): string | undefined {
  return /<Say>([^<]*)<\/Say>/.exec(twiml)?.[1];
}

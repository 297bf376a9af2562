/**
 * Every route the router serves: the one list, read by the handler (lambda/handler.ts) and by
 * the stack (infra/components/router.ts), which gives each one an `ANY` route on the API, so a
 * GET reaches the router and gets its 405. Every route is signature-checked and body-capped
 * alike: none is exempt.
 *
 * Twilio is given two of them by the stack (the SIP domain's and the numbers' voice URLs) and
 * the status route as both status callbacks; every other one is written by the router itself
 * into the TwiML it answers, as a URL relative to the request's (`after-dial?...`), which Twilio
 * resolves as a browser would: all routes share the `/voice/` prefix, so they resolve under any
 * base URL.
 */

export const ROUTES = {
  outbound: '/voice/outbound',
  inbound: '/voice/inbound',
  afterDial: '/voice/after-dial',
  refer: '/voice/refer',
  voicemailDone: '/voice/voicemail-done',
  recording: '/voice/recording',
  status: '/voice/status',
} as const;

export type RouteName = keyof typeof ROUTES;

/**
 * The fallback's route. Not one of ROUTES: it is served by the fallback Lambda
 * (lambda/fallback/), never by the router (lambda/handler.ts answers 404 on it).
 */
export const FALLBACK_ROUTE = '/voice/fallback';

/** An HTTP API route key's method: one method, or ANY. */
export type RouteMethod = 'ANY' | 'POST';

/**
 * The method of every route of ROUTES on the API: ANY, not POST. lambda/handler.ts answers a
 * non-POST request on its routes 405 with `Allow: POST`, but only if the request reaches it.
 * With `POST` routes API Gateway answers a GET itself, with its own 404, and the Lambda never
 * sees it. The router still accepts nothing but a signed POST.
 */
export const ROUTER_METHOD: RouteMethod = 'ANY';

/**
 * The fallback route's method: POST, the one method Twilio uses for it (voiceFallbackMethod).
 * Not ANY: the fallback Lambda answers every request 200 and every invocation raises an alarm,
 * so letting a crawler's GET through would page someone for nothing; API Gateway's own 404
 * answers those.
 */
export const FALLBACK_METHOD: RouteMethod = 'POST';

/** An HTTP API route key, e.g. `ANY /voice/outbound` (also the `routeKey` of the events it sends). */
export function routeKey(method: RouteMethod, path: string): string {
  return `${method} ${path}`;
}

/** What each route is for (`npm start` lists them; the README's table says more). */
export const ROUTE_PURPOSES: Readonly<Record<RouteName, string>> = {
  outbound: "calls placed by registered phones (the SIP domain's voice URL)",
  inbound: "calls to the account's numbers, users' and groups' (their voice URL)",
  afterDial: 'a dial ended (<Dial action>): next group member, forward, voicemail or goodbye',
  refer: "the called phone's transfer button (<Dial referUrl>, Twilio's SIP REFER webhook)",
  voicemailDone: 'a voicemail was recorded (<Record action>): thanks, goodbye',
  recording: 'a voicemail recording is ready (<Record recordingStatusCallback>): queues its email',
  status: "a call finished (the domain's and the numbers' status callback): a log line, metrics",
};

const BY_PATH: ReadonlyMap<string, RouteName> = new Map(Object.entries(ROUTES).map(([name, path]) => [path, name as RouteName]));

/** The route a request path names, or undefined (404). */
export function routeOf(path: string): RouteName | undefined {
  return BY_PATH.get(path);
}

/**
 * The relative URL of a route, as written into TwiML: its last path segment. Resolved against
 * the URL of the request it answers (always `<base>/voice/<route>`), it names `<base>/voice/<it>`.
 */
export function relativeUrlOf(name: RouteName): string {
  return ROUTES[name].slice(ROUTES[name].lastIndexOf('/') + 1);
}

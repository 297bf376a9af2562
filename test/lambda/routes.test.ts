/** The routes: one list (lambda/routes.ts) for the handler and the stack, and the URLs the router writes into TwiML. */
import { FALLBACK_METHOD, FALLBACK_ROUTE, ROUTER_METHOD, ROUTES as STACK_ROUTES } from '../../infra/components/router';
import { relativeUrlOf, routeOf, ROUTES, type RouteName } from '../../lambda/routes';
import { dialShapeKey } from '../../lambda/twimlSlots';
import { renderShapes } from '../../lambda/voiceResponse';
import { resolveTwimlUrl, twimlAttribute } from '../../scripts/simulatedCall';
import { inboundCall, webhookEvent } from './fixtures';

describe('the routes', () => {
  it('are the ones the stack gives the API: the same object', () => {
    expect(STACK_ROUTES).toBe(ROUTES);
  });

  it('are found by their exact path, and nothing else is', () => {
    for (const [name, path] of Object.entries(ROUTES)) expect(routeOf(path)).toBe(name);
    for (const path of ['/voice/fallback', '/voice/outbound/', '/Voice/outbound', '/voice/after-dial?x', '']) expect(routeOf(path)).toBeUndefined();
  });

  it("reach the tests as API Gateway sends them: the stack's route key, and the query parsed too", () => {
    const afterDial = webhookEvent(inboundCall('+12125550123', '+14155550199'), { path: ROUTES.afterDial, query: 'to=sales&member=0&from=%2B12125550123&x=1&x=2' });
    expect(afterDial).toMatchObject({ routeKey: `${ROUTER_METHOD} /voice/after-dial`, requestContext: { routeKey: 'ANY /voice/after-dial', stage: '$default' } });
    expect(afterDial.queryStringParameters).toEqual({ to: 'sales', member: '0', from: '+12125550123', x: '1,2' });
    const fallback = webhookEvent(inboundCall('+12125550123', '+14155550199'), { path: FALLBACK_ROUTE });
    expect(fallback.routeKey).toBe(`${FALLBACK_METHOD} /voice/fallback`);
    expect(fallback).not.toHaveProperty('queryStringParameters');
  });

  it('share one folder, so a relative URL names the same route under any base URL', () => {
    const folders = new Set(Object.values(ROUTES).map((path) => path.slice(0, path.lastIndexOf('/') + 1)));
    expect([...folders]).toEqual(['/voice/']);
  });
});

describe('every URL the router writes into TwiML', () => {
  const shapes = renderShapes();
  const written: Array<[string, RouteName]> = [
    [twimlAttribute(shapes.dials[dialShapeKey('sip', 'call', 1, true)].parts.join(''), 'Dial', 'action')!, 'afterDial'],
    [twimlAttribute(shapes.dials[dialShapeKey('sip', 'call', 2, false)].parts.join(''), 'Dial', 'referUrl')!, 'refer'],
    [twimlAttribute(shapes.dials[dialShapeKey('sip', 'transfer', 1, true)].parts.join(''), 'Dial', 'referUrl')!, 'refer'],
    [twimlAttribute(shapes.dials[dialShapeKey('sip', 'sequential', 2, false)].parts.join(''), 'Dial', 'referUrl')!, 'refer'],
    [twimlAttribute(shapes.dials[dialShapeKey('number', 'call')].parts.join(''), 'Dial', 'action')!, 'afterDial'],
    [twimlAttribute(shapes.voicemail.parts.join(''), 'Record', 'action')!, 'voicemailDone'],
    [twimlAttribute(shapes.voicemail.parts.join(''), 'Record', 'recordingStatusCallback')!, 'recording'],
  ];

  it.each(written)('%s resolves, as Twilio resolves it against the request it answers, to its route', (url, route) => {
    expect(url.split('?')[0]).toBe(relativeUrlOf(route));
    for (const base of ['https://abc123.execute-api.us-east-1.amazonaws.com', 'https://voice.example.com/sipline']) {
      for (const answered of Object.values(ROUTES)) {
        const resolved = new URL(resolveTwimlUrl(url, `${base}${answered}?defaultCountry=GB`));
        expect(`${resolved.origin}${resolved.pathname}`).toBe(`${base}${ROUTES[route]}`);
      }
    }
  });
});

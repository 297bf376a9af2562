/** The router over real HTTP: `npm start`'s server and `npm run call`'s signed webhooks. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serveHandler } from '../../scripts/localAdapter';
import { loadBundledRouter, writeDirectory } from '../../scripts/localRouter';
import { placeCall, simulatedCall } from '../../scripts/simulatedCall';
import { AUTH_TOKEN as TOKEN, OTHER_TOKEN } from './fixtures';

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = serveHandler(async (event) => handler(event));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeDirectory('dev');
  handler = await loadBundledRouter({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: baseUrl, POWERTOOLS_LOG_LEVEL: 'SILENT' });
});
let handler: Awaited<ReturnType<typeof loadBundledRouter>>;

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the local router on the dev stack\'s directory', () => {
  it('answers a simulated call from a registered phone to the PSTN', async () => {
    const result = await placeCall(baseUrl, TOKEN, simulatedCall('sip:alice@acme.sip.twilio.com', '4155551234', 'acme.sip.twilio.com'));
    expect(result).toEqual({
      status: 200,
      flow: 'pstn',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" callerId="+14155550199"><Number>+14155551234</Number></Dial></Response>',
    });
  });

  it('rings alice when the PSTN calls her number', async () => {
    const result = await placeCall(baseUrl, TOKEN, simulatedCall('+12125550123', '+14155550199', 'acme.sip.twilio.com'));
    expect(result.flow).toBe('inbound');
    expect(result.body).toContain('<Sip>sip:alice@acme.sip.twilio.com</Sip>');
  });

  it('routes a bare username dialed from a bare username over SIP', async () => {
    const result = await placeCall(baseUrl, TOKEN, simulatedCall('bob', 'alice', 'acme.sip.twilio.com'));
    expect(result.flow).toBe('sip-user');
  });

  it('honours ?defaultCountry= on the signed URL', async () => {
    // 02079460000 is a London number only when read as British; the dev stack allows US and CA.
    const asBritish = await placeCall(baseUrl, TOKEN, simulatedCall('alice', '02079460000', 'acme.sip.twilio.com'), 'defaultCountry=GB');
    expect(asBritish.flow).toBe('refused:country-not-allowed');
    const asAmerican = await placeCall(baseUrl, TOKEN, simulatedCall('alice', '02079460000', 'acme.sip.twilio.com'));
    expect(asAmerican.flow).toBe('refused:invalid-number');
  });

  it('answers 403 to a call signed with another token', async () => {
    const result = await placeCall(baseUrl, OTHER_TOKEN, simulatedCall('alice', '4155551234', 'acme.sip.twilio.com'));
    expect(result.status).toBe(403);
  });

  it('answers 405 to GET and 404 to an unknown path', async () => {
    expect((await fetch(`${baseUrl}/voice/outbound`)).status).toBe(405);
    expect((await fetch(`${baseUrl}/nope`, { method: 'POST' })).status).toBe(404);
  });
});

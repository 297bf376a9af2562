/** The router over real HTTP: `npm start`'s server and `npm run call`'s signed webhooks. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { writeFileAtomically } from '../../lambda/files';
import { WEBHOOK_BODY_LIMITS } from '../../lambda/webhookForm';
import { queryStringParameters, serveHandler } from '../../scripts/localAdapter';
import { loadBundledRouter, localState, stackDirectory } from '../../scripts/localRouter';
import { placeCall, simulatedCall } from '../../scripts/simulatedCall';
import { runScript } from '../scripts/run';
import { AUTH_TOKEN as TOKEN, OTHER_TOKEN } from './fixtures';

let server: Server;
let baseUrl: string;
let port: number;
/** Requests that reached the router: the ones the server refuses itself never do. */
let handled = 0;

beforeAll(async () => {
  server = serveHandler(async (event) => {
    handled += 1;
    return handler(event);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  // As npm start does: the bundle and the dev stack's directory in this port's own folder, the
  // directory beside the bundle, where the Lambda's bundle reads it by default.
  const state = localState(port);
  writeFileAtomically(state.directory, `${JSON.stringify(stackDirectory('dev').directory, null, 2)}\n`);
  handler = await loadBundledRouter({ TWILIO_AUTH_TOKEN: TOKEN, PUBLIC_BASE_URL: baseUrl, POWERTOOLS_LOG_LEVEL: 'SILENT' }, state.bundle);
});
let handler: Awaited<ReturnType<typeof loadBundledRouter>>;

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(localState(port).dir, { recursive: true, force: true });
});

describe('the local router on the dev stack\'s directory', () => {
  it('answers a simulated call from a registered phone to the PSTN', async () => {
    const result = await placeCall(baseUrl, TOKEN, simulatedCall('sip:alice@acme.sip.twilio.com', '4155551234', 'acme.sip.twilio.com'));
    expect(result).toEqual({
      status: 200,
      flow: 'pstn',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" callerId="+14155550199" action="after-dial"><Number>+14155551234</Number></Dial></Response>',
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

/**
 * Writes raw bytes to the server, as a broken or hostile client would, and returns everything
 * it answers until the connection closes; `close` hangs up right after writing, or as soon as
 * an answer arrives (for a request whose body would never end).
 */
function rawExchange(chunks: Array<string | Buffer>, opts: { close?: 'after-write' | 'on-answer' } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (opts.close === 'on-answer') socket.destroy();
    });
    socket.on('error', () => undefined); // a reset after the answer is the server closing on a body it will not read
    socket.on('close', () => resolve(answer));
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (opts.close === 'after-write') socket.destroy();
    });
  });
}

const statusOf = (answer: string) => /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];

describe('the local server survives any request', () => {
  /** After each hostile request: the server still routes a real call. */
  async function stillAnswers(): Promise<void> {
    const result = await placeCall(baseUrl, TOKEN, simulatedCall('alice', '4155551234', 'acme.sip.twilio.com'));
    expect(result).toMatchObject({ status: 200, flow: 'pstn' });
  }

  beforeEach(() => {
    handled = 0;
  });

  it.each([
    ['an absolute-form target it cannot parse', 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an asterisk-form target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a POST to an unparsable target', 'POST http://[::1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc'],
  ])('answers 400 to %s, without reaching the router', async (_what, request) => {
    expect(statusOf(await rawExchange([request]))).toBe('400');
    expect(handled).toBe(0);
    await stillAnswers();
  });

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', '400'],
    ['a header without a colon', 'POST /voice/outbound HTTP/1.1\r\nHost x\r\n\r\n', '400'],
    ['a header block over Node\'s limit', `POST /voice/outbound HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, '431'],
    ['both Content-Length and chunked', 'POST /voice/outbound HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', '400'],
  ])('answers %s with a status line (clientError), and keeps serving', async (_what, request, status) => {
    expect(statusOf(await rawExchange([request]))).toBe(status);
    expect(handled).toBe(0);
    await stillAnswers();
  });

  it('shrugs off a client that aborts its body half way', async () => {
    const answer = await rawExchange(['POST /voice/outbound HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nFrom=sip'], { close: 'after-write' });
    expect(answer).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    expect(handled).toBe(0);
    await stillAnswers();
  });

  it('answers 413 at once to a declared body over the router\'s cap, without reading it', async () => {
    const answer = await rawExchange([`POST /voice/outbound HTTP/1.1\r\nHost: x\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`], { close: 'on-answer' });
    expect(statusOf(answer)).toBe('413');
    expect(handled).toBe(0);
    await stillAnswers();
  });

  it('stops reading a chunked body once it passes the cap: 413 while the client is still sending, connection closed', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const chunked = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    // Just over the cap, of a body that would go on for 100 MB: the answer must not wait for the rest.
    const sent = Array.from({ length: Math.ceil(WEBHOOK_BODY_LIMITS.maxBytes / chunk.length) + 1 }, () => chunked(chunk));
    const answer = await rawExchange(['POST /voice/outbound HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', ...sent]);
    expect(statusOf(answer)).toBe('413');
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(handled).toBe(0);
    await stillAnswers();
  });

  it('passes a body at the cap to the router, which refuses it itself (403: not signed)', async () => {
    const body = 'a'.repeat(WEBHOOK_BODY_LIMITS.maxBytes);
    const response = await fetch(`${baseUrl}/voice/outbound`, { method: 'POST', body, headers: { 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' } });
    expect(response.status).toBe(403);
    expect(handled).toBe(1);
  });

  it('answers 413 to an oversized body sent by fetch, as a client would see it', async () => {
    const response = await fetch(`${baseUrl}/voice/outbound`, { method: 'POST', body: 'a'.repeat(WEBHOOK_BODY_LIMITS.maxBytes + 1) });
    expect(response.status).toBe(413);
    expect(handled).toBe(0);
  });
});

describe('npm run call', () => {
  it('accepts user@host for FROM and TO', async () => {
    const { code, stdout } = await runScript('call', ['--url', baseUrl, 'alice@acme.sip.twilio.com', 'bob@acme.sip.twilio.com'], { TWILIO_AUTH_TOKEN: TOKEN });
    expect(stdout).toContain('From=sip:alice@acme.sip.twilio.com  To=sip:bob@acme.sip.twilio.com');
    expect(stdout).toContain('HTTP 200  flow: sip-user');
    expect(code).toBe(0);
  }, 20_000);

  it.each([
    ['16 x characters', 'x'.repeat(16)],
    ['16 zero-width spaces', '\u200b'.repeat(16)],
  ])('and npm start refuse a TWILIO_AUTH_TOKEN of %s, naming the variable and the rule, never the value', async (_what, token) => {
    for (const [script, args] of [['call', ['--url', baseUrl, 'alice', '4155551234']], ['local-server', []]] as const) {
      const { code, stderr, stdout } = await runScript(script, [...args], { TWILIO_AUTH_TOKEN: token, PORT: '0' });
      expect(code).toBe(1);
      expect(stderr).toContain('TWILIO_AUTH_TOKEN is not a Twilio auth token (16 characters, some of them not hexadecimal): a Twilio auth token is exactly 32 hexadecimal characters');
      expect(stderr + stdout).not.toContain(token);
      expect(stdout).not.toContain('listening');
    }
  }, 30_000);
});

describe('the local adapter builds payload 2.0 events as API Gateway does', () => {
  it('decodes queryStringParameters and joins a repeated name\'s values with commas', () => {
    expect(queryStringParameters('defaultCountry=GB&to=alice%40acme&to=bob')).toEqual({ defaultCountry: 'GB', to: 'alice@acme,bob' });
  });
});

/**
 * Serves a payload-2.0 Lambda handler over plain HTTP, the way API Gateway's HTTP API would
 * call it: lower-cased headers, the raw path and query, and the body base64-encoded.
 *
 * It survives any request, as a server on a developer's machine must: a request target it
 * cannot read gets 400, a malformed request line or header (Node's `clientError`) 400 (431,
 * 408), an aborted body nothing, and a body over the router's own cap (WEBHOOK_BODY_LIMITS)
 * 413, unread: it stops reading and closes the connection rather than buffer it.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { WEBHOOK_BODY_LIMITS } from '../lambda/webhookForm';

export type PayloadV2Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** A request target's path and raw query string, as API Gateway passes them on. */
interface RequestTarget {
  path: string;
  query: string;
}

/**
 * Reads a request target: origin-form (`/voice/outbound?x=1`) or absolute-form
 * (`http://host/voice/outbound`); anything else (`*`, `http://[`) is undefined, never a throw.
 */
function requestTargetOf(url: string | undefined): RequestTarget | undefined {
  let pathAndQuery: string;
  if (url?.startsWith('/')) {
    pathAndQuery = url;
  } else if (url && URL.canParse(url)) {
    const parsed = new URL(url);
    pathAndQuery = `${parsed.pathname}${parsed.search}`;
  } else {
    return undefined;
  }
  const q = pathAndQuery.indexOf('?');
  return q < 0 ? { path: pathAndQuery, query: '' } : { path: pathAndQuery.slice(0, q), query: pathAndQuery.slice(q + 1) };
}

/** Maps an HTTP request and its body to an API Gateway HTTP API payload 2.0 event. */
function toPayloadV2Event(req: http.IncomingMessage, target: RequestTarget, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const { path: rawPath, query: rawQueryString } = target;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: queryStringParameters(rawQueryString) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

/** A plain-text answer; `close` ends the connection once it is sent (the body is left unread). */
function answer(res: http.ServerResponse, status: number, text: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain', ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

/** What Node's parser could not read gets a status line and a closed connection, never a crash. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
    : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** An HTTP server that answers every request through `handler`; a crash of it is a plain 502. */
/**
 * The query as API Gateway hands it over beside rawQueryString (payload format 2.0): decoded,
 * a repeated name's values joined with commas.
 */
export function queryStringParameters(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query)) out[name] = name in out ? `${out[name]},${value}` : value;
  return out;
}

export function serveHandler(handler: PayloadV2Handler, maxBodyBytes: number = WEBHOOK_BODY_LIMITS.maxBytes): http.Server {
  const server = http.createServer((req, res) => {
    // A client that goes away mid-body: nothing to answer, nothing to throw.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const target = requestTargetOf(req.url);
    if (!target) {
      answer(res, 400, 'Bad Request: unreadable request target', true);
      return;
    }
    const tooLarge = () => {
      req.pause();
      answer(res, 413, 'Payload Too Large', true);
    };
    if (Number(req.headers['content-length']) > maxBodyBytes) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > maxBodyBytes) return;
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBodyBytes) return;
      handler(toPayloadV2Event(req, target, Buffer.concat(chunks)))
        .then((result) => {
          res.writeHead(result.statusCode ?? 200, result.headers as http.OutgoingHttpHeaders);
          res.end(result.body ?? '');
        })
        .catch((err: unknown) => {
          // API Gateway answers 502 when the Lambda itself fails; mirror that, without the trace.
          console.error('handler failed:', err instanceof Error ? err.message : err);
          answer(res, 502, 'Bad Gateway');
        });
    });
  });
  server.on('clientError', onClientError);
  return server;
}

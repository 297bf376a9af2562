/**
 * Serves a payload-2.0 Lambda handler over plain HTTP, the way API Gateway's HTTP API would
 * call it: lower-cased headers, the raw path and query, and the body base64-encoded.
 */
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type PayloadV2Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Maps an HTTP request and its body to an API Gateway HTTP API payload 2.0 event. */
export function toPayloadV2Event(req: http.IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const rawQueryString = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
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

/** An HTTP server that answers every request through `handler`; a crash is a plain 502. */
export function serveHandler(handler: PayloadV2Handler): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(toPayloadV2Event(req, Buffer.concat(chunks)))
        .then((result) => {
          res.writeHead(result.statusCode ?? 200, result.headers as http.OutgoingHttpHeaders);
          res.end(result.body ?? '');
        })
        .catch((err: unknown) => {
          // API Gateway answers 502 when the Lambda itself fails; mirror that, without the trace.
          console.error('handler failed:', err instanceof Error ? err.message : err);
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('Bad Gateway');
        });
    });
  });
}

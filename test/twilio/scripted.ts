import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for api.twilio.com, on a loopback port, for behaviour tests.
 * (nock 15 is ESM-only and the repository's jest runs tests as CommonJS on Node 20, so it
 * cannot be loaded here without changing the jest config.)
 *
 * Each `on(...)` declares one expected request and its answer, consumed in order. A request
 * that matches no remaining expectation is answered 418 (a 4xx, so nothing retries it) and
 * recorded; `done()` fails on it and on any expectation never used.
 */
export interface Expectation {
  method: string;
  path: string;
  /** Exact query parameters; undefined = no query string; true = any. */
  query?: Record<string, string> | true;
  /** Exact form body; undefined = not checked. */
  body?: Record<string, string>;
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, string>;
  authorization?: string;
}

interface Scripted extends Expectation {
  remaining: number;
  status: number;
  reply: object;
}

export class ScriptedTwilio {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: string[] = [];
  private script: Scripted[] = [];
  /** When set, every request must carry exactly this Authorization header. */
  authorization?: string;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ScriptedTwilio> {
    const server = createServer();
    const scripted = new ScriptedTwilio(server);
    server.on('request', (req, res) => {
      void readBody(req).then((raw) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body: Object.fromEntries(new URLSearchParams(raw)),
          authorization: req.headers.authorization,
        };
        scripted.requests.push(recorded);
        const { status, body } = scripted.answer(recorded);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return scripted;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Declares an expected request; `.reply()` on the result sets its answer. */
  on(method: string, path: string, opts: Omit<Expectation, 'method' | 'path'> = {}) {
    return {
      reply: (status: number, reply: object): ScriptedTwilio => {
        this.script.push({ method, path, ...opts, remaining: opts.times ?? 1, status, reply });
        return this;
      },
    };
  }

  pending(): string[] {
    return this.script.filter((s) => s.remaining > 0).map((s) => `${s.method} ${s.path} (${s.remaining} left)`);
  }

  /** Fails if a request was unexpected or an expected one never came. */
  done(): void {
    const problems = [...this.unexpected.map((u) => `unexpected ${u}`), ...this.pending().map((p) => `not requested: ${p}`)];
    if (problems.length) throw new Error(`Scripted Twilio:\n${problems.join('\n')}`);
  }

  reset(): void {
    this.script = [];
    this.requests.length = 0;
    this.unexpected.length = 0;
    this.authorization = undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(r: RecordedRequest): { status: number; body: object } {
    const describe = () => `${r.method} ${r.path}?${new URLSearchParams(r.query)} body=${JSON.stringify(r.body)}`;
    if (this.authorization !== undefined && r.authorization !== this.authorization) {
      this.unexpected.push(`${describe()} with Authorization ${r.authorization}`);
      return { status: 418, body: { message: 'unexpected Authorization', code: 0, status: 418 } };
    }
    const match = this.script.find((s) => s.remaining > 0 && s.method === r.method && s.path === r.path && queryMatches(s.query, r.query) && bodyMatches(s.body, r.body));
    if (!match) {
      this.unexpected.push(describe());
      return { status: 418, body: { message: `unexpected request ${describe()}`, code: 0, status: 418 } };
    }
    match.remaining--;
    return { status: match.status, body: match.reply };
  }
}

function queryMatches(expected: Expectation['query'], actual: Record<string, string>): boolean {
  if (expected === true) return true;
  return JSON.stringify(sorted(expected ?? {})) === JSON.stringify(sorted(actual));
}

function bodyMatches(expected: Expectation['body'], actual: Record<string, string>): boolean {
  return expected === undefined || JSON.stringify(sorted(expected)) === JSON.stringify(sorted(actual));
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
}

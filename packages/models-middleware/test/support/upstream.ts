import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A fake LiteLLM upstream on 127.0.0.1:0. By default it serves `body` with a strong ETag, honours
 * If-None-Match with 304 and gzips when asked; `handle` replaces that behaviour for fault cases.
 */
export class FakeUpstream {
  readonly requests: IncomingMessage[] = [];
  /** When each request arrived (ms since the epoch), beside `requests`. */
  readonly arrivals: number[] = [];
  readonly #waiters: Array<{ readonly count: number; readonly resolve: () => void }> = [];
  body: Buffer;
  handle: UpstreamHandler | undefined;
  /** Delay before answering, in ms (real time: keep it small). */
  delayMs = 0;
  #server: Server | undefined;
  #url = '';

  constructor(body: Buffer | string | object) {
    this.body = FakeUpstream.toBuffer(body);
  }

  static toBuffer(body: Buffer | string | object): Buffer {
    if (Buffer.isBuffer(body)) return body;
    return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  }

  get url(): string {
    return this.#url;
  }

  get count(): number {
    return this.requests.length;
  }

  /** Resolves once `count` requests in all have arrived (the request log is the event). */
  whenCount(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  setBody(body: Buffer | string | object): void {
    this.body = FakeUpstream.toBuffer(body);
  }

  etag(): string {
    return `"${createHash('sha1').update(this.body).digest('hex')}"`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests.push(req);
      this.arrivals.push(Date.now());
      for (const waiter of this.#waiters.filter((w) => this.requests.length >= w.count)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = () => (this.handle ? this.handle(req, res) : this.#serve(req, res));
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}/model_prices_and_context_window.json`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops listening, so connections are refused, until resume(); the port is kept. */
  async pause(): Promise<void> {
    const server = this.#server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port (retrying briefly if an outgoing socket holds it meanwhile). */
  async resume(): Promise<void> {
    const server = this.#server;
    if (!server || server.listening) return;
    const port = Number(new URL(this.#url).port);
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        return;
      } catch (error) {
        if (attempt >= 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const etag = this.etag();
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const bytes = gzip ? gzipSync(this.body) : this.body;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ETag: etag,
      'Content-Length': bytes.length,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    res.end(bytes);
  }
}

/** A provider's `GET /v1/models` answer in OpenAI's shape, listing `ids`. */
export function openaiModelList(...ids: string[]): object {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1, owned_by: 'openai' })) };
}

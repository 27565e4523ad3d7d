import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake LiteLLM upstream on 127.0.0.1:0 serving `body` with a strong ETag (304 on a match).
 * `status` other than 200 makes it fail; nothing in the tests ever leaves localhost.
 */
export class FakeUpstream {
  readonly requests: IncomingMessage[] = [];
  status = 200;
  delayMs = 0;
  #body: Buffer;
  #server: Server | undefined;
  #url = '';

  constructor(body: Buffer | object) {
    this.#body = FakeUpstream.toBuffer(body);
  }

  static toBuffer(body: Buffer | object): Buffer {
    return Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  }

  get url(): string {
    return this.#url;
  }

  get count(): number {
    return this.requests.length;
  }

  setBody(body: Buffer | object): void {
    this.#body = FakeUpstream.toBuffer(body);
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests.push(req);
      if (this.delayMs > 0) setTimeout(() => this.#serve(req, res), this.delayMs);
      else this.#serve(req, res);
    });
    const server = this.#server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}/model_prices_and_context_window.json`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    if (this.status !== 200) {
      res.writeHead(this.status, { 'Content-Type': 'text/plain' });
      res.end('upstream failure');
      return;
    }
    const etag = `"${createHash('sha1').update(this.#body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ETag: etag,
      'Content-Length': this.#body.length,
    });
    res.end(this.#body);
  }
}

/** A URL on 127.0.0.1 where nothing listens: an upstream that cannot be reached, offline-style. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/model_prices_and_context_window.json`;
}

/** A provider's `GET /v1/models` answer in OpenAI's shape, listing `ids`. */
export function openaiModelList(...ids: string[]): object {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1, owned_by: 'openai' })) };
}

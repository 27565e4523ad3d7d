/**
 * Codex's model provider in the client suite: a server on 127.0.0.1:0 that records every
 * `POST /responses` body and answers a minimal valid Responses SSE stream, so `codex exec` ends
 * after one turn without any real model.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http.js';

interface ResponsesInputItem {
  readonly type?: string;
  readonly role?: string;
  readonly content?: ReadonlyArray<{ readonly type: string; readonly text?: string }> | string;
}

export interface ResponsesRequest {
  readonly model: string;
  readonly instructions?: string;
  readonly input: readonly ResponsesInputItem[];
}

export class ResponsesCapture {
  readonly requests: ResponsesRequest[] = [];
  #server: Server | undefined;
  #url = '';

  /** Base URL for `[model_providers.<id>] base_url` (Codex appends `/responses`). */
  get baseUrl(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (req.method !== 'POST' || !(req.url ?? '').startsWith('/v1/responses')) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          res.end('{"error":{"message":"not here","type":"invalid_request_error","param":null,"code":null}}');
          return;
        }
        this.requests.push(JSON.parse(body) as ResponsesRequest);
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        const event = (type: string, data: object): void => {
          res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
        };
        event('response.created', { response: { id: 'resp_clients_suite' } });
        event('response.output_item.done', {
          item: {
            type: 'message',
            role: 'assistant',
            id: 'msg_clients_suite',
            content: [{ type: 'output_text', text: 'hello' }],
          },
        });
        event('response.completed', {
          response: {
            id: 'resp_clients_suite',
            usage: {
              input_tokens: 1,
              input_tokens_details: null,
              output_tokens: 1,
              output_tokens_details: null,
              total_tokens: 2,
            },
          },
        });
        res.end();
      })();
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The text of the first developer message: where Codex 0.171 puts the model's instructions. */
export function firstDeveloperText(request: ResponsesRequest): string {
  const item = request.input.find((entry) => entry.role === 'developer');
  if (item === undefined) throw new Error('the /responses request holds no developer message');
  const { content } = item;
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

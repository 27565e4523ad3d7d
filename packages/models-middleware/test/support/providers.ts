import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { codexModel } from './codex.js';
import type { UpstreamHandler } from './upstream.js';

/** The key the fake providers accept; tests search every output for it. */
export const SECRET = 'sk-test-SECRET-4f9c2a7e1b';

/** Anthropic `ModelInfo` as the real API sends it (every capability key present). */
export function anthropicInfo(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const no = { supported: false };
  const yes = { supported: true };
  return {
    type: 'model',
    id,
    display_name: `Upstream ${id}`,
    created_at: '2025-09-29T00:00:00Z',
    max_input_tokens: 1_000_000,
    max_tokens: 64_000,
    lifecycle: 'active',
    deprecated_at: null,
    retires_at: null,
    line: 'sonnet',
    capabilities: {
      batch: yes,
      citations: yes,
      code_execution: no,
      context_management: { supported: false },
      effort: { supported: true, low: yes, medium: yes, high: yes, max: yes, xhigh: no },
      image_input: yes,
      pdf_input: yes,
      server_tools: { supported: true, web_search: yes },
      structured_outputs: yes,
      thinking: { supported: true, types: { adaptive: yes, enabled: yes, disabled: yes } },
    },
    ...extra,
  };
}

const ANTHROPIC_IDS = [
  'claude-sonnet-4-5-20250929',
  'claude-opus-4-1-20250805',
  'claude-3-haiku-20240307',
  'claude-private-preview',
  'claude-sonnet-4-6',
];

const OPENAI_IDS = [
  'gpt-4.1',
  'gpt-4o',
  'o3-mini',
  'text-embedding-3-small',
  'ft:gpt-4o:acme:1',
  'gpt-secret-beta',
];

const CODEX_SLUGS = ['gpt-5.3-codex', 'o3-mini', 'codex-private'];

/**
 * One server speaking OpenAI's list, Anthropic's paginated list (`pageSize` per page) and a
 * Codex catalog, each answering 401 without the {@link SECRET} key. `handle` replaces every
 * answer with a fault; `requests` records what was asked.
 */
export class FakeProviders {
  readonly requests: IncomingMessage[] = [];
  handle: UpstreamHandler | undefined;
  openaiIds = [...OPENAI_IDS];
  anthropic = ANTHROPIC_IDS.map((id) =>
    id === 'claude-opus-4-1-20250805'
      ? anthropicInfo(id, { display_name: 'Claude Opus 4.1' })
      : anthropicInfo(id),
  );
  codex = CODEX_SLUGS.map((slug) => codexModel(slug));
  pageSize = 2;
  /** More OpenAI keys, each with its own list (an account per key). */
  openaiKeys: Record<string, string[]> = {};
  #server: Server | undefined;
  #base = '';

  get openaiUrl(): string {
    return `${this.#base}/openai/v1/models`;
  }
  get anthropicUrl(): string {
    return `${this.#base}/anthropic/v1/models`;
  }
  get codexUrl(): string {
    return `${this.#base}/codex/models`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.requests.push(req);
      if (this.handle !== undefined) this.handle(req, res);
      else this.#serve(req, res);
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.#base);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/anthropic/')) {
      if (req.headers['x-api-key'] !== SECRET || req.headers['anthropic-version'] !== '2023-06-01') {
        send(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        return;
      }
      const after = url.searchParams.get('after_id');
      const start = after === null ? 0 : this.anthropic.findIndex((m) => m.id === after) + 1;
      const data = this.anthropic.slice(start, start + this.pageSize);
      const hasMore = start + this.pageSize < this.anthropic.length;
      send(200, {
        data,
        has_more: hasMore,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
      });
      return;
    }
    const other = this.openaiKeys[String(req.headers.authorization).replace(/^Bearer /, '')];
    if (other !== undefined && url.pathname.startsWith('/openai/')) {
      send(200, {
        object: 'list',
        data: other.map((id) => ({ id, object: 'model', created: 1, owned_by: 'x' })),
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${SECRET}`) {
      send(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
      return;
    }
    if (url.pathname.startsWith('/codex/')) {
      send(200, { models: this.codex });
      return;
    }
    send(200, {
      object: 'list',
      data: this.openaiIds.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
    });
  }
}

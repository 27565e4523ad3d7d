/**
 * The demo proxy on 127.0.0.1:0 over a fake LiteLLM upstream serving the committed fixture, with
 * the date pinned like the other app tests. The same socket answers Claude Code's
 * `POST /v1/messages` under the claude mount with a one-word reply (the demo serves only model
 * lists), so `claude -p` ends cleanly instead of on an error.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp, type ProxyApp } from '../../../src/app.js';
import { capturingLogger, type LogRecord, testConfig } from '../../support/env.js';
import { fixedClock, fixtureBytes } from '../../support/fixture.js';
import { FakeUpstream } from '../../support/upstream.js';
import { readBody } from './http.js';

export interface Demo {
  readonly url: string;
  readonly proxy: ProxyApp;
  readonly upstream: FakeUpstream;
  /** The demo's log lines (request lines included). */
  readonly logs: LogRecord[];
  /** Every request that reached the demo's socket, in arrival order. */
  readonly requests: Array<{
    readonly method: string;
    readonly url: string;
    readonly headers: IncomingHttpHeaders;
  }>;
  /** Claude Code's message calls that reached the fake `/v1/messages`. */
  readonly messages: Array<{ readonly url: string; readonly body: unknown }>;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** The cache directory of the catalogs (a fresh temp directory). */
  readonly cacheDir: string;
  /**
   * The CODEX_HOME the demo sees while it is built: the Codex dialect reads Codex's own models
   * cache, `$CODEX_HOME/models_cache.json`, as its source (the package's default, what a user
   * running Codex and the proxy side by side gets). A directory without the file means no
   * source; it also keeps a developer's real `~/.codex` out of the tests.
   */
  readonly codexHome: string;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const upstream = await new FakeUpstream(fixtureBytes()).start();
  const { logger, lines } = capturingLogger('info');
  const config = testConfig(upstream.url, options.cacheDir);
  const proxy = withCodexHome(options.codexHome, () =>
    createApp(config, { logger: logger as Logger, clock: fixedClock }),
  );
  const messagesPath = `${config.plugins.claude_api.mount}/messages`;
  const messages: Array<{ url: string; body: unknown }> = [];
  const requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];

  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === messagesPath) {
      void answerMessage(req, res, messages);
      return;
    }
    proxy.app(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await proxy.warm();
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    proxy,
    upstream,
    logs: lines,
    requests,
    messages,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await proxy.close();
      await upstream.stop();
    },
  };
}

/** Runs `build` with CODEX_HOME set, restoring the test process's own value right after. */
function withCodexHome<T>(codexHome: string, build: () => T): T {
  const saved = process.env.CODEX_HOME;
  process.env.CODEX_HOME = codexHome;
  try {
    return build();
  } finally {
    if (saved === undefined) delete process.env.CODEX_HOME;
    else process.env.CODEX_HOME = saved;
  }
}

/** A minimal valid Messages answer, streamed when the request asks for a stream. */
async function answerMessage(
  req: IncomingMessage,
  res: ServerResponse,
  messages: Array<{ url: string; body: unknown }>,
): Promise<void> {
  const raw = await readBody(req);
  const body = raw === '' ? {} : (JSON.parse(raw) as { model?: string; stream?: boolean });
  messages.push({ url: req.url ?? '', body });
  const model = body.model ?? 'claude';
  const usage = { input_tokens: 1, output_tokens: 1 };
  const message = {
    id: 'msg_clients_suite',
    type: 'message',
    role: 'assistant',
    model,
    content: [] as unknown[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage,
  };
  if (body.stream !== true) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({ ...message, content: [{ type: 'text', text: 'hello' }], stop_reason: 'end_turn' }),
    );
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  const event = (type: string, data: object): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', { message });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hello' } });
  event('content_block_stop', { index: 0 });
  event('message_delta', {
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 1 },
  });
  event('message_stop', {});
  res.end();
}

import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ProxyApp } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { capturingLogger, tempDirs } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes } from './support/fixture.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const SECRET = 'sk-ant-demo-SECRET-71c0d9';
const IDS = ['claude-sonnet-4-5-20250929', 'claude-3-haiku-20240307', 'claude-gateway-only'];

/** Anthropic's paginated list, one model a page, for the key {@link SECRET} only. */
async function fakeAnthropic(): Promise<{ server: Server; url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    if (req.headers['x-api-key'] !== SECRET) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: { type: 'authentication_error', message: 'invalid x-api-key' },
        }),
      );
      return;
    }
    const after = new URL(req.url ?? '/', 'http://x').searchParams.get('after_id');
    const start = after === null ? 0 : IDS.indexOf(after) + 1;
    const id = IDS[start] as string;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        data: [{ type: 'model', id, display_name: `Gateway ${id}`, created_at: '2025-10-01T00:00:00Z' }],
        has_more: start < IDS.length - 1,
        first_id: id,
        last_id: id,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/v1/models`, requests };
}

describe('[plugins.claude_api.availability] in the demo', () => {
  let litellm: FakeUpstream;
  let anthropic: Awaited<ReturnType<typeof fakeAnthropic>>;
  const dirs = tempDirs();
  const opened: ProxyApp[] = [];

  beforeAll(async () => {
    litellm = await new FakeUpstream(fixtureBytes()).start();
    anthropic = await fakeAnthropic();
  });
  afterAll(async () => {
    anthropic.server.closeAllConnections();
    await new Promise<void>((resolve) => anthropic.server.close(() => resolve()));
    await litellm.stop();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
    await dirs.cleanup();
  });

  const proxyWith = async (key: string) => {
    const cacheDir = await dirs.make();
    const toml = `
[plugins.codex]
models_source_url = ${JSON.stringify(litellm.url)}
models_cache_dir = ${JSON.stringify(cacheDir)}

[plugins.claude_api]
models_source_url = ${JSON.stringify(litellm.url)}
models_cache_dir = ${JSON.stringify(cacheDir)}

[plugins.claude_api.availability]
url = ${JSON.stringify(anthropic.url)}
api_key_env = "DEMO_ANTHROPIC_KEY"
ttl = 300
`;
    const env = { DEMO_ANTHROPIC_KEY: key };
    const config = parseConfig(toml, { env, file: null });
    const { logger, lines } = capturingLogger('debug');
    const proxy = createApp(config, { logger, clock: fixedClock, env, refreshSecret: null });
    opened.push(proxy);
    return { proxy, lines, cacheDir };
  };

  it('lists what the key can call, reports it in /health, and leaves the key nowhere', async () => {
    const { proxy, lines, cacheDir } = await proxyWith(SECRET);
    const res = await request(proxy.app).get('/claude/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    expect(res.body.data.map((m: { id: string }) => m.id).sort()).toEqual([...IDS].sort());
    expect(res.body.data.find((m: { id: string }) => m.id === 'claude-gateway-only')).toMatchObject({
      display_name: 'Gateway claude-gateway-only',
      created_at: '2025-10-01T00:00:00Z',
    });
    expect(anthropic.requests.at(-1)?.headers['x-api-key']).toBe(SECRET);
    // The codex plugin has no list configured: LiteLLM's as before.
    const codex = await request(proxy.app).get('/codex/v1/models').expect(200);
    expect(codex.body.data).toHaveLength(EXPECTED.openai);

    const health = await request(proxy.app).get('/health').expect(200);
    expect(health.body.plugins.claude_api.availability).toMatchObject({
      format: 'anthropic',
      state: 'ok',
      models: 3,
      lastError: null,
    });
    expect(health.body.plugins.codex.availability).toBeUndefined();
    for (const plugin of proxy.plugins) await plugin.router.idle();
    await proxy.close();
    expect(health.text).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    for (const file of await readdir(cacheDir)) {
      expect((await readFile(join(cacheDir, file))).includes(SECRET)).toBe(false);
    }
  });

  it('a refused key leaves LiteLLM list in place, /health degraded and saying why', async () => {
    const { proxy, lines } = await proxyWith('sk-ant-wrong-key');
    const res = await request(proxy.app).get('/claude/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    expect(res.body.data).toHaveLength(EXPECTED.anthropic);
    expect(res.headers['x-models-source']).toMatch(/; availability=failed$/);
    const health = await request(proxy.app).get('/health').expect(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.plugins.claude_api.availability).toMatchObject({
      state: 'failed',
      lastError: { message: expect.stringMatching(/HTTP 401/) },
    });
    expect(health.text).not.toContain('sk-ant-wrong-key');
    expect(JSON.stringify(lines)).not.toContain('sk-ant-wrong-key');
  });
});

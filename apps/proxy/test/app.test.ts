import { type Logger, pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type ProxyApp } from '../src/app.js';
import { CLAUDE_FALLBACK_MODELS, CODEX_FALLBACK_MODELS } from '../src/fallback.js';
import { healthReport } from '../src/health.js';
import type { MountedPlugin } from '../src/plugins.js';
import { capturingLogger, type LogRecord, tempDirs, testConfig } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes } from './support/fixture.js';
import { closedPortUrl, FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const silent: Logger = pino({ level: 'silent' });

let upstream: FakeUpstream;
const dirs = tempDirs();
const opened: ProxyApp[] = [];

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.status = 200;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
  await dirs.cleanup();
});

/** A proxy over the fake upstream with a fresh cache directory and the date pinned. */
async function proxyFor(
  env: Record<string, string> = {},
  options: { url?: string; logger?: Logger } = {},
): Promise<ProxyApp> {
  const config = testConfig(options.url ?? upstream.url, await dirs.make(), env);
  const proxy = createApp(config, { logger: options.logger ?? silent, clock: fixedClock });
  opened.push(proxy);
  return proxy;
}

describe('codex plugin (/codex/v1, OpenAI shape)', () => {
  it('lists the openai chat and responses models of the fixture', async () => {
    const { app } = await proxyFor();
    const res = await request(app).get('/codex/v1/models').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.object).toBe('list');
    expect(res.body.data).toHaveLength(EXPECTED.openai);
    const ids = res.body.data.map((model: { id: string }) => model.id);
    expect(ids).toEqual(
      expect.arrayContaining(['gpt-5', 'gpt-5.1-codex-max', 'gpt-5.3-codex', 'codex-mini-latest']),
    );
    expect(ids.some((id: string) => id.startsWith('claude') || id.startsWith('ft:'))).toBe(false);
    expect(res.body.data.every((model: { owned_by: string }) => model.owned_by === 'openai')).toBe(true);
  });

  it('retrieves one model, and answers 404 in the OpenAI envelope for an unknown one', async () => {
    const { app } = await proxyFor();
    const res = await request(app).get('/codex/v1/models/gpt-5.1-codex-max').expect(200);
    expect(res.body).toMatchObject({
      id: 'gpt-5.1-codex-max',
      object: 'model',
      owned_by: 'openai',
      max_input_tokens: 272_000,
      max_output_tokens: 128_000,
      mode: 'responses',
    });
    const missing = await request(app).get('/codex/v1/models/gpt-nope').expect(404);
    expect(missing.body).toEqual({
      error: {
        message: "The model 'gpt-nope' does not exist",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });

  it('answers HEAD and conditional requests', async () => {
    const { app } = await proxyFor();
    const first = await request(app).get('/codex/v1/models').expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toBeTruthy();
    await request(app).head('/codex/v1/models').expect(200);
    await request(app).get('/codex/v1/models').set('If-None-Match', etag).expect(304);
  });
});

describe('claude_api plugin (/claude/v1, Anthropic shape)', () => {
  it('lists the anthropic models newest first with anthropic-version', async () => {
    const { app } = await proxyFor();
    const res = await request(app).get('/claude/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    expect(res.body.data).toHaveLength(EXPECTED.anthropic);
    expect(res.body.has_more).toBe(false);
    expect(res.body.first_id).toBe(res.body.data[0].id);
    expect(res.body.last_id).toBe(res.body.data.at(-1).id);
    for (const model of res.body.data) {
      expect(model).toMatchObject({ type: 'model', id: expect.stringMatching(/^claude-/) });
      expect(typeof model.display_name).toBe('string');
      expect(Number.isNaN(Date.parse(model.created_at))).toBe(false);
    }
    const ids = res.body.data.map((model: { id: string }) => model.id);
    expect(ids).toContain('claude-sonnet-4-5-20250929');
    // Deprecated on 2026-08-05, before the pinned date.
    expect(ids).not.toContain('claude-opus-4-1-20250805');
  });

  it('pages with the Anthropic cursors', async () => {
    const { app } = await proxyFor();
    const first = await request(app).get('/claude/v1/models?limit=5').set(ANTHROPIC).expect(200);
    expect(first.body.data).toHaveLength(5);
    expect(first.body.has_more).toBe(true);
    const next = await request(app)
      .get(`/claude/v1/models?limit=5&after_id=${first.body.last_id}`)
      .set(ANTHROPIC)
      .expect(200);
    expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
    await request(app).get('/claude/v1/models?limit=0').set(ANTHROPIC).expect(400);
  });

  it('retrieves one model as ModelInfo, and answers 404 in the Anthropic envelope', async () => {
    const { app } = await proxyFor();
    const res = await request(app)
      .get('/claude/v1/models/claude-sonnet-4-5-20250929')
      .set(ANTHROPIC)
      .expect(200);
    expect(res.body).toMatchObject({
      type: 'model',
      id: 'claude-sonnet-4-5-20250929',
      display_name: expect.any(String),
      created_at: expect.stringMatching(/^2025-09-29T/),
    });
    const missing = await request(app).get('/claude/v1/models/claude-nope').set(ANTHROPIC).expect(404);
    expect(missing.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('speaks the OpenAI shape to clients without anthropic-version', async () => {
    const { app } = await proxyFor();
    const res = await request(app).get('/claude/v1/models').expect(200);
    expect(res.body.object).toBe('list');
    expect(res.body.data).toHaveLength(EXPECTED.anthropic);
  });
});

describe('catalog sharing', () => {
  it('two plugins with equal source options share one catalog and one fetch', async () => {
    const proxy = await proxyFor();
    const [codex, claude] = proxy.plugins;
    expect(codex?.router.catalog).toBe(claude?.router.catalog);
    // The sanity check protects both plugins' providers on the one catalog.
    expect(codex?.router.catalog.options.providers).toEqual(['openai', 'anthropic']);
    await request(proxy.app).get('/codex/v1/models').expect(200);
    await request(proxy.app).get('/claude/v1/models').set(ANTHROPIC).expect(200);
    await request(proxy.app).get('/health').expect(200);
    expect(upstream.count).toBe(1);
  });

  it('different source options give each plugin its own catalog', async () => {
    const proxy = await proxyFor({ PLUGINS__CLAUDE_API__MODELS_CACHE_TTL_HOURS: '12' });
    const [codex, claude] = proxy.plugins;
    expect(codex?.router.catalog).not.toBe(claude?.router.catalog);
    expect(codex?.router.catalog.options.providers).toEqual(['openai']);
    expect(claude?.router.catalog.options.providers).toEqual(['anthropic']);
  });
});

describe('GET /health', () => {
  it('reports each plugin: source, age, counts and last error', async () => {
    const { app } = await proxyFor();
    await request(app).get('/codex/v1/models').expect(200);
    const res = await request(app).get('/health').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.status).toBe('ok');
    expect(res.body.plugins.codex).toMatchObject({
      enabled: true,
      mount: '/codex/v1',
      provider: 'openai',
      listed: EXPECTED.openai,
      lastAnswer: 'upstream',
      catalog: {
        url: upstream.url,
        enabled: true,
        source: 'upstream',
        ageMs: 0,
        stale: false,
        lastError: null,
        disk: 'ok',
      },
    });
    expect(res.body.plugins.codex.catalog.models).toBeGreaterThan(EXPECTED.all);
    expect(res.body.plugins.claude_api).toMatchObject({ provider: 'anthropic', listed: EXPECTED.anthropic });
    // Where Codex's own entries come from: not looked at before Codex's first request.
    expect(res.body.plugins.codex.codex).toMatchObject({ source: 'file', entries: null });
    expect(res.body.plugins.codex.codex.reason).toMatch(/not been read yet/);
    expect(res.body.plugins.claude_api).not.toHaveProperty('codex');
  });

  it('is degraded, and the models come from the shipped snapshot, when the upstream is unreachable', async () => {
    const proxy = await proxyFor({}, { url: await closedPortUrl() });
    const list = await request(proxy.app).get('/codex/v1/models').expect(200);
    expect(list.headers['x-models-source']).toBe('snapshot');
    expect(list.body.data.length).toBeGreaterThan(CODEX_FALLBACK_MODELS.length);
    const res = await request(proxy.app).get('/health').expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.plugins.codex.catalog.source).toBe('snapshot');
    expect(res.body.plugins.codex.catalog.lastError.message).toMatch(/ECONNREFUSED/);
  });

  it('shows the cache tier: SQLite by default; with [cache] redis_url a Redis that is down degrades it, and nothing fails', async () => {
    const sqlite = await proxyFor();
    await request(sqlite.app).get('/codex/v1/models').expect(200);
    const local = await request(sqlite.app).get('/health').expect(200);
    expect(local.body.cache).toEqual({ store: 'sqlite', state: 'ok', lease: 'sqlite', error: null });

    const redisUrl = (await closedPortUrl()).replace(/^http:(\/\/[^/]+).*$/, 'redis:$1');
    const proxy = await proxyFor({ CACHE__REDIS_URL: redisUrl });
    // Both plugins share the one Redis store, so they still share one catalog.
    expect(new Set(proxy.plugins.map((plugin) => plugin.router.catalog)).size).toBe(1);
    const list = await request(proxy.app).get('/codex/v1/models').expect(200);
    expect(list.headers['x-models-source']).toBe('upstream');
    expect(list.body.data).toHaveLength(EXPECTED.openai);
    const res = await request(proxy.app).get('/health').expect(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.cache).toMatchObject({ store: 'redis', state: 'degraded', lease: 'redis' });
    expect(res.body.cache.error).toMatch(/cache store get failed/);
  });

  it('still answers when a plugin cannot report its status: that plugin is shown with the reason', async () => {
    const config = testConfig(upstream.url, await dirs.make());
    const broken = {
      name: 'codex',
      provider: 'openai',
      mount: '/codex/v1',
      router: {
        status() {
          throw new Error('status unavailable');
        },
      },
    } as unknown as MountedPlugin;
    const report = healthReport(config, [broken], 0);
    expect(report.status).toBe('degraded');
    expect(report.plugins.codex).toEqual({
      enabled: true,
      mount: '/codex/v1',
      provider: 'openai',
      error: 'status unavailable',
    });
    expect(report.plugins.claude_api.enabled).toBe(false);
  });

  it('shows a disabled plugin as disabled, and does not mount it', async () => {
    const { app } = await proxyFor({ PLUGINS__CLAUDE_API__ENABLED: 'false' });
    const res = await request(app).get('/health').expect(200);
    expect(res.body.plugins.claude_api).toEqual({
      enabled: false,
      mount: '/claude/v1',
      provider: 'anthropic',
    });
    await request(app).get('/claude/v1/models').expect(404);
    await request(app).get('/codex/v1/models').expect(200);
  });
});

describe('configuration reaches the routers', () => {
  it('dynamic_models_enabled = false serves the built-in cards without touching the upstream', async () => {
    const { app } = await proxyFor({
      PLUGINS__CODEX__DYNAMIC_MODELS_ENABLED: 'false',
      PLUGINS__CLAUDE_API__DYNAMIC_MODELS_ENABLED: 'false',
    });
    const codex = await request(app).get('/codex/v1/models').expect(200);
    expect(codex.headers['x-models-source']).toBe('fallback');
    expect(codex.body.data.map((model: { id: string }) => model.id).sort()).toEqual(
      CODEX_FALLBACK_MODELS.map((model) => model.id).sort(),
    );
    const claude = await request(app).get('/claude/v1/models?limit=100').set(ANTHROPIC).expect(200);
    expect(claude.body.data.map((model: { id: string }) => model.id).sort()).toEqual(
      CLAUDE_FALLBACK_MODELS.map((model) => model.id).sort(),
    );
    const one = await request(app).get('/codex/v1/models/gpt-5.3-codex').expect(200);
    expect(one.body).toMatchObject({ owned_by: 'openai', max_input_tokens: 272_000, mode: 'responses' });
    expect(upstream.count).toBe(0);
  });

  it('custom mounts', async () => {
    const { app } = await proxyFor({
      PLUGINS__CODEX__MOUNT: '/openai/v1',
      PLUGINS__CLAUDE_API__MOUNT: '/anthropic/v1',
    });
    await request(app).get('/openai/v1/models').expect(200);
    await request(app).get('/anthropic/v1/models').set(ANTHROPIC).expect(200);
    await request(app).get('/codex/v1/models').expect(404);
  });
});

describe('everything else', () => {
  it('answers unknown routes with a JSON 404 in the caller’s dialect', async () => {
    const { app } = await proxyFor();
    const openai = await request(app).get('/nope').expect(404);
    expect(openai.body.error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Not found: GET /nope',
    });
    const anthropic = await request(app).post('/claude/v1/messages').expect(404);
    expect(anthropic.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('logs one info line per request with method, url, status and ms', async () => {
    const { logger, lines } = capturingLogger();
    const { app } = await proxyFor({}, { logger });
    await request(app).get('/codex/v1/models?supports=vision').expect(200);
    await request(app).get('/missing').expect(404);
    const requests = lines.filter(
      (line): line is LogRecord & { url: string } => typeof line.url === 'string' && 'ms' in line,
    );
    expect(requests.map(({ method, url, status, level }) => ({ method, url, status, level }))).toEqual([
      { method: 'GET', url: '/codex/v1/models?supports=vision', status: 200, level: 30 },
      { method: 'GET', url: '/missing', status: 404, level: 30 },
    ]);
    expect(typeof requests[0]?.ms).toBe('number');
  });

  it('warm() loads the catalogs and logs one line naming each plugin’s source', async () => {
    const { logger, lines } = capturingLogger();
    const proxy = await proxyFor({}, { logger });
    await proxy.warm();
    const ready = lines.filter((line) => line.msg.startsWith('models ready'));
    expect(ready).toHaveLength(1);
    expect(ready[0]?.msg).toBe(
      `models ready: codex lists ${EXPECTED.openai} models from upstream, claude_api lists ${EXPECTED.anthropic} models from upstream (one shared catalog)`,
    );
  });

  it('warm() says so when it falls back to the snapshot, and the catalog warns once', async () => {
    const { logger, lines } = capturingLogger();
    const proxy = await proxyFor({}, { logger, url: await closedPortUrl() });
    await proxy.warm();
    const ready = lines.find((line) => line.msg.startsWith('models ready'));
    expect(ready?.msg).toMatch(
      /^models ready: codex lists \d+ models from snapshot, claude_api lists \d+ models from snapshot \(one shared catalog\); upstream failed: .*ECONNREFUSED/,
    );
    expect(lines.some((line) => line.level === 40 && line.component === 'models')).toBe(true);
  });

  it('close() closes the catalogs it created and can be called twice', async () => {
    const proxy = await proxyFor({ PLUGINS__CLAUDE_API__MODELS_CACHE_TTL_HOURS: '12' });
    await request(proxy.app).get('/codex/v1/models').expect(200);
    await proxy.close();
    await proxy.close();
    for (const plugin of proxy.plugins) {
      expect((await plugin.router.catalog.refresh()).ok).toBe(false);
    }
    expect(upstream.count).toBe(1);
  });
});

import { join } from 'node:path';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import { type ModelsRouter, type ModelsRouterOptions, modelsRouter, SOURCE_HEADER } from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { codexCache, ENTRY_A, ENTRY_B, ENTRY_BAD, ENTRY_C, writeCodexCache } from './support/codex.js';
import { FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { memoryLogger } from './support/logger.js';
import { tempDirs } from './support/tmp.js';
import { FakeUpstream, openaiModelList } from './support/upstream.js';

const CODEX_QUERY = '/v1/models?client_version=0.171.0';

describe.each(EXPRESS_VERSIONS)('Codex dialect on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let logger: ReturnType<typeof memoryLogger>;
  let codexHome: string;
  let cacheFile: string;
  const dirs = tempDirs();
  const routers: ModelsRouter[] = [];
  const savedHome = process.env.CODEX_HOME;

  const mount = (options: Partial<ModelsRouterOptions> = {}) => {
    const router = modelsRouter({ provider: 'openai', catalog, ...options });
    routers.push(router);
    return { app: proxyApp(makeApp, router), router };
  };

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
    await dirs.cleanup();
  });
  beforeEach(async () => {
    logger = memoryLogger();
    catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
      logger,
    });
    codexHome = await dirs.make();
    cacheFile = join(codexHome, 'models_cache.json');
    // The default source is resolved from CODEX_HOME when the router is made.
    process.env.CODEX_HOME = codexHome;
    await writeCodexCache(cacheFile, codexCache([ENTRY_A, ENTRY_B, ENTRY_BAD, ENTRY_C]));
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await catalog.close();
    if (savedHome === undefined) delete process.env.CODEX_HOME;
    else process.env.CODEX_HOME = savedHome;
  });

  it('answers Codex, known by its client_version query, from $CODEX_HOME/models_cache.json', async () => {
    const { app, router } = mount();
    const res = await request(app).get(CODEX_QUERY).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers[SOURCE_HEADER]).toBe('codex-cache');
    expect(Object.keys(res.body)).toEqual(['models']);
    expect(res.body.models.map((m: { slug: string }) => m.slug)).toEqual([
      'gpt-5.3-codex',
      'o3-mini',
      'codex-test-only',
    ]);
    const status = router.status().codex;
    expect(status).toMatchObject({ source: 'file', location: cacheFile, entries: 3, reason: null });
    expect(status.rejected).toEqual([
      {
        slug: 'gpt-5.1-codex',
        reason: 'no instructions (neither `base_instructions` nor `model_messages.instructions_template`)',
      },
    ]);
    expect(logger.at('warn').filter((l) => l.msg?.includes('left out'))).toHaveLength(1);
  });

  it.each(['codex_exec', 'codex-tui', 'codex_cli_rs', 'codex_vscode'])(
    'knows Codex by its originator header %s',
    async (originator) => {
      const { app } = mount();
      const res = await request(app).get('/v1/models').set('originator', originator).expect(200);
      expect(res.body.models).toHaveLength(3);
    },
  );

  it('keeps the OpenAI list for everyone else', async () => {
    const { app } = mount();
    for (const originator of [undefined, 'opencode', 'my-codex']) {
      const req = request(app).get('/v1/models');
      if (originator !== undefined) req.set('originator', originator);
      const res = await req.expect(200);
      expect(res.body.object).toBe('list');
      // A near miss of `client_version` is no Codex request: the OpenAI list refuses the parameter.
      const near = request(app).get('/v1/models?client=0.1');
      if (originator !== undefined) near.set('originator', originator);
      const refused = await near.expect(400);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param: 'client' });
    }
  });

  it('serves the entries as read: instructions untouched, LiteLLM filling only what is missing', async () => {
    const { app } = mount();
    await catalog.get();
    const res = await request(app).get(CODEX_QUERY).expect(200);
    const [a, b, c] = res.body.models;
    // Unknown to LiteLLM: the very text of the source's entry.
    expect(res.text).toContain(JSON.stringify(ENTRY_C));
    expect(c).toEqual(ENTRY_C);
    // Known to LiteLLM: the source's keys first, in order and unchanged, then only the gaps.
    expect(res.text).toContain(`${JSON.stringify(ENTRY_A).slice(0, -1)},"context_window":272000,`);
    expect(a).toEqual({ ...ENTRY_A, context_window: 272000, input_modalities: ['text', 'image'] });
    expect(a.base_instructions).toBe('TEST INSTRUCTIONS A');
    expect(a.model_messages).toEqual(ENTRY_A.model_messages);
    // Its own context_window wins; LiteLLM says o3-mini takes no images.
    expect(b).toEqual({ ...ENTRY_B, input_modalities: ['text'] });
  });

  it('gives each dialect its own ETag, varies on what chooses the dialect, and answers 304', async () => {
    const { app } = mount();
    const openai = await request(app).get('/v1/models').expect(200);
    const codex = await request(app).get('/v1/models').set('originator', 'codex_exec').expect(200);
    const anthropic = await request(app).get('/v1/models').set('anthropic-version', '2023-06-01').expect(200);
    for (const res of [openai, codex, anthropic])
      expect(res.headers.vary).toBe('anthropic-version, originator');
    const etags = new Set([openai.headers.etag, codex.headers.etag, anthropic.headers.etag]);
    expect(etags.size).toBe(3);
    await request(app).get(CODEX_QUERY).set('If-None-Match', String(codex.headers.etag)).expect(304);
    // The Codex validator does not match the OpenAI body at the same path.
    await request(app).get('/v1/models').set('If-None-Match', String(codex.headers.etag)).expect(200);
  });

  it("the operator's include / exclude hide slugs from Codex's picker as from the other lists", async () => {
    const { app } = mount({ exclude: ['o3-*'] });
    const res = await request(app).get(CODEX_QUERY).expect(200);
    expect(res.body.models.map((m: { slug: string }) => m.slug)).toEqual([
      'gpt-5.3-codex',
      'codex-test-only',
    ]);
    await request(app).get('/v1/models/o3-mini').set('originator', 'codex_exec').expect(404);
    const only = mount({ include: ['gpt-5*'] }).app;
    const included = await request(only).get(CODEX_QUERY).expect(200);
    expect(included.body.models.map((m: { slug: string }) => m.slug)).toEqual(['gpt-5.3-codex']);
  });

  it("with the provider's own list, Codex sees only the slugs the account can call", async () => {
    const provider = await new FakeUpstream(openaiModelList('o3-mini')).start();
    try {
      const { app, router } = mount({ availability: { url: provider.url } });
      // The first request waits for the list, as the other dialects' first requests do.
      const res = await request(app).get(CODEX_QUERY).expect(200);
      expect(res.body.models.map((m: { slug: string }) => m.slug)).toEqual(['o3-mini']);
      await request(app).get('/v1/models/gpt-5.3-codex').set('originator', 'codex_exec').expect(404);
      await request(app).get('/v1/models/o3-mini').set('originator', 'codex_exec').expect(200);
      expect(router.status().availability).toMatchObject({ state: 'ok' });
    } finally {
      await Promise.all(routers.splice(0).map((r) => r.close()));
      await provider.stop();
    }
  });

  it("with format 'codex' answers every request in Codex's shape, and retrieves by slug", async () => {
    const { app } = mount({ format: 'codex' });
    const res = await request(app).get('/v1/models').expect(200);
    expect(res.headers.vary).toBeUndefined();
    expect(res.body.models).toHaveLength(3);
    const one = await request(app).get('/v1/models/codex-test-only').expect(200);
    expect(one.body).toEqual(ENTRY_C);
    const missing = await request(app).get('/v1/models/gpt-5.1-codex').expect(404);
    expect(missing.headers['cache-control']).toBe('no-store');
    expect(missing.body.error.code).toBe('model_not_found');
  });

  it('answers HEAD like GET, and leaves Codex requests alone when the format is fixed to another dialect', async () => {
    const { app } = mount();
    const get = await request(app).get(CODEX_QUERY).expect(200);
    const head = await request(app).head(CODEX_QUERY).expect(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    const openai = mount({ format: 'openai' }).app;
    expect((await request(openai).get(CODEX_QUERY).expect(200)).body.object).toBe('list');
  });

  it('without a source answers {"models": []} and says why, once, in the log and in status()', async () => {
    const { app, router } = mount({ codex: { cacheFile: false } });
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get(CODEX_QUERY).expect(200);
      expect(res.text).toBe('{"models":[]}');
      expect(res.headers[SOURCE_HEADER]).toBe('codex-none');
    }
    expect(router.status().codex).toMatchObject({ source: 'none', entries: null });
    expect(router.status().codex.reason).toMatch(/no Codex source/);
    expect(logger.at('warn').filter((l) => l.msg?.includes('no Codex source'))).toHaveLength(1);
  });

  it('answers {"models": []} while the cache file is missing, and reads it once it appears', async () => {
    const file = join(await dirs.make(), 'later', 'models_cache.json');
    const { app, router } = mount({ codex: { cacheFile: file } });
    expect((await request(app).get(CODEX_QUERY).expect(200)).text).toBe('{"models":[]}');
    expect((await request(app).get(CODEX_QUERY).expect(200)).text).toBe('{"models":[]}');
    expect(router.status().codex.reason).toMatch(/no such file/);
    expect(logger.at('warn').filter((l) => l.msg?.includes('Codex model list'))).toHaveLength(1);
    await writeCodexCache(file, codexCache([ENTRY_C]));
    const res = await request(app).get(CODEX_QUERY).expect(200);
    expect(res.body.models).toEqual([ENTRY_C]);
    expect(router.status().codex).toMatchObject({ entries: 1, reason: null, lastError: null });
  });

  it('keeps the last good copy through a broken file, and serves a rewritten one', async () => {
    const { app, router } = mount();
    await catalog.get();
    const good = await request(app).get(CODEX_QUERY).expect(200);
    for (const broken of ['{"fetched_at": "2026-11', '{"fetched_at": "x"}', '[]']) {
      await writeCodexCache(cacheFile, broken);
      const res = await request(app).get(CODEX_QUERY).expect(200);
      expect(res.text).toBe(good.text);
      expect(res.headers.etag).toBe(good.headers.etag);
      expect(router.status().codex.lastError?.message).toMatch(/not JSON|no `models` array/);
      expect(router.status().codex.entries).toBe(3);
    }
    await writeCodexCache(cacheFile, codexCache([ENTRY_B]));
    const rewritten = await request(app).get(CODEX_QUERY).expect(200);
    expect(rewritten.body.models.map((m: { slug: string }) => m.slug)).toEqual(['o3-mini']);
    expect(rewritten.headers.etag).not.toBe(good.headers.etag);
    expect(router.status().codex.lastError).toBeNull();
  });

  it('does not hold Codex for a cold LiteLLM catalog: unfilled first, filled once it has loaded', async () => {
    const { app } = mount();
    const cold = await request(app).get(CODEX_QUERY).expect(200);
    expect(cold.body.models).toEqual([ENTRY_A, ENTRY_B, ENTRY_C]);
    // The Codex request started the load.
    await catalog.idle();
    expect(catalog.peek()).toBeDefined();
    const warm = await request(app).get(CODEX_QUERY).expect(200);
    expect(warm.body.models[0].context_window).toBe(272000);
    expect(warm.headers.etag).not.toBe(cold.headers.etag);
  });

  it('serves the entries unfilled when LiteLLM cannot be loaded', async () => {
    await catalog.close();
    const failing = await new FakeUpstream('').start();
    failing.handle = (_req, res) => {
      res.statusCode = 503;
      res.end();
    };
    catalog = createCatalog({ url: failing.url, store: new Map(), snapshot: false, logger });
    try {
      const { app } = mount();
      const res = await request(app).get(CODEX_QUERY).expect(200);
      expect(res.body.models).toEqual([ENTRY_A, ENTRY_B, ENTRY_C]);
    } finally {
      await failing.stop();
    }
  });

  it('reads an upstream Codex catalog when codex.url is set', async () => {
    const codexUpstream = await new FakeUpstream({ models: [ENTRY_C, ENTRY_A] }).start();
    try {
      const { app, router } = mount({ codex: { url: codexUpstream.url } });
      const res = await request(app).get(CODEX_QUERY).expect(200);
      expect(res.headers[SOURCE_HEADER]).toBe('codex-url');
      expect(res.body.models.map((m: { slug: string }) => m.slug)).toEqual([
        'codex-test-only',
        'gpt-5.3-codex',
      ]);
      expect(router.status().codex).toMatchObject({ source: 'url', location: codexUpstream.url, entries: 2 });
    } finally {
      await codexUpstream.stop();
    }
  });

  it('refuses bad codex options at construction, naming the key', () => {
    expect(() => mount({ codex: { url: 'http://x/', cacheFile: '/tmp/x' } })).toThrow(
      /codex\.url.*codex\.cacheFile/,
    );
    expect(() => mount({ codex: { cacheFile: '' } })).toThrow(/`codex\.cacheFile`/);
    expect(() => mount({ codex: { ttlMs: 0 } })).toThrow(RangeError);
    expect(() => mount({ codex: { url: 'ftp://x/' } })).toThrow(/`codex\.url`/);
    expect(() => mount({ codex: { file: 'x' } as never })).toThrow(/unknown codex option `file`/);
    expect(() => mount({ codex: 'yes' as never })).toThrow(/option `codex` must be an object/);
  });
});

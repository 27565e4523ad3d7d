import http from 'node:http';
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Catalog, type CatalogResult, createCatalog } from '../src/catalog/catalog.js';
import {
  checkRouterOptions,
  type ModelsRouter,
  type ModelsRouterOptions,
  modelsRouter,
  SOURCE_HEADER,
} from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { closeServer, listen, send } from './support/http.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

describe.each(EXPRESS_VERSIONS)('modelsRouter on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let clock: ManualClock;
  let catalog: Catalog;
  const routers: ModelsRouter[] = [];

  const mount = (options: Partial<ModelsRouterOptions> & { provider: string }, errors: unknown[] = []) => {
    const router = modelsRouter({ catalog, ...options });
    routers.push(router);
    return proxyApp(makeApp, router, errors);
  };

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
  });
  beforeEach(() => {
    clock = new ManualClock(FIXED_NOW);
    catalog = createCatalog({ url: upstream.url, store: new Map(), clock, snapshot: false });
    upstream.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    await catalog.close();
  });

  describe('OpenAI format', () => {
    it('lists the provider models with caching headers and the source', async () => {
      const app = mount({ provider: 'openai' });
      const res = await request(app).get('/v1/models').expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
      expect(res.headers.vary).toBe('anthropic-version, originator');
      expect(res.headers[SOURCE_HEADER]).toBe('upstream');
      expect(res.body.object).toBe('list');
      expect(res.body.data).toHaveLength(EXPECTED.openai);
      const codex = res.body.data.find((m: { id: string }) => m.id === 'gpt-5-codex');
      expect(codex).toMatchObject({
        object: 'model',
        owned_by: 'openai',
        mode: 'responses',
        context_length: 272000,
      });
      const again = await request(app).get('/v1/models').expect(200);
      expect(again.headers[SOURCE_HEADER]).toBe('memory');
      expect(again.headers.etag).toBe(res.headers.etag);
      expect(again.text).toBe(res.text);
    });

    it('retrieves plain and awkward ids, raw and percent-encoded', async () => {
      const app = mount({ provider: 'openai' });
      const one = await request(app).get('/v1/models/gpt-4.1').expect(200);
      expect(one.body).toMatchObject({ id: 'gpt-4.1', object: 'model', owned_by: 'openai' });
      expect(one.headers.etag).toBeDefined();
      await request(app).get('/v1/models/openai/container').expect(200);
      await request(app).get('/v1/models/openai%2Fcontainer').expect(200);
      const all = mount({ provider: 'all' });
      const bedrock = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
      expect((await request(all).get(`/v1/models/${bedrock}`).expect(200)).body.id).toBe(bedrock);
      expect(
        (
          await request(all)
            .get(`/v1/models/${encodeURIComponent(bedrock)}`)
            .expect(200)
        ).body.id,
      ).toBe(bedrock);
      const slashed = 'openrouter/anthropic/claude-sonnet-4.5';
      expect((await request(all).get(`/v1/models/${slashed}`).expect(200)).body.id).toBe(slashed);
      expect(
        (
          await request(all)
            .get(`/v1/models/${encodeURIComponent(slashed)}`)
            .expect(200)
        ).body.id,
      ).toBe(slashed);
    });

    it('answers an unknown id with the OpenAI 404 envelope, not cacheable', async () => {
      const app = mount({ provider: 'openai' });
      for (const id of ['nope', 'claude-sonnet-4-5', '%E0%A4%A', 'ft:gpt-4o-2024-08-06']) {
        const res = await request(app).get(`/v1/models/${id}`).expect(404);
        expect(res.body.error).toMatchObject({
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        });
        expect(res.body.error.message).toMatch(/^The model '.+' does not exist$/);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.etag).toBeUndefined();
      }
    });

    it('answers HEAD like GET without a body', async () => {
      const app = mount({ provider: 'openai' });
      const get = await request(app).get('/v1/models');
      const head = await request(app).head('/v1/models').expect(200);
      expect(head.headers.etag).toBe(get.headers.etag);
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.text ?? '').toBe('');
      await request(app).head('/v1/models/gpt-4.1').expect(200);
      await request(app).head('/v1/models/nope').expect(404);
    });

    it('answers 304 to a matching If-None-Match, weak or in a list', async () => {
      const app = mount({ provider: 'openai' });
      const { headers } = await request(app).get('/v1/models');
      const etag = headers.etag as string;
      for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await request(app).get('/v1/models').set('If-None-Match', inm).expect(304);
        expect(res.headers.etag).toBe(etag);
        expect(res.text ?? '').toBe('');
      }
      await request(app).get('/v1/models').set('If-None-Match', '"stale"').expect(200);
      const one = await request(app).get('/v1/models/gpt-4.1');
      await request(app)
        .get('/v1/models/gpt-4.1')
        .set('If-None-Match', one.headers.etag as string)
        .expect(304);
    });
  });

  describe('Anthropic format', () => {
    it('lists newest first with the default page of 20 and readable names', async () => {
      const app = mount({ provider: 'anthropic' });
      const res = await request(app).get('/v1/models').set(ANTHROPIC).expect(200);
      expect(res.body.data).toHaveLength(EXPECTED.anthropic);
      expect(res.body.has_more).toBe(false);
      expect(res.body.first_id).toBe(res.body.data[0].id);
      expect(res.body.last_id).toBe(res.body.data.at(-1).id);
      const sonnet = res.body.data.find((m: { id: string }) => m.id === 'claude-sonnet-4-5-20250929');
      expect(sonnet).toMatchObject({
        type: 'model',
        display_name: 'Claude Sonnet 4.5',
        created_at: '2025-09-29T00:00:00Z',
        max_input_tokens: 200000,
        max_tokens: 64000,
        capabilities: {
          image_input: { supported: true },
          pdf_input: { supported: true },
          thinking: { supported: true },
        },
      });
      const created = res.body.data.map((m: { created_at: string }) => Date.parse(m.created_at));
      const dated = created.filter((t: number) => t > 0);
      expect(dated).toEqual([...dated].sort((a, b) => b - a));
    });

    it('pages forwards and backwards through the whole list', async () => {
      const app = mount({ provider: 'anthropic' });
      const all = (await request(app).get('/v1/models?limit=1000').set(ANTHROPIC)).body;
      expect(all.data).toHaveLength(EXPECTED.anthropic);
      const ids = all.data.map((m: { id: string }) => m.id);
      for (const limit of [1, 3, 5, 20]) {
        const forward: string[] = [];
        let after: string | null = null;
        for (;;) {
          const query: string = `/v1/models?limit=${limit}${after ? `&after_id=${encodeURIComponent(after)}` : ''}`;
          const page = (await request(app).get(query).set(ANTHROPIC).expect(200)).body;
          forward.push(...page.data.map((m: { id: string }) => m.id));
          if (!page.has_more) break;
          after = page.last_id;
        }
        expect(forward).toEqual(ids);
        const backward: string[] = [];
        let before: string | null = ids.at(-1);
        backward.unshift(before as string);
        for (;;) {
          const page = (
            await request(app).get(`/v1/models?limit=${limit}&before_id=${before}`).set(ANTHROPIC).expect(200)
          ).body;
          backward.unshift(...page.data.map((m: { id: string }) => m.id));
          if (!page.has_more) break;
          before = page.first_id;
        }
        expect(backward).toEqual(ids);
      }
    });

    it.each([
      ['limit=0', /limit/],
      ['limit=1001', /limit/],
      ['limit=abc', /limit/],
      ['limit=1&limit=2', /limit/],
      ['after_id=nope', /nope/],
      ['before_id=nope', /nope/],
      ['after_id=', /after_id/],
      ['after_id=claude-opus-4-5&before_id=claude-opus-4-5', /after_id/],
    ])('answers 400 invalid_request_error to ?%s', async (query, message) => {
      const app = mount({ provider: 'anthropic' });
      const res = await request(app).get(`/v1/models?${query}`).set(ANTHROPIC).expect(400);
      expect(res.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(res.body.error.message).toMatch(message);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('ignores parameters it does not know, as the real API does', async () => {
      const app = mount({ provider: 'anthropic' });
      const res = await request(app).get('/v1/models?limit[a]=1&beta=true').set(ANTHROPIC).expect(200);
      expect(res.body.data).toHaveLength(EXPECTED.anthropic);
    });

    it('retrieves a model and answers an unknown one with not_found_error', async () => {
      const app = mount({ provider: 'anthropic' });
      const one = await request(app).get('/v1/models/claude-opus-4-1').set(ANTHROPIC).expect(200);
      expect(one.body).toMatchObject({
        type: 'model',
        id: 'claude-opus-4-1',
        display_name: 'Claude Opus 4.1',
      });
      const missing = await request(app).get('/v1/models/gpt-4.1').set(ANTHROPIC).expect(404);
      expect(missing.body).toEqual({
        type: 'error',
        error: { type: 'not_found_error', message: 'model: gpt-4.1' },
      });
    });

    it('follows the format option instead of the header when it is not auto', async () => {
      const openai = mount({ provider: 'anthropic', format: 'openai' });
      expect((await request(openai).get('/v1/models').set(ANTHROPIC)).body.object).toBe('list');
      const anthropic = mount({ provider: 'anthropic', format: 'anthropic' });
      const res = await request(anthropic).get('/v1/models');
      expect(res.body.has_more).toBe(false);
      expect(res.headers.vary).toBeUndefined();
    });
  });

  describe('Anthropic picker and lifecycle (#12)', () => {
    const list = async (app: ReturnType<typeof mount>, query = 'limit=1000') =>
      (await request(app).get(`/v1/models?${query}`).set(ANTHROPIC).expect(200)).body as {
        data: {
          id: string;
          display_name: string;
          description: string;
          created_at: string;
          lifecycle: string;
        }[];
      };

    it('shows no two rows alike, newest first, with the epoch only where nothing is known', async () => {
      const app = mount({ provider: 'anthropic' });
      const { data } = await list(app);
      expect(data).toHaveLength(EXPECTED.anthropic);
      const rows = data.map((m) => `${m.display_name} | ${m.description}`);
      expect(new Set(rows).size).toBe(rows.length);
      const created = data.map((m) => Date.parse(m.created_at));
      expect(created).toEqual([...created].sort((a, b) => b - a));
      expect(data.filter((m) => m.created_at.startsWith('1970')).map((m) => m.id)).toEqual([
        'claude-fable-5',
      ]);
      const at = (id: string) => data.findIndex((m) => m.id === id);
      expect(at('claude-opus-5')).toBeLessThan(at('claude-opus-4-8'));
      expect(at('claude-opus-4-8')).toBeLessThan(at('claude-opus-4-7'));
      expect(at('claude-sonnet-5')).toBeLessThan(at('claude-sonnet-4-6'));
      expect(at('claude-sonnet-4-6')).toBeLessThan(at('claude-sonnet-4-5'));
      expect(data[at('claude-opus-4-7')]).toMatchObject({
        created_at: '2026-04-16T00:00:00Z',
        description: expect.stringMatching(/^Alias of claude-opus-4-7-20260416 · 1M context, 128K output/),
      });
      expect(data[at('claude-opus-4-7') + 1]?.id).toBe('claude-opus-4-7-20260416');
    });

    it('retrieves every listed id, aliases and dated ids alike, as listed', async () => {
      const app = mount({ provider: 'anthropic' });
      for (const info of (await list(app)).data) {
        expect((await request(app).get(`/v1/models/${info.id}`).set(ANTHROPIC).expect(200)).body).toEqual(
          info,
        );
      }
    });

    it.each([
      ['', EXPECTED.anthropic, ['active', 'deprecated']],
      ['lifecycle=retired', EXPECTED.anthropicWithDeprecated - EXPECTED.anthropic, ['retired']],
      ['lifecycle[]=retired', EXPECTED.anthropicWithDeprecated - EXPECTED.anthropic, ['retired']],
      ['lifecycle=active&lifecycle=deprecated&lifecycle=retired', EXPECTED.anthropicWithDeprecated, null],
    ])('filters ?%s by lifecycle', async (query, count, stages) => {
      const app = mount({ provider: 'anthropic' });
      const { data } = await list(app, `limit=1000&${query}`);
      expect(data).toHaveLength(count);
      if (stages !== null) expect(data.every((m) => stages.includes(m.lifecycle))).toBe(true);
    });

    it.each(['lifecycle=gone', 'lifecycle=active&lifecycle=active&lifecycle=active&lifecycle=retired'])(
      'answers ?%s with 400 invalid_request_error',
      async (query) => {
        const app = mount({ provider: 'anthropic' });
        const res = await request(app).get(`/v1/models?${query}`).set(ANTHROPIC).expect(400);
        expect(res.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
        expect(res.body.error.message).toMatch(/lifecycle/);
      },
    );

    it('retrieves a retired model in the Anthropic format only, marked retired', async () => {
      const app = mount({ provider: 'anthropic' });
      const retired = await request(app)
        .get('/v1/models/claude-opus-4-1-20250805')
        .set(ANTHROPIC)
        .expect(200);
      expect(retired.body).toMatchObject({ lifecycle: 'retired', retires_at: '2026-08-05T00:00:00Z' });
      await request(app).get('/v1/models/claude-opus-4-1-20250805').expect(404);
    });

    it('lists retired models by default under includeDeprecated', async () => {
      const app = mount({ provider: 'anthropic', includeDeprecated: true });
      expect((await list(app)).data).toHaveLength(EXPECTED.anthropicWithDeprecated);
    });
  });

  describe('around the routes', () => {
    it("lets every other path and method fall through to the proxy's own routes", async () => {
      const app = mount({ provider: 'openai' });
      expect((await request(app).post('/v1/chat/completions').expect(200)).body).toEqual({ proxied: 'chat' });
      expect((await request(app).get('/v1/models-usage').expect(200)).body).toEqual({
        proxied: 'models-usage',
      });
      expect((await request(app).post('/v1/models').expect(405)).body).toEqual({ proxied: 'post-models' });
      await request(app).delete('/v1/models/gpt-4.1').expect(404);
      await request(app).get('/models').expect(404);
      expect(upstream.count).toBe(0);
    });

    it('serves the fallback cards when the catalog is disabled, and says so', async () => {
      await catalog.close();
      catalog = createCatalog({ enabled: false, clock });
      const app = mount({
        provider: 'openai',
        fallback: [{ id: 'gpt-5-codex', max_input_tokens: 272000 }, { id: 'gpt-5.1-2025-11-13' }],
      });
      const res = await request(app).get('/v1/models').expect(200);
      expect(res.headers[SOURCE_HEADER]).toBe('fallback');
      expect(res.body.data).toEqual([
        { id: 'gpt-5-codex', object: 'model', created: 0, owned_by: 'openai', max_input_tokens: 272000 },
        {
          id: 'gpt-5.1-2025-11-13',
          object: 'model',
          created: Date.parse('2025-11-13') / 1000,
          owned_by: 'openai',
        },
      ]);
      await request(app).get('/v1/models/gpt-5-codex').expect(200);
      expect(upstream.count).toBe(0);
    });

    it('serves the fallback cards when the catalog lists nothing for the provider', async () => {
      const app = mount({ provider: 'no-such-provider', fallback: [{ id: 'm1' }] });
      const res = await request(app).get('/v1/models').expect(200);
      expect(res.headers[SOURCE_HEADER]).toBe('fallback');
      expect(routers.at(-1)?.status()).toMatchObject({ listed: 1, fallback: true, source: 'fallback' });
      expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(['m1']);
    });

    it('drops a model from the list at the end of its deprecation day, with no new document', async () => {
      clock.set(Date.parse('2025-06-01T00:00:00Z'));
      const app = mount({ provider: 'openai' });
      const before = (await request(app).get('/v1/models')).body.data.map((m: { id: string }) => m.id);
      const models = catalog.peek()?.models;
      const soonest = catalogDeprecations(before);
      expect(soonest).toBeDefined();
      clock.set(Date.parse(`${soonest?.date}T23:59:59Z`));
      expect((await request(app).get('/v1/models')).body.data.map((m: { id: string }) => m.id)).toContain(
        soonest?.id,
      );
      clock.set(Date.parse(`${soonest?.date}T23:59:59Z`) + 1000);
      const after = (await request(app).get('/v1/models')).body.data.map((m: { id: string }) => m.id);
      expect(after).not.toContain(soonest?.id);
      // Same catalog object: the list changed because the day did, not because a document did.
      expect(catalog.peek()?.models ?? (await catalog.get()).models).toBe(models);

      function catalogDeprecations(ids: string[]) {
        const cards = ids
          .map((id) => catalog.peek()?.models.byId.get(id))
          .filter((c) => c?.deprecation_date !== undefined)
          .sort((a, b) => (a?.deprecation_date ?? '').localeCompare(b?.deprecation_date ?? ''));
        const first = cards[0];
        return first ? { id: first.id, date: first.deprecation_date as string } : undefined;
      }
    });

    it('passes an internal fault to next(err) instead of rendering a 500', async () => {
      const errors: unknown[] = [];
      const broken = {
        ...catalog,
        options: catalog.options,
        clock: catalog.clock,
        peek: () => undefined,
        get: () => Promise.reject(new Error('boom')),
        status: () => catalog.status(),
      } as unknown as Catalog;
      const router = modelsRouter({ provider: 'openai', catalog: broken });
      const res = await request(proxyApp(makeApp, router, errors))
        .get('/v1/models')
        .expect(502);
      expect(res.body).toEqual({ handledBy: 'app' });
      expect(errors).toHaveLength(1);
    });

    it('writes nothing once the host has answered during a cold wait, and nothing escapes', async () => {
      const leaks = watchLeaks();
      let release: (result: CatalogResult) => void = () => {};
      let waiting: () => void = () => {};
      const asked = new Promise<void>((resolve) => {
        waiting = resolve;
      });
      const cold = {
        ...catalog,
        clock: catalog.clock,
        peek: () => undefined,
        get: () => {
          waiting();
          return new Promise<CatalogResult>((resolve) => {
            release = resolve;
          });
        },
        status: () => catalog.status(),
      } as unknown as Catalog;
      const errors: unknown[] = [];
      const router = modelsRouter({ provider: 'openai', catalog: cold });
      const app = makeApp();
      // A request timeout that fires while the router waits: it answers first.
      app.use((_req, res, next) => {
        next();
        void asked.then(() => res.status(503).json({ timedOut: true }));
      });
      app.use('/v1', router);
      app.use(((err, _req, res, _next) => {
        errors.push(err);
        res.status(502).end();
      }) as ErrorRequestHandler);
      const res = await request(app).get('/v1/models').expect(503);
      expect(res.body).toEqual({ timedOut: true });
      release({ ...(await catalog.get()), source: 'upstream' });
      await settle();
      expect(errors).toEqual([]);
      // The router saw the answered response and sent nothing (it records every answer it sends).
      expect(router.status().source).toBeNull();
      leaks.stop();
      expect(leaks.seen).toEqual([]);
    });

    it('hands a throwing catalog read to next(err), before and after a wait', async () => {
      for (const broken of [
        {
          peek: () => {
            throw new Error('peek');
          },
          get: () => catalog.get(),
        },
        {
          peek: () => undefined,
          get: () => {
            throw new Error('get');
          },
        },
        {
          peek: () => undefined,
          get: () => Promise.resolve({ models: null, source: 'upstream', fetchedAt: null }),
        },
      ]) {
        const errors: unknown[] = [];
        const router = modelsRouter({
          provider: 'openai',
          catalog: { ...broken, clock: catalog.clock, status: () => catalog.status() } as unknown as Catalog,
        });
        await request(proxyApp(makeApp, router, errors))
          .get('/v1/models')
          .expect(502);
        expect(errors).toHaveLength(1);
      }
    });

    it('keeps a throwing host error handler from reaching the event loop', async () => {
      const leaks = watchLeaks();
      const broken = {
        clock: catalog.clock,
        peek: () => undefined,
        get: () => Promise.reject(new Error('boom')),
        status: () => catalog.status(),
      } as unknown as Catalog;
      const router = modelsRouter({ provider: 'openai', catalog: broken });
      const server = http.createServer((req, res) =>
        router(req, res, () => {
          res.statusCode = 500;
          res.end();
          throw new Error('the host handler throws after answering');
        }),
      );
      const base = await listen(server);
      try {
        expect((await send(base, { method: 'GET', path: '/models' }))?.status).toBe(500);
        await settle();
      } finally {
        await closeServer(server);
        leaks.stop();
      }
      expect(leaks.seen).toEqual([]);
    });

    it('reports its status', async () => {
      const router = modelsRouter({ provider: 'anthropic', catalog });
      routers.push(router);
      expect(router.status()).toMatchObject({
        provider: 'anthropic',
        format: 'auto',
        listed: null,
        source: null,
      });
      await request(proxyApp(makeApp, router)).get('/v1/models').expect(200);
      expect(router.status()).toMatchObject({
        listed: EXPECTED.anthropic,
        fallback: false,
        source: 'upstream',
        catalog: { source: 'upstream' },
      });
    });
  });
});

describe('modelsRouter options', () => {
  it.each([
    [{}, /`provider`/],
    [{ provider: '' }, /`provider`/],
    [{ provider: 'openai', format: 'xml' }, /`format`/],
    [{ provider: 'openai', ttlMs: 5 }, /`ttlMs`/],
    [{ provider: 'openai', ttl: -1 }, /`ttl`/],
    [{ provider: 'openai', timeoutMs: 0 }, /`timeoutMs`/],
    [{ provider: 'openai', maxAgeSeconds: 1.5 }, /`maxAgeSeconds`/],
    [{ provider: 'openai', modes: [] }, /`modes`/],
    [{ provider: 'openai', fallback: {} }, /`fallback`/],
    [{ provider: 'openai', fallback: [{ name: 'x' }] }, /`fallback\[0\]\.id`/],
    [{ provider: 'openai', url: 'ftp://example.invalid/x.json' }, /url/],
    [{ provider: 'openai', logger: console.log }, /`logger`/],
    [
      { provider: 'openai', catalog: createCatalog({ enabled: false }), url: 'http://127.0.0.1/x' },
      /`url`.*`catalog`/,
    ],
  ])('rejects %j at construction', (options, message) => {
    expect(() => modelsRouter(options as unknown as ModelsRouterOptions)).toThrow(message);
  });

  it('uses a catalog passed in and leaves it open; creates, protects and closes its own otherwise', async () => {
    const upstream = await new FakeUpstream(fixtureBytes()).start();
    try {
      const options = { url: upstream.url, cacheDir: false as const, snapshot: false };
      const shared = createCatalog(options);
      const codex = modelsRouter({ provider: 'openai', catalog: shared });
      const claude = modelsRouter({ provider: 'anthropic', catalog: shared });
      expect(codex.catalog).toBe(shared);
      expect(claude.catalog).toBe(shared);
      await Promise.all([codex.catalog.get(), claude.catalog.get()]);
      expect(upstream.count).toBe(1);
      const closeShared = vi.spyOn(shared, 'close');
      await codex.close();
      await claude.close();
      expect(closeShared).not.toHaveBeenCalled();
      expect((await shared.get()).source).toBe('memory');
      await shared.close();

      // Equal options no longer share: sharing is an instance passed in, nothing else.
      const own = modelsRouter({ provider: 'anthropic', ...options });
      const other = modelsRouter({ provider: 'anthropic', ...options });
      expect(own.catalog).not.toBe(other.catalog);
      expect(own.catalog.options.providers).toEqual(['anthropic']);
      const closeOwn = vi.spyOn(own.catalog, 'close');
      await own.close();
      expect(closeOwn).toHaveBeenCalledTimes(1);
      await other.close();
    } finally {
      await upstream.stop();
    }
  });
});

describe('router.models() and checkRouterOptions()', () => {
  it('models() returns the listed cards with the marks of the rules, and the unresolved aliases', async () => {
    const upstream = await new FakeUpstream(fixtureBytes()).start();
    const catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      snapshot: false,
      clock: new ManualClock(FIXED_NOW),
    });
    try {
      const router = modelsRouter({
        catalog,
        provider: 'openai',
        include: ['gpt-5', 'gpt-4o'],
        overrides: { 'gpt-5': { max_input_tokens: 100_000 } },
        extra: [{ id: 'house-model' }],
        aliases: { fast: 'gpt-4o', lost: 'gpt-4.1' },
      });
      const listed = await router.models();
      expect(listed.cards.map((card) => card.id)).toEqual(['gpt-4o', 'gpt-5', 'house-model', 'fast']);
      expect(Object.fromEntries(listed.marks)).toEqual({
        'gpt-5': 'override',
        'house-model': 'custom',
        fast: 'alias',
      });
      expect(listed.cards[1]?.max_input_tokens).toBe(100_000);
      expect(listed.unresolvedAliases).toEqual(['lost']);
      expect([listed.fallback, listed.source]).toEqual([false, 'upstream']);
      expect(listed.models).toBe(catalog.peek()?.models);
      expect(router.status().listed).toBe(4);
    } finally {
      await catalog.close();
      await upstream.stop();
    }
  });

  it('an alias of an alias resolves when defined after its target; a cycle never does', async () => {
    const upstream = await new FakeUpstream(fixtureBytes()).start();
    const shared = createCatalog({
      url: upstream.url,
      store: new Map(),
      snapshot: false,
      clock: new ManualClock(FIXED_NOW),
    });
    try {
      const served = async (aliases: Record<string, string>) => {
        const listed = await modelsRouter({ catalog: shared, provider: 'openai', aliases }).models();
        return {
          ids: listed.cards.filter((card) => card.id.length === 1).map((card) => card.id),
          unresolved: listed.unresolvedAliases,
        };
      };
      expect(await served({ b: 'gpt-4o', a: 'b' })).toEqual({ ids: ['b', 'a'], unresolved: [] });
      expect(await served({ a: 'b', b: 'gpt-4o' })).toEqual({ ids: ['b'], unresolved: ['a'] });
      expect(await served({ a: 'b', b: 'a' })).toEqual({ ids: [], unresolved: ['a', 'b'] });
    } finally {
      await shared.close();
      await upstream.stop();
    }
  });

  it('models() of a router showing its fallback cards has no marks', async () => {
    const catalog = createCatalog({ enabled: false });
    try {
      const router = modelsRouter({
        catalog,
        provider: 'openai',
        fallback: [{ id: 'gpt-5' }],
        overrides: { '*': { description: 'x' } },
      });
      const listed = await router.models();
      expect(listed.fallback).toBe(true);
      expect(listed.cards.map((card) => card.id)).toEqual(['gpt-5']);
      expect(listed.marks.size).toBe(0);
    } finally {
      await catalog.close();
    }
  });

  it.each([
    [{ provider: 'openai', include: 'gpt-5' }],
    [{ provider: 'openai', exclude: ['/[/'] }],
    [{ provider: 'openai', overrides: { 'gpt-5': { max_input: 1 } } }],
    [{ provider: 'openai', extra: [{ id: 'x', created: -1 }] }],
    [{ provider: 'openai', aliases: { a: 'a' } }],
    [{ provider: 'openai', colour: 'red' }],
  ])('checkRouterOptions(%j) throws what modelsRouter throws, creating nothing', (options) => {
    const thrown = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const catalog = createCatalog({ enabled: false });
    const fromFactory = thrown(() => modelsRouter({ ...options, catalog } as never));
    const fromCheck = thrown(() => checkRouterOptions(options as never));
    void catalog.close();
    expect(fromCheck).toBeInstanceOf(Error);
    expect(fromCheck).toEqual(fromFactory);
    expect((fromCheck as Error).constructor).toBe((fromFactory as Error).constructor);
  });

  it('checkRouterOptions accepts what modelsRouter accepts', () => {
    expect(() =>
      checkRouterOptions({
        provider: 'anthropic',
        include: ['claude-*'],
        aliases: { sonnet: 'claude-sonnet-4-5' },
      }),
    ).not.toThrow();
  });
});

/** Rejections and exceptions no one handled while a test ran. */
function watchLeaks(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const record = (error: unknown) => seen.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

/** Lets queued promise callbacks and one macrotask turn run (no timer, no wall clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

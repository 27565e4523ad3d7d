import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog.js';
import { type ModelsRouter, type ModelsRouterOptions, modelsRouter, SOURCE_HEADER } from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
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

  it('shares one catalog between routers with equal catalog options', async () => {
    const upstream = await new FakeUpstream(fixtureBytes()).start();
    try {
      const options = { url: upstream.url, cacheDir: false as const, snapshot: false };
      const codex = modelsRouter({ provider: 'openai', ...options });
      const claude = modelsRouter({ provider: 'anthropic', ...options });
      const other = modelsRouter({ provider: 'anthropic', ...options, ttl: 1000 });
      expect(codex.catalog).toBe(claude.catalog);
      expect(other.catalog).not.toBe(codex.catalog);
      await Promise.all([codex.catalog.get(), claude.catalog.get()]);
      expect(upstream.count).toBe(1);
      await codex.close();
      expect(claude.catalog.status().disk).toBe('off');
      expect((await claude.catalog.get()).source).toBe('memory');
      await claude.close();
      await other.close();
      const fresh = modelsRouter({ provider: 'openai', ...options });
      expect(fresh.catalog).not.toBe(codex.catalog);
      await fresh.close();
    } finally {
      await upstream.stop();
    }
  });
});

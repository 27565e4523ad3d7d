import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import { type ModelsRouterOptions, modelsRouter } from '../src/router.js';
import type { ModelCard } from '../src/types.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
type Card = ModelCard & Record<string, unknown>;
const idsOf = (body: { data: Card[] }): string[] => body.data.map((card) => card.id);
const windowOf = (card: Card): number | undefined => card.max_input_tokens ?? card.context_length;

describe.each(EXPRESS_VERSIONS)('list filters on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  const routers: Array<{ close(): Promise<void> }> = [];
  const errors: unknown[] = [];

  const mount = (options: Partial<ModelsRouterOptions> & { provider: string }) => {
    const router = modelsRouter({ catalog, ...options });
    routers.push(router);
    return proxyApp(makeApp, router, errors);
  };
  const list = async (app: ReturnType<typeof mount>, query: string): Promise<Card[]> =>
    (await request(app).get(`/v1/models?${query}`).expect(200)).body.data;

  const freshCatalog = () =>
    createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
    });

  // One catalog for the suite: parsing the fixture once keeps it fast; views are per router.
  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
    catalog = freshCatalog();
  });
  afterAll(async () => {
    await catalog.close();
    await upstream.stop();
  });
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.close()));
    expect(errors.splice(0)).toEqual([]);
  });

  describe('each filter', () => {
    it('supports keeps the models with every named capability', async () => {
      const app = mount({ provider: 'openai' });
      const plain = await list(app, '');
      expect(plain).toHaveLength(EXPECTED.openai);
      const vision = await list(app, 'supports=vision');
      expect(vision.length).toBeGreaterThan(0);
      expect(vision.length).toBeLessThan(plain.length);
      expect(vision.every((card) => card.supports_vision === true)).toBe(true);
      expect(idsOf({ data: vision })).toEqual(
        plain.filter((card) => card.supports_vision === true).map((card) => card.id),
      );
      expect(idsOf({ data: vision })).toContain('gpt-4.1');
      expect(idsOf({ data: vision })).not.toContain('gpt-3.5-turbo');
      const both = await list(app, 'supports=vision,function_calling');
      expect(both.every((card) => card.supports_vision && card.supports_function_calling)).toBe(true);
      expect(both.length).toBeLessThanOrEqual(vision.length);
      const split = await list(app, 'supports=vision&supports=function_calling');
      expect(idsOf({ data: split })).toEqual(idsOf({ data: both }));
    });

    it('min_context keeps the models whose window is at least that many tokens', async () => {
      const app = mount({ provider: 'openai' });
      const plain = await list(app, '');
      const large = await list(app, 'min_context=400000');
      expect(large.length).toBeGreaterThan(0);
      expect(large.every((card) => (windowOf(card) ?? 0) >= 400_000)).toBe(true);
      expect(idsOf({ data: large })).toEqual(
        plain.filter((card) => (windowOf(card) ?? -1) >= 400_000).map((card) => card.id),
      );
      expect(idsOf({ data: large })).toContain('gpt-4.1');
      expect(await list(app, 'min_context=1000000000')).toEqual([]);
      expect(idsOf({ data: await list(app, 'min_context=0400000') })).toEqual(idsOf({ data: large }));
    });

    it('mode keeps the models of that LiteLLM mode', async () => {
      const app = mount({ provider: 'openai' });
      const responses = await list(app, 'mode=responses');
      expect(idsOf({ data: responses })).toContain('gpt-5-codex');
      expect(responses.every((card) => card.mode === 'responses')).toBe(true);
      const chat = await list(app, 'mode=chat');
      expect(chat.every((card) => card.mode === 'chat')).toBe(true);
      expect(chat.length + responses.length).toBe(EXPECTED.openai);
    });

    it('provider keeps one provider when the router serves all of them', async () => {
      const all = mount({ provider: 'all' });
      const anthropic = await list(all, 'provider=anthropic');
      const single = mount({ provider: 'anthropic' });
      expect(idsOf({ data: anthropic })).toEqual(idsOf({ data: await list(single, '') }));
      expect(anthropic).toHaveLength(EXPECTED.anthropic);
      expect(await list(all, 'provider=no-such-provider')).toEqual([]);
      expect((await list(all, '')).length).toBe(EXPECTED.all);
    });
  });

  describe('combinations', () => {
    it('AND together, whatever the order of the parameters', async () => {
      const all = mount({ provider: 'all' });
      const query = 'provider=openai&supports=vision,reasoning&min_context=200000&mode=responses';
      const combined = await list(all, query);
      expect(combined.length).toBeGreaterThan(0);
      for (const card of combined) {
        expect(card).toMatchObject({ owned_by: 'openai', supports_vision: true, supports_reasoning: true });
        expect(card.mode).toBe('responses');
        expect(windowOf(card)).toBeGreaterThanOrEqual(200_000);
      }
      const parts = query.split('&');
      for (const dropped of parts) {
        const wider = await list(all, parts.filter((part) => part !== dropped).join('&'));
        expect(wider.length).toBeGreaterThanOrEqual(combined.length);
        expect(idsOf({ data: wider })).toEqual(expect.arrayContaining(idsOf({ data: combined })));
      }
      expect(idsOf({ data: await list(all, [...parts].reverse().join('&')) })).toEqual(
        idsOf({ data: combined }),
      );
    });

    it('filter what the rules list: overrides, custom models and aliases by their own metadata', async () => {
      const app = mount({
        provider: 'openai',
        include: ['gpt-4.1*', 'gpt-3.5-turbo', 'gpt-5-codex'],
        exclude: ['gpt-4.1-nano*'],
        overrides: { 'gpt-3.5-turbo': { supports_vision: true, max_input_tokens: 500_000 } },
        extra: [{ id: 'house-vision', supports_vision: true, max_input_tokens: 300_000, mode: 'responses' }],
        aliases: { eyes: 'gpt-4.1', coder: 'gpt-5-codex' },
      });
      const vision = idsOf({ data: await list(app, 'supports=vision&min_context=100000') });
      expect(vision).toEqual(expect.arrayContaining(['gpt-4.1', 'gpt-3.5-turbo', 'house-vision', 'eyes']));
      expect(vision).not.toContain('gpt-4.1-nano');
      const responses = idsOf({ data: await list(app, 'mode=responses') });
      expect(responses).toEqual(['gpt-5-codex', 'house-vision', 'coder']);
    });

    it('filter the fallback cards when the router shows them', async () => {
      const app = mount({
        provider: 'no-such-provider',
        fallback: [
          { id: 'm-vision', supports_vision: true, max_input_tokens: 128_000 },
          { id: 'm-plain', max_input_tokens: 8000 },
          { id: 'm-embed', mode: 'embedding' },
        ],
      });
      expect(idsOf({ data: await list(app, 'supports=vision') })).toEqual(['m-vision']);
      expect(idsOf({ data: await list(app, 'min_context=8000') })).toEqual(['m-vision', 'm-plain']);
      expect(idsOf({ data: await list(app, 'mode=embedding') })).toEqual(['m-embed']);
    });
  });

  describe('parameters that are not filters', () => {
    it('ignores what Anthropic, Codex and Azure clients send: the plain list, same bytes and ETag', async () => {
      const app = mount({ provider: 'openai', format: 'openai' });
      const plain = await request(app).get('/v1/models').expect(200);
      for (const query of [
        'limit=1000',
        'after_id=gpt-4.1&limit=2',
        'before_id=nope',
        'lifecycle=retired',
        'client_version=0.171.0',
        'api-version=2024-10-21',
      ]) {
        const res = await request(app).get(`/v1/models?${query}`).expect(200);
        expect(res.headers.etag).toBe(plain.headers.etag);
        expect(res.text).toBe(plain.text);
      }
      const filtered = await request(app).get('/v1/models?supports=vision').expect(200);
      const withLimit = await request(app).get('/v1/models?limit=5&supports=vision').expect(200);
      expect(withLimit.headers.etag).toBe(filtered.headers.etag);
    });

    it('leaves the Anthropic list as it was: it ignores the OpenAI filters', async () => {
      const app = mount({ provider: 'anthropic' });
      const plain = await request(app).get('/v1/models?limit=1000').set(ANTHROPIC).expect(200);
      const asked = await request(app)
        .get('/v1/models?limit=1000&supports=vision')
        .set(ANTHROPIC)
        .expect(200);
      expect(asked.text).toBe(plain.text);
    });
  });

  describe('bad queries', () => {
    it.each([
      ['supports=telepathy', 'supports', /telepathy/],
      ['supports=', 'supports', /supports/],
      ['supports=vision,,reasoning', 'supports', /supports/],
      ['min_context=-1', 'min_context', /non-negative integer/],
      ['min_context=abc', 'min_context', /abc/],
      ['min_context=1.5', 'min_context', /1\.5/],
      ['min_context=10&min_context=20', 'min_context', /once/],
      ['mode=embedding', 'mode', /embedding/],
      ['mode=chat,responses', 'mode', /chat,responses/],
      ['provider=anthropic', 'provider', /only 'openai'/],
      ['support=vision', 'support', /Unrecognized query parameter: 'support'/],
      ['supports=vision&order=desc', 'order', /order/],
    ])('%s gets an OpenAI 400 naming %s, never cached', async (query, param, message) => {
      const app = mount({ provider: 'openai' });
      for (const method of ['get', 'head'] as const) {
        const res = await request(app)[method](`/v1/models?${query}`).expect(400);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.etag).toBeUndefined();
        if (method === 'head') continue;
        expect(res.body).toEqual({
          error: {
            message: expect.stringMatching(message),
            type: 'invalid_request_error',
            param,
            code: expect.any(String),
          },
        });
      }
    });

    it('refuses an unknown mode by the modes the router lists, custom models included', async () => {
      const app = mount({
        provider: 'openai',
        modes: ['chat'],
        extra: [{ id: 'embedder', mode: 'embedding' }],
      });
      expect(idsOf({ data: await list(app, 'mode=embedding') })).toEqual(['embedder']);
      const res = await request(app).get('/v1/models?mode=responses').expect(400);
      expect(res.body.error).toMatchObject({
        param: 'mode',
        message: expect.stringMatching(/'chat', 'embedding'/),
      });
    });
  });

  describe('HTTP caching', () => {
    it('a filtered list has its own ETag, answers 304 to it, and equal filters share it', async () => {
      const app = mount({ provider: 'openai' });
      const plain = await request(app).get('/v1/models').expect(200);
      const a = await request(app).get('/v1/models?supports=vision,function_calling').expect(200);
      expect(a.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(a.headers.etag).not.toBe(plain.headers.etag);
      expect(a.headers['cache-control']).toBe('public, max-age=60');
      expect(a.headers['content-length']).toBe(String(Buffer.byteLength(a.text)));
      const b = await request(app).get('/v1/models?supports=function_calling,vision').expect(200);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(b.text).toBe(a.text);
      const again = await request(app)
        .get('/v1/models?supports=function_calling&supports=vision,function_calling')
        .set('If-None-Match', a.headers.etag as string)
        .expect(304);
      expect(again.headers.etag).toBe(a.headers.etag);
      expect(again.text ?? '').toBe('');
      await request(app)
        .get('/v1/models')
        .set('If-None-Match', a.headers.etag as string)
        .expect(200);
      await request(app)
        .get('/v1/models?supports=vision')
        .set('If-None-Match', a.headers.etag as string)
        .expect(200);
      const head = await request(app).head('/v1/models?supports=vision,function_calling').expect(200);
      expect(head.headers.etag).toBe(a.headers.etag);
    });

    it('answers a filtered list from every tier the plain one comes from', async () => {
      const own = freshCatalog();
      const router = modelsRouter({ provider: 'openai', catalog: own });
      routers.push(router, own);
      const app = proxyApp(makeApp, router, errors);
      const first = await request(app).get('/v1/models?min_context=100000').expect(200);
      expect(first.headers['x-models-source']).toBe('upstream');
      const second = await request(app).get('/v1/models?min_context=100000').expect(200);
      expect(second.headers['x-models-source']).toBe('memory');
      expect(second.headers.etag).toBe(first.headers.etag);
    });
  });
});

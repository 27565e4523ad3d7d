import type { Express } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AVAILABILITY_COLD_WAIT_MS,
  DEFAULT_AVAILABILITY_TIMEOUT_MS,
  DEFAULT_AVAILABILITY_TTL_MS,
  MAX_CLIENT_LISTS,
} from '../src/availability/availability-options.js';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import { type ModelsRouter, type ModelsRouterOptions, modelsRouter, SOURCE_HEADER } from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { memoryLogger } from './support/logger.js';
import { anthropicInfo, FakeProviders, SECRET } from './support/providers.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const bearer = () => ({ Authorization: `Bearer ${SECRET}` });
const apiKey = () => ({ 'x-api-key': SECRET });
const ids = (res: { body: { data: Array<{ id: string }> } }) => res.body.data.map((m) => m.id);

describe.each(EXPRESS_VERSIONS)('availability from the provider list on %s', (_name, makeApp) => {
  let litellm: FakeUpstream;
  let providers: FakeProviders;
  let clock: ManualClock;
  let store: Map<unknown, unknown>;
  const open: Array<{ close(): Promise<void> }> = [];
  const errors: unknown[] = [];

  let logger = memoryLogger();
  const catalogOf = (): Catalog => {
    logger = memoryLogger();
    const catalog = createCatalog({ url: litellm.url, store, clock, snapshot: false, logger });
    open.push(catalog);
    return catalog;
  };
  const mount = (
    options: Partial<ModelsRouterOptions> & { provider: string },
  ): { app: Express; router: ModelsRouter } => {
    const router = modelsRouter({ catalog: catalogOf(), ...options });
    open.unshift(router);
    return { app: proxyApp(makeApp, router, errors), router };
  };

  beforeAll(async () => {
    litellm = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await litellm.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0)) await item.close();
    await providers.stop();
    expect(errors.splice(0)).toEqual([]);
  });
  // Fresh per test: the request log counts one test's fetches.
  const start = async (): Promise<void> => {
    providers = await new FakeProviders().start();
    clock = new ManualClock(FIXED_NOW);
    store = new Map();
  };

  it('OpenAI: the upstream ids, enriched from LiteLLM, unknown ids listed with what the upstream gives', async () => {
    await start();
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer },
    });
    const res = await request(app).get('/v1/models').expect(200);
    // The embedding model and the fine-tune are the router's filter's to drop, as without a list.
    expect(ids(res)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(res.headers[SOURCE_HEADER]).toBe('upstream; availability=ok');
    const gpt41 = res.body.data[0];
    // The upstream's creation time wins; LiteLLM's limits stay.
    expect(gpt41).toMatchObject({ created: 1_700_000_000, owned_by: 'openai', max_input_tokens: 1_047_576 });
    expect(res.body.data[3]).toEqual({
      id: 'gpt-secret-beta',
      object: 'model',
      created: 1_700_000_000,
      owned_by: 'openai',
    });
    await request(app).get('/v1/models/gpt-secret-beta').expect(200);
    // A LiteLLM model this account cannot call is not served.
    await request(app).get('/v1/models/gpt-4-turbo').expect(404);
    expect(providers.requests).toHaveLength(1);
    expect(providers.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(router.status().availability).toMatchObject({
      format: 'openai',
      url: providers.openaiUrl,
      state: 'ok',
      models: 6,
      from: 'upstream',
      lastError: null,
    });
    expect(router.status().listed).toBe(4);
  });

  it("the operator's rules and the list's filters apply to the provider's list as to LiteLLM's", async () => {
    await start();
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer },
      exclude: ['gpt-4o'],
      aliases: { house: 'gpt-4.1', ghost: 'gpt-4-turbo' },
      overrides: { 'o3-*': { display_name: 'O3 Mini (house)' } },
    });
    const res = await request(app).get('/v1/models').expect(200);
    expect(ids(res)).toEqual(['gpt-4.1', 'o3-mini', 'gpt-secret-beta', 'house']);
    expect(res.body.data[1]).toMatchObject({ display_name: 'O3 Mini (house)' });
    // An alias to a LiteLLM model the account cannot call is not served.
    expect(router.status().unresolvedAliases).toEqual(['ghost']);
    await request(app).get('/v1/models/ghost').expect(404);
    // Filters narrow the merged list: the unknown id has no capabilities to match.
    const vision = await request(app).get('/v1/models?supports=vision').expect(200);
    expect(ids(vision)).toEqual(['gpt-4.1', 'house']);
    expect(vision.headers[SOURCE_HEADER]).toBe('memory; availability=ok');
    expect(providers.requests).toHaveLength(1);
  });

  it('Anthropic: every page followed by last_id; its dates, names, limits, lifecycle and capabilities win', async () => {
    await start();
    const { app } = mount({
      provider: 'anthropic',
      availability: { url: providers.anthropicUrl, headers: apiKey },
    });
    const res = await request(app).get('/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    const pages = providers.requests.map((r) =>
      new URL(r.url ?? '', 'http://x').searchParams.get('after_id'),
    );
    expect(pages).toEqual([null, 'claude-opus-4-1-20250805', 'claude-private-preview']);
    expect(ids(res).sort()).toEqual([...providers.anthropic.map((m) => m.id as string)].sort());
    const opus = res.body.data.find((m: { id: string }) => m.id === 'claude-opus-4-1-20250805');
    // LiteLLM says it retired 2026-08-05; the provider still serves it, so it is active.
    expect(opus).toMatchObject({
      display_name: 'Claude Opus 4.1',
      created_at: '2025-09-29T00:00:00Z',
      lifecycle: 'active',
      retires_at: null,
      max_input_tokens: 1_000_000,
      max_tokens: 64_000,
    });
    expect(opus.capabilities.thinking.types.adaptive).toEqual({ supported: true });
    expect(opus.capabilities.effort.max).toEqual({ supported: true });
    expect(opus.capabilities.pdf_input).toEqual({ supported: true });
    const preview = res.body.data.find((m: { id: string }) => m.id === 'claude-private-preview');
    expect(preview).toMatchObject({ display_name: 'Upstream claude-private-preview', lifecycle: 'active' });
    const one = await request(app).get('/v1/models/claude-private-preview').set(ANTHROPIC).expect(200);
    expect(one.body.id).toBe('claude-private-preview');
  });

  it('Anthropic: a model the provider retires keeps its date from the provider', async () => {
    await start();
    providers.anthropic = [
      anthropicInfo('claude-sonnet-4-5-20250929', {
        lifecycle: 'deprecated',
        retires_at: '2027-01-05T00:00:00Z',
      }),
    ];
    const { app } = mount({
      provider: 'anthropic',
      availability: { url: providers.anthropicUrl, headers: apiKey },
    });
    const res = await request(app).get('/v1/models').set(ANTHROPIC).expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({ lifecycle: 'deprecated', retires_at: '2027-01-05T00:00:00Z' });
  });

  it('keepUnlisted keeps LiteLLM models the upstream does not serve, marked available: false', async () => {
    await start();
    const { app } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, keepUnlisted: true },
    });
    const res = await request(app).get('/v1/models').expect(200);
    const marked = res.body.data.filter((m: { available?: boolean }) => m.available === false);
    expect(ids(res).slice(0, 4)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(res.body.data.slice(0, 4).every((m: { available?: boolean }) => m.available === undefined)).toBe(
      true,
    );
    expect(marked).toHaveLength(EXPECTED.openai - 3);
    expect(marked.map((m: { id: string }) => m.id)).toContain('gpt-4-turbo');
  });

  it('Codex format: the Codex catalog, fetched by the shared list source, names the callable slugs', async () => {
    await start();
    const { app } = mount({
      provider: 'openai',
      availability: { url: providers.codexUrl, format: 'codex', headers: bearer },
    });
    const res = await request(app).get('/v1/models').expect(200);
    expect(ids(res)).toEqual(['gpt-5.3-codex', 'o3-mini', 'codex-private']);
    expect(res.body.data[0]).toMatchObject({
      display_name: 'GPT-5.3-CODEX',
      description: 'Test model gpt-5.3-codex.',
      max_input_tokens: 272_000,
      mode: 'responses',
    });
  });

  it('joins concurrent first requests into one fetch, then serves stale while one refresh runs', async () => {
    await start();
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, ttlMs: 60_000 },
    });
    const first = await Promise.all(
      Array.from({ length: 6 }, () => request(app).get('/v1/models').expect(200)),
    );
    expect(first.every((res) => ids(res).length === 4)).toBe(true);
    expect(providers.requests).toHaveLength(1);
    await request(app).get('/v1/models').expect(200);
    expect(providers.requests).toHaveLength(1);

    providers.openaiIds = ['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-5', 'gpt-secret-beta'];
    clock.advance(60_000);
    // Past the TTL the held list answers at once; the refresh runs behind it.
    const stale = await request(app).get('/v1/models').expect(200);
    expect(ids(stale)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    await router.idle();
    expect(providers.requests).toHaveLength(2);
    const fresh = await request(app).get('/v1/models').expect(200);
    expect(ids(fresh)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-5', 'gpt-secret-beta']);
    expect(fresh.headers.etag).not.toBe(stale.headers.etag);
  });

  it('asks for the credentials on every fetch, so a rotated key is used from the next fetch on', async () => {
    await start();
    let key = SECRET;
    const { app, router } = mount({
      provider: 'openai',
      availability: {
        url: providers.openaiUrl,
        ttlMs: 1_000,
        headers: () => ({ Authorization: `Bearer ${key}` }),
      },
    });
    await request(app).get('/v1/models').expect(200);
    key = 'rotated-but-wrong';
    clock.advance(1_000);
    await request(app).get('/v1/models').expect(200);
    await router.idle();
    expect(providers.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${SECRET}`,
      'Bearer rotated-but-wrong',
    ]);
    // The refused refresh keeps the last good list in force and says so.
    const res = await request(app).get('/v1/models').expect(200);
    expect(ids(res)).toHaveLength(4);
    expect(res.headers[SOURCE_HEADER]).toBe('memory; availability=stale');
    expect(router.status().availability?.lastError?.message).toMatch(/HTTP 401/);
  });

  it('a 429 with Retry-After is not asked again before it says', async () => {
    await start();
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, ttlMs: 1_000 },
    });
    providers.handle = (_req, res) => {
      res.writeHead(429, { 'Retry-After': '120' });
      res.end();
    };
    await request(app).get('/v1/models').expect(200);
    await router.idle();
    // The usual pause after a failure here is the TTL (1 s); the upstream asked for 120 s.
    clock.advance(60_000);
    await request(app).get('/v1/models').expect(200);
    await router.idle();
    expect(providers.requests).toHaveLength(1);
    providers.handle = undefined;
    clock.advance(60_000);
    await request(app).get('/v1/models').expect(200);
    await router.idle();
    expect(providers.requests).toHaveLength(2);
    const res = await request(app).get('/v1/models').expect(200);
    expect(res.body.data).toHaveLength(4);
    expect(res.headers[SOURCE_HEADER]).toBe('memory; availability=ok');
  });

  it('refuses a list under half the last good one (sanity check) and keeps the last good list', async () => {
    await start();
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, ttlMs: 1_000 },
    });
    await request(app).get('/v1/models').expect(200);
    providers.openaiIds = ['gpt-4o'];
    clock.advance(1_000);
    await request(app).get('/v1/models').expect(200);
    await router.idle();
    const res = await request(app).get('/v1/models').expect(200);
    expect(ids(res)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(router.status().availability).toMatchObject({
      state: 'stale',
      lastError: { message: expect.stringMatching(/only 1 models, the last good list had 6/) },
    });
    // The same short list three times in a row is the account's answer: it is taken.
    for (const _ of [2, 3]) {
      clock.advance(60_000);
      await request(app).get('/v1/models').expect(200);
      await router.idle();
    }
    expect(providers.requests).toHaveLength(4);
    const taken = await request(app).get('/v1/models').expect(200);
    expect(ids(taken)).toEqual(['gpt-4o']);
    expect(router.status().availability).toMatchObject({ state: 'ok', models: 1 });
  });

  it('reads the list back from the store when the upstream is down, only under the same credentials', async () => {
    await start();
    const first = mount({ provider: 'openai', availability: { url: providers.openaiUrl, headers: bearer } });
    await request(first.app).get('/v1/models').expect(200);
    await first.router.idle();
    const stored = [...store.keys()].filter((key) => String(key).includes('availability'));
    expect(stored).toHaveLength(1);
    expect(String(stored[0])).not.toContain(SECRET);

    providers.handle = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    const second = mount({ provider: 'openai', availability: { url: providers.openaiUrl, headers: bearer } });
    const res = await request(second.app).get('/v1/models').expect(200);
    expect(ids(res)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(second.router.status().availability).toMatchObject({ state: 'ok', from: 'store' });

    // Another key is another account: the stored list is not its to see.
    const other = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: () => ({ Authorization: 'Bearer other' }) },
    });
    const alone = await request(other.app).get('/v1/models').expect(200);
    expect(alone.body.data).toHaveLength(EXPECTED.openai);
    expect(alone.headers[SOURCE_HEADER]).toBe('disk; availability=failed');
  });

  it('a list slower than coldWaitMs: LiteLLM answers meanwhile (loading), later requests do not wait again', async () => {
    await start();
    let release: (() => void) | undefined;
    providers.handle = (_req, res) => {
      release = () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ data: ['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta'].map((id) => ({ id })) }),
        );
      };
    };
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, coldWaitMs: 50, timeoutMs: 5_000 },
    });
    const first = await request(app).get('/v1/models').expect(200);
    expect(first.body.data).toHaveLength(EXPECTED.openai);
    expect(first.headers[SOURCE_HEADER]).toBe('upstream; availability=loading');
    // Answered from memory at once: no second wait on the same fetch.
    const second = await request(app).get('/v1/models').expect(200);
    expect(second.headers[SOURCE_HEADER]).toBe('memory; availability=loading');
    expect(router.status().availability?.state).toBe('loading');
    release?.();
    await router.idle();
    const listed = await request(app).get('/v1/models').expect(200);
    expect(ids(listed)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(providers.requests).toHaveLength(1);
  });

  it('close() aborts a list fetch that hangs instead of waiting out its deadline', async () => {
    await start();
    providers.handle = () => {};
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, headers: bearer, coldWaitMs: 0, timeoutMs: 600_000 },
    });
    await request(app).get('/v1/models').expect(200);
    await router.close();
    expect(router.status().availability).toMatchObject({
      state: 'failed',
      lastError: { message: expect.stringMatching(/aborted/) },
    });
  });

  it("credentials: 'client' keeps one list per client key and never serves it to another", async () => {
    await start();
    const OTHER = 'sk-other-account-9d2f';
    providers.openaiKeys = { [OTHER]: ['gpt-4o'] };
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, credentials: 'client' },
    });
    const as = (key: string | undefined) => {
      const req = request(app).get('/v1/models');
      return key === undefined ? req : req.set('Authorization', `Bearer ${key}`);
    };
    const a = await as(SECRET).expect(200);
    expect(ids(a)).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(a.headers['cache-control']).toBe('private, max-age=60');
    expect(a.headers.vary).toBe('anthropic-version, originator, Authorization, X-Api-Key');
    const b = await as(OTHER).expect(200);
    expect(ids(b)).toEqual(['gpt-4o']);
    expect(b.headers[SOURCE_HEADER]).toBe('memory; availability=ok');
    // A's list again, from memory: neither B's nor a new fetch.
    expect(ids(await as(SECRET).expect(200))).toEqual(['gpt-4.1', 'gpt-4o', 'o3-mini', 'gpt-secret-beta']);
    expect(providers.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${SECRET}`,
      `Bearer ${OTHER}`,
    ]);
    await request(app).get('/v1/models/gpt-4.1').set('Authorization', `Bearer ${OTHER}`).expect(404);

    const refused = await as('sk-wrong').expect(200);
    expect(refused.body.data).toHaveLength(EXPECTED.openai);
    expect(refused.headers[SOURCE_HEADER]).toBe('memory; availability=failed');
    const keyless = await as(undefined).expect(200);
    expect(keyless.body.data).toHaveLength(EXPECTED.openai);
    expect(keyless.headers[SOURCE_HEADER]).toBe('memory; availability=none');
    expect(providers.requests).toHaveLength(3);

    await router.idle();
    const status = router.status().availability;
    expect(status).toMatchObject({
      credentials: 'client',
      clients: 3,
      state: 'stale',
      lastError: { message: expect.stringMatching(/HTTP 401/) },
    });
    const stored = [...store.entries()].filter(([key]) => String(key).includes('availability'));
    expect(stored).toHaveLength(2);
    for (const secret of [SECRET, OTHER, 'sk-wrong']) {
      expect(JSON.stringify(status)).not.toContain(secret);
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(JSON.stringify(logger.lines)).not.toContain(secret);
    }
  });

  it("credentials: 'client' keeps at most MAX_CLIENT_LISTS lists, the least recently used dropped", async () => {
    await start();
    const keys = Array.from({ length: MAX_CLIENT_LISTS + 1 }, (_, i) => `sk-client-${i}`);
    providers.openaiKeys = Object.fromEntries(
      keys.map((key, i) => [key, [i % 2 === 0 ? 'gpt-4o' : 'o3-mini']]),
    );
    const { app, router } = mount({
      provider: 'openai',
      availability: { url: providers.openaiUrl, credentials: 'client' },
    });
    const as = (key: string) => request(app).get('/v1/models').set('Authorization', `Bearer ${key}`);
    for (const key of keys) await as(key).expect(200);
    expect(providers.requests).toHaveLength(keys.length);
    await router.idle();
    expect(router.status().availability).toMatchObject({ clients: MAX_CLIENT_LISTS, state: 'ok' });
    // The first key's list was dropped for the last one: it is loaded again, still its own.
    expect(ids(await as(keys[0] as string).expect(200))).toEqual(['gpt-4o']);
    expect(ids(await as(keys[1] as string).expect(200))).toEqual(['o3-mini']);
    expect(router.status().availability).toMatchObject({ clients: MAX_CLIENT_LISTS });
  });

  it('credentials that throw are a refused list, not a crash', async () => {
    await start();
    const { app, router } = mount({
      provider: 'anthropic',
      availability: {
        url: providers.anthropicUrl,
        headers: () => {
          throw new Error(`cannot read ${SECRET}`);
        },
      },
    });
    const res = await request(app).get('/v1/models').set(ANTHROPIC).expect(200);
    expect(res.body.data).toHaveLength(EXPECTED.anthropic);
    expect(router.status().availability?.lastError?.message).toMatch(/availability\.headers` threw Error/);
    expect(JSON.stringify(router.status())).not.toContain(SECRET);
    expect(providers.requests).toHaveLength(0);
  });
});

describe('availability options', () => {
  const catalog = createCatalog({ enabled: false });
  const make =
    (availability: unknown, provider = 'openai') =>
    () =>
      modelsRouter({ provider, catalog, availability: availability as ModelsRouterOptions['availability'] });

  it('refuses bad settings at construction, naming the key', () => {
    expect(make({})).toThrow(/`availability\.url`/);
    expect(make({ url: 'ftp://x/models' })).toThrow(/`availability\.url` must be an http/);
    expect(make({ url: 'https://user:pw@api.example/v1/models' })).toThrow(/must not hold credentials/);
    expect(make({ url: 'https://api.example/v1/models', format: 'gemini' })).toThrow(
      /`availability\.format`/,
    );
    expect(make({ url: 'https://api.example/v1/models' }, 'mistral')).toThrow(
      /`availability\.format` is required/,
    );
    expect(make({ url: 'https://api.example/v1/models', headers: { a: 'b' } })).toThrow(
      /`availability\.headers`/,
    );
    expect(make({ url: 'https://api.example/v1/models', ttlMs: 0 })).toThrow(/`availability\.ttlMs`/);
    expect(make({ url: 'https://api.example/v1/models', keepUnlisted: 'yes' })).toThrow(
      /`availability\.keepUnlisted`/,
    );
    expect(make({ url: 'https://api.example/v1/models', ttl: 5 })).toThrow(/ttl/);
    expect(make({ url: 'https://api.example/v1/models', credentials: 'mine' })).toThrow(
      /`availability\.credentials`/,
    );
    expect(
      make({ url: 'https://api.example/v1/models', credentials: 'client', headers: () => ({}) }),
    ).toThrow(/exclude each other/);
  });

  it('pins the defaults', () => {
    expect([
      DEFAULT_AVAILABILITY_TTL_MS,
      DEFAULT_AVAILABILITY_TIMEOUT_MS,
      DEFAULT_AVAILABILITY_COLD_WAIT_MS,
    ]).toEqual([600_000, 10_000, 2_000]);
  });

  it('status() is null without the option', () => {
    expect(modelsRouter({ provider: 'openai', catalog }).status().availability).toBeNull();
  });
});

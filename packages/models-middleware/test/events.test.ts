import diagnosticsChannel from 'node:diagnostics_channel';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import { isStoreError, isUpstreamHttpError } from '../src/errors.js';
import {
  type AvailabilityFailedEvent,
  type AvailabilityLoadedEvent,
  type FallbackUsedEvent,
  type ListServedEvent,
  MODELS_CHANNELS,
  publishListServed,
  publishRefreshFinished,
  publishStoreRecovered,
  type RefreshFailedEvent,
  type RefreshFinishedEvent,
  type RefreshStartedEvent,
  type RetrieveServedEvent,
  type StoreDegradedEvent,
  type StoreRecoveredEvent,
} from '../src/events.js';
import { MODELS_CHANNELS as PUBLIC_CHANNELS } from '../src/index.js';
import { type ModelsRouter, modelsRouter } from '../src/router.js';
import { ManualClock } from './support/clock.js';
import { codexCache, ENTRY_A, ENTRY_B, writeCodexCache } from './support/codex.js';
import { status } from './support/faults.js';
import { EXPECTED, FIXED_NOW, fixtureBytes, fixtureDocument } from './support/fixture.js';
import { FaultyStore } from './support/stores.js';
import { tempDirs } from './support/tmp.js';
import { FakeUpstream, openaiModelList } from './support/upstream.js';

const DAY = 24 * 3_600_000;

/** A real subscriber on every channel, recording what each one received, in order. */
function record() {
  const seen: Array<{ channel: string; event: unknown }> = [];
  const handlers = Object.values(MODELS_CHANNELS).map((name) => {
    const onMessage = (event: unknown) => seen.push({ channel: name, event });
    diagnosticsChannel.subscribe(name, onMessage);
    return () => diagnosticsChannel.unsubscribe(name, onMessage);
  });
  return {
    seen,
    of<T>(channel: string): T[] {
      return seen.filter((entry) => entry.channel === channel).map((entry) => entry.event as T);
    },
    stop: () => {
      for (const off of handlers) off();
    },
  };
}

let upstream: FakeUpstream;
let clock: ManualClock;
let recorder: ReturnType<typeof record>;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.handle = undefined;
  upstream.setBody(fixtureBytes());
  clock = new ManualClock(FIXED_NOW);
  recorder = record();
});
afterEach(async () => {
  recorder.stop();
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

function catalogOver(extra: Parameters<typeof createCatalog>[0] = {}): Catalog {
  const catalog = createCatalog({ url: upstream.url, clock, store: new Map(), snapshot: false, ...extra });
  opened.push(catalog);
  return catalog;
}

function routerOver(
  catalog: Catalog,
  provider = 'openai',
  fallback: Array<{ id: string }> = [],
): ModelsRouter {
  const router = modelsRouter({ catalog, provider, fallback });
  opened.push(router);
  return router;
}

describe('diagnostics channels', () => {
  it('are named under ccproxy:models and exported from the package', () => {
    expect(PUBLIC_CHANNELS).toBe(MODELS_CHANNELS);
    expect(Object.values(MODELS_CHANNELS)).toEqual([
      'ccproxy:models:list',
      'ccproxy:models:retrieve',
      'ccproxy:models:refresh:start',
      'ccproxy:models:refresh:finish',
      'ccproxy:models:refresh:fail',
      'ccproxy:models:fallback',
      'ccproxy:models:store:degraded',
      'ccproxy:models:store:recovered',
      'ccproxy:models:store:adopt',
      'ccproxy:models:availability:load',
      'ccproxy:models:availability:fail',
    ]);
  });

  it('list and retrieve: format, tier, count or id, and status, for each answer', async () => {
    const catalog = catalogOver();
    const router = routerOver(catalog);
    const app = express().use('/v1', router);

    const first = await request(app).get('/v1/models').expect(200);
    await request(app).get('/v1/models').set('If-None-Match', String(first.headers.etag)).expect(304);
    await request(app).get('/v1/models').set('anthropic-version', '2023-06-01').expect(200);
    await request(app).get('/v1/models/gpt-5').expect(200);
    await request(app).get('/v1/models/no-such-model').expect(404);
    await request(app).get('/v1/models?limit=0').set('anthropic-version', '2023-06-01').expect(400);

    const lists = recorder.of<ListServedEvent>(MODELS_CHANNELS.list);
    expect(lists.map(({ format, source, status, models }) => ({ format, source, status, models }))).toEqual([
      { format: 'openai', source: 'upstream', status: 200, models: EXPECTED.openai },
      { format: 'openai', source: 'memory', status: 304, models: EXPECTED.openai },
      { format: 'anthropic', source: 'memory', status: 200, models: EXPECTED.openai },
      { format: 'anthropic', source: 'memory', status: 400, models: EXPECTED.openai },
    ]);
    expect(lists[0]?.router).toBe(router);
    expect(lists[0]?.provider).toBe('openai');
    expect(lists[0]?.request.url).toBe('/models');

    const retrieves = recorder.of<RetrieveServedEvent>(MODELS_CHANNELS.retrieve);
    expect(retrieves.map(({ id, found, status, source }) => ({ id, found, status, source }))).toEqual([
      { id: 'gpt-5', found: true, status: 200, source: 'memory' },
      { id: 'no-such-model', found: false, status: 404, source: 'memory' },
    ]);
  });

  it('Codex answers: format codex, the Codex source, entries sent, and the 404 of an unknown slug', async () => {
    const dirs = tempDirs();
    opened.push({ close: () => dirs.cleanup() });
    const cacheFile = join(await dirs.make(), 'models_cache.json');
    await writeCodexCache(cacheFile, codexCache([ENTRY_A, ENTRY_B]));
    const router = modelsRouter({ catalog: catalogOver(), provider: 'openai', codex: { cacheFile } });
    opened.push(router);
    const none = modelsRouter({ catalog: catalogOver(), provider: 'openai', codex: { cacheFile: false } });
    opened.push(none);
    const app = express().use('/v1', router).use('/none', none);

    await request(app).get('/v1/models?client_version=0.171.0').expect(200);
    await request(app)
      .get(`/v1/models/${String(ENTRY_A.slug)}?client_version=0.171.0`)
      .expect(200);
    await request(app).get('/v1/models/no-such-slug?client_version=0.171.0').expect(404);
    await request(app).get('/none/models?client_version=0.171.0').expect(200);

    const lists = recorder.of<ListServedEvent>(MODELS_CHANNELS.list);
    expect(
      lists.map(({ router: r, format, source, status, models }) => ({ r, format, source, status, models })),
    ).toEqual([
      { r: router, format: 'codex', source: 'codex-cache', status: 200, models: 2 },
      { r: none, format: 'codex', source: 'codex-none', status: 200, models: 0 },
    ]);
    const retrieves = recorder.of<RetrieveServedEvent>(MODELS_CHANNELS.retrieve);
    expect(retrieves.map(({ id, found, status, source }) => ({ id, found, status, source }))).toEqual([
      { id: ENTRY_A.slug, found: true, status: 200, source: 'codex-cache' },
      { id: 'no-such-slug', found: false, status: 404, source: 'codex-cache' },
    ]);
  });

  it('refresh start and finish: bytes, counts, and a 304 that changes nothing', async () => {
    const catalog = catalogOver();
    await catalog.get();
    // The finish event reads the whole set, built once the first answers are out.
    await catalog.idle();
    const [started] = recorder.of<RefreshStartedEvent>(MODELS_CHANNELS.refreshStart);
    expect(started?.catalog).toBe(catalog);
    expect(started?.url).toBe(upstream.url);
    const [first] = recorder.of<RefreshFinishedEvent>(MODELS_CHANNELS.refreshFinish);
    const all = (await catalog.get()).models.cards.length;
    expect(first).toMatchObject({
      url: upstream.url,
      bytes: fixtureBytes().length,
      notModified: false,
      changed: true,
      added: all,
      removed: 0,
      models: all,
    });
    expect(first?.durationMs).toBeGreaterThanOrEqual(0);

    clock.advance(DAY + 1);
    await catalog.refresh();
    const second = recorder.of<RefreshFinishedEvent>(MODELS_CHANNELS.refreshFinish)[1];
    expect(second).toMatchObject({ bytes: 0, notModified: true, changed: false, added: 0, removed: 0 });

    // One model gone, one new: the counts say so.
    const document = fixtureDocument();
    delete document['gpt-5'];
    document['gpt-9-events-test'] = { litellm_provider: 'openai', mode: 'chat', max_input_tokens: 1000 };
    upstream.setBody(document);
    await catalog.refresh();
    const third = recorder.of<RefreshFinishedEvent>(MODELS_CHANNELS.refreshFinish)[2];
    expect(third).toMatchObject({ notModified: false, changed: true, added: 1, removed: 1, models: all });
    expect(recorder.of(MODELS_CHANNELS.refreshStart)).toHaveLength(3);
    expect(recorder.of(MODELS_CHANNELS.refreshFail)).toHaveLength(0);
  });

  it('refresh failed: the typed error and the duration', async () => {
    const catalog = catalogOver();
    await catalog.get();
    upstream.handle = status(503);
    const report = await catalog.refresh();
    expect(report.ok).toBe(false);
    const failures = recorder.of<RefreshFailedEvent>(MODELS_CHANNELS.refreshFail);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.catalog).toBe(catalog);
    expect(isUpstreamHttpError(failures[0]?.error)).toBe(true);
    expect(failures[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('availability: the provider list loaded (upstream, then store) and a refused refresh, by router', async () => {
    const provider = await new FakeUpstream(openaiModelList('gpt-4o')).start();
    try {
      const store = new Map();
      const catalog = catalogOver({ store });
      const availability = { url: `${provider.url}?key=sk-in-the-query`, ttlMs: 60_000 };
      const router = modelsRouter({ catalog, provider: 'openai', availability });
      opened.unshift(router);
      const app = express().use('/v1', router);
      await request(app).get('/v1/models').expect(200);
      const base = {
        router,
        provider: 'openai',
        url: provider.url,
        format: 'openai',
        credentials: 'operator',
      };
      expect(recorder.of<AvailabilityLoadedEvent>(MODELS_CHANNELS.availabilityLoad)).toEqual([
        { ...base, models: 1, from: 'upstream' },
      ]);
      // Past its TTL the list is fetched again in the background; the provider now refuses the key.
      provider.handle = status(401);
      clock.advance(60_001);
      await request(app).get('/v1/models').expect(200);
      await router.idle();
      const failed = recorder.of<AvailabilityFailedEvent>(MODELS_CHANNELS.availabilityFail);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject(base);
      expect(isUpstreamHttpError(failed[0]?.error)).toBe(true);
      // A second router over the same store reads the list back from it.
      const again = modelsRouter({ catalog, provider: 'openai', availability });
      opened.unshift(again);
      await request(express().use('/v1', again)).get('/v1/models').expect(200);
      expect(recorder.of<AvailabilityLoadedEvent>(MODELS_CHANNELS.availabilityLoad)[1]).toEqual({
        ...base,
        router: again,
        models: 1,
        from: 'store',
      });
    } finally {
      await provider.stop();
    }
  });

  it('fallback used: the snapshot when nothing else answers, then a router’s own cards', async () => {
    upstream.handle = status(500);
    const catalog = catalogOver({ snapshot: true });
    expect((await catalog.get()).source).toBe('snapshot');
    const snapshot = recorder.of<FallbackUsedEvent>(MODELS_CHANNELS.fallback);
    expect(snapshot).toHaveLength(1);
    expect(snapshot[0]).toMatchObject({ kind: 'snapshot', provider: null, url: upstream.url });
    expect(snapshot[0]?.models).toBeGreaterThan(1000);

    const router = routerOver(catalog, 'no-such-provider', [
      { id: 'house-model-1' },
      { id: 'house-model-2' },
    ]);
    const app = express().use('/v1', router);
    await request(app).get('/v1/models').expect(200);
    await request(app).get('/v1/models').expect(200);
    const events = recorder.of<FallbackUsedEvent>(MODELS_CHANNELS.fallback);
    // Once per catalog version, not per request.
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ kind: 'fallback', provider: 'no-such-provider', models: 2 });
    expect(recorder.of<ListServedEvent>(MODELS_CHANNELS.list).map((e) => e.source)).toEqual([
      'fallback',
      'fallback',
    ]);
  });

  it('store degraded: once, with the operation and a StoreError', async () => {
    const catalog = catalogOver({ store: new FaultyStore('throw', 'throw') });
    await catalog.get();
    await catalog.refresh();
    await catalog.idle();
    const degraded = recorder.of<StoreDegradedEvent>(MODELS_CHANNELS.storeDegraded);
    expect(degraded).toHaveLength(1);
    expect(degraded[0]?.operation).toBe('get');
    expect(isStoreError(degraded[0]?.error)).toBe(true);
    expect(catalog.status().disk).toBe('degraded');
  });

  it('store recovered: the helper the store healing will call reaches a subscriber', () => {
    const cause = new Error('disk was full');
    publishStoreRecovered(cause, 1500);
    expect(recorder.of<StoreRecoveredEvent>(MODELS_CHANNELS.storeRecovered)).toEqual([
      { previousError: cause, degradedMs: 1500 },
    ]);
  });

  it('without a subscriber, nothing is built: no payload field is read, no diff is computed', () => {
    recorder.stop();
    for (const name of Object.values(MODELS_CHANNELS)) {
      expect(diagnosticsChannel.channel(name).hasSubscribers).toBe(false);
    }
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('read without a subscriber');
        },
        ownKeys() {
          throw new Error('read without a subscriber');
        },
      },
    );
    const args = [trap, trap, 'openai', 'memory', 200, 1] as unknown as Parameters<typeof publishListServed>;
    expect(() => publishListServed(...args)).not.toThrow();
    const finished = [trap, 0, 0, false, trap, trap] as unknown as Parameters<typeof publishRefreshFinished>;
    expect(() => publishRefreshFinished(...finished)).not.toThrow();

    // The same calls with a subscriber do read them: the trap is a real one.
    const listener = () => {};
    diagnosticsChannel.subscribe(MODELS_CHANNELS.list, listener);
    try {
      expect(() => publishListServed(...args)).toThrow('read without a subscriber');
    } finally {
      diagnosticsChannel.unsubscribe(MODELS_CHANNELS.list, listener);
    }
  });
});

import { once } from 'node:events';
import http, { type IncomingMessage, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// The parse worker exists only in built code: one case runs the built catalog.
import { createCatalog as createBuiltCatalog } from '../../dist/catalog/catalog.js';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import type { CatalogOptions } from '../../src/options.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS, type ExpressFactory } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { mapFixture } from '../support/faults.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import {
  type HandleTracker,
  hold,
  hostErrorHandler,
  nextTurn,
  trackPackageHandles,
  watchLateWrites,
} from '../support/host.js';
import { closeServer, listen } from '../support/http.js';
import { FakeUpstream } from '../support/upstream.js';

const FALLBACK = [{ id: 'gpt-fallback' }];
const TTL_MS = 60 * 60 * 1000;

/**
 * `catalog.close()` and `router.close()` while something is in flight: the request is answered,
 * nothing throws, and no timer or worker of the package outlives the close.
 */
describe.each(EXPRESS_VERSIONS)('close() with work in flight, on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let tracker: HandleTracker;
  let clock: ManualClock;
  let errors: unknown[];
  let late: string[];
  const open: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(() => upstream.stop());
  beforeEach(() => {
    upstream.handle = undefined;
    upstream.requests.length = 0;
    tracker = trackPackageHandles();
    clock = new ManualClock(FIXED_NOW);
    errors = [];
    late = [];
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
    tracker.stop();
    expect(late).toEqual([]);
    expect(errors).toEqual([]);
  });

  function catalogOf(options: CatalogOptions = {}): Catalog {
    const catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock,
      snapshot: false,
      ...options,
    });
    open.push(catalog);
    return catalog;
  }

  function appOf(factory: ExpressFactory, router: ModelsRouter) {
    open.push(router);
    const app = factory();
    app.use(watchLateWrites(late));
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));
    return app;
  }

  /** After close: nothing the package started is still alive (event-loop turns, no sleeping). */
  async function expectNothingLeft(): Promise<void> {
    expect(await tracker.settled()).toEqual([]);
  }

  it('catalog.close() during a cold wait (no snapshot): the waiting request gets the fallback, timers stop', async () => {
    const catalog = catalogOf({ refreshIntervalMs: TTL_MS });
    const app = appOf(makeApp, modelsRouter({ provider: 'openai', catalog, fallback: FALLBACK }));
    // The refresh interval is alive: the tracker sees the package's unref'd timers.
    expect(tracker.alive().some((handle) => handle.startsWith('Timeout'))).toBe(true);
    const held = hold(upstream);
    const pending = request(app).get('/v1/models');
    const answered = pending.then((res) => res);
    await held.arrived;
    await catalog.close();
    const res = await answered;
    expect(res.status).toBe(200);
    expect(res.headers[SOURCE_HEADER]).toBe('fallback');
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(['gpt-fallback']);
    held.release();
    await expectNothingLeft();
    expect(catalog.status().refreshing).toBe(false);
  });

  it('router.close() of a router that owns its catalog, during a cold wait: answered, its timers stop', async () => {
    const router = modelsRouter({
      provider: 'openai',
      url: upstream.url,
      store: new Map(),
      clock,
      snapshot: false,
      fallback: FALLBACK,
    });
    const app = appOf(makeApp, router);
    const held = hold(upstream);
    const answered = request(app)
      .get('/v1/models/gpt-fallback')
      .then((res) => res);
    await held.arrived;
    await router.close();
    const res = await answered;
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('gpt-fallback');
    held.release();
    await expectNothingLeft();
  });

  it('catalog.close() while a cold request waits with the snapshot behind it: the cold-wait timer stops too', async () => {
    const catalog = catalogOf({ snapshot: true, coldWaitMs: 600_000, refreshIntervalMs: 0 });
    const app = appOf(makeApp, modelsRouter({ provider: 'openai', catalog, fallback: FALLBACK }));
    const held = hold(upstream);
    const answered = request(app)
      .get('/v1/models')
      .then((res) => res);
    await held.arrived;
    // The cold-wait deadline is running now.
    await nextTurn();
    expect(tracker.alive().filter((handle) => handle.startsWith('Timeout')).length).toBeGreaterThan(0);
    await catalog.close();
    const res = await answered;
    expect(res.status).toBe(200);
    expect(['snapshot', 'fallback']).toContain(res.headers[SOURCE_HEADER]);
    expect(res.body.data.length).toBeGreaterThan(0);
    held.release();
    await expectNothingLeft();
  });

  it('catalog.close() during a refresh: the refresh reports failure, requests are still answered from memory', async () => {
    const catalog = catalogOf();
    const app = appOf(makeApp, modelsRouter({ provider: 'openai', catalog, fallback: FALLBACK }));
    await request(app).get('/v1/models').expect(200);
    const held = hold(upstream);
    const refreshing = catalog.refresh();
    await held.arrived;
    expect(catalog.status().refreshing).toBe(true);
    const during = await request(app).get('/v1/models').expect(200);
    expect(during.body.data).toHaveLength(EXPECTED.openai);
    await catalog.close();
    const report = await refreshing;
    expect(report.ok).toBe(false);
    expect(catalog.status().refreshing).toBe(false);
    const after = await request(app).get('/v1/models').expect(200);
    expect(after.body.data).toHaveLength(EXPECTED.openai);
    held.release();
    await expectNothingLeft();
  });

  it('catalog.close() during a background revalidation (stale entry): answered, nothing left running', async () => {
    const catalog = catalogOf({ ttl: TTL_MS });
    const app = appOf(makeApp, modelsRouter({ provider: 'openai', catalog, fallback: FALLBACK }));
    await request(app).get('/v1/models').expect(200);
    clock.advance(TTL_MS + 1);
    const held = hold(upstream);
    // Served from memory at once; the stale entry starts a revalidation behind it.
    await request(app).get('/v1/models').expect(200);
    await held.arrived;
    expect(catalog.status().refreshing).toBe(true);
    await catalog.close();
    await catalog.idle();
    held.release();
    await expectNothingLeft();
    expect(catalog.status().refreshing).toBe(false);
  });

  it('close() while a response is still being delivered to a slow reader: its body arrives whole', async () => {
    const catalog = catalogOf();
    const router = modelsRouter({ provider: 'all', catalog });
    const server: Server = http.createServer(appOf(makeApp, router));
    const base = await listen(server);
    try {
      await request(server).get('/v1/models').expect(200);
      const slow = await new Promise<IncomingMessage>((resolve, reject) => {
        http
          .get(`${base}/v1/models`, { agent: false }, (res) => {
            res.pause();
            resolve(res);
          })
          .on('error', reject);
      });
      await router.close();
      await catalog.close();
      const chunks: Buffer[] = [];
      slow.on('data', (chunk: Buffer) => chunks.push(chunk));
      slow.resume();
      await once(slow, 'end');
      expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).data).toHaveLength(EXPECTED.all);
      await expectNothingLeft();
    } finally {
      await closeServer(server);
    }
  });

  it('catalog.close() after a refresh parsed off-thread: the parse worker and its idle timer stop', async () => {
    const catalog = createBuiltCatalog({ url: upstream.url, store: new Map(), clock, snapshot: false });
    open.push(catalog);
    await catalog.get();
    // New bytes with a copy to serve: the refresh parses in the worker, which then idles for 30 s.
    upstream.setBody(mapFixture((entry, i) => (i === 0 ? { ...entry, max_tokens: 1 } : entry)));
    try {
      expect((await catalog.refresh()).ok).toBe(true);
    } finally {
      upstream.setBody(fixtureBytes());
    }
    const alive = tracker.alive();
    expect(alive.some((handle) => handle.startsWith('WORKER'))).toBe(true);
    expect(alive.some((handle) => handle.startsWith('Timeout') && /parse\.[jt]s:/.test(handle))).toBe(true);
    await catalog.close();
    await expectNothingLeft();
  });

  it('close() twice, and requests after close: answered or passed on, never thrown', async () => {
    const catalog = catalogOf();
    const router = modelsRouter({ provider: 'openai', catalog, fallback: FALLBACK });
    const app = appOf(makeApp, router);
    await Promise.all([router.close(), router.close(), catalog.close(), catalog.close()]);
    const res = await request(app).get('/v1/models').expect(200);
    expect(res.headers[SOURCE_HEADER]).toBe('fallback');
    await request(app).post('/v1/models').expect(404);
    expect((await catalog.refresh()).ok).toBe(false);
    await expectNothingLeft();
  });
});

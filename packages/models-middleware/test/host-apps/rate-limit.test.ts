import { MemoryStore, rateLimit } from 'express-rate-limit';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

describe.each(EXPRESS_VERSIONS)('beside express-rate-limit, on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let router: ModelsRouter;
  let store: MemoryStore;
  let errors: unknown[];
  let late: string[];

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(() => upstream.stop());
  beforeEach(() => {
    upstream.requests.length = 0;
    catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
    });
    router = modelsRouter({ provider: 'openai', catalog });
    store = new MemoryStore();
    errors = [];
    late = [];
  });
  afterEach(async () => {
    store.shutdown();
    await router.close();
    await catalog.close();
    await nextTurn();
    expect(late).toEqual([]);
    expect(errors).toEqual([]);
  });

  const limiter = () =>
    rateLimit({ windowMs: 60_000, limit: 2, standardHeaders: 'draft-8', legacyHeaders: false, store });

  it('in front: answers within the limit carry both its headers and the router headers; past it, 429 without touching the router', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(limiter());
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));

    for (let i = 0; i < 2; i++) {
      const res = await request(app).get('/v1/models').expect(200);
      expect(res.headers.ratelimit).toMatch(new RegExp(`; r=${1 - i};`));
      expect(res.headers.etag).toMatch(/^"/);
      expect(res.headers[SOURCE_HEADER]).toBeDefined();
    }
    const limited = await request(app).get('/v1/models').expect(429);
    expect(limited.headers[SOURCE_HEADER]).toBeUndefined();
    expect(limited.text).not.toMatch(/"object":"list"/);
    expect(upstream.count).toBe(1);
  });

  it('limiting only the proxied routes beside the router leaves the models list unlimited', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use('/v1', router);
    app.post('/v1/chat/completions', limiter(), (_req, res) => {
      res.json({ proxied: 'chat' });
    });
    app.use(hostErrorHandler(errors));

    for (let i = 0; i < 4; i++) await request(app).get('/v1/models').expect(200);
    await request(app).post('/v1/chat/completions').expect(200);
    await request(app).post('/v1/chat/completions').expect(200);
    await request(app).post('/v1/chat/completions').expect(429);
    await request(app).get('/v1/models').expect(200);
  });
});

import express from 'express';
import express4 from 'express4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const ROUTER_OF: Record<string, () => express.Router> = {
  'Express 5': () => express.Router(),
  'Express 4': () => express4.Router() as unknown as express.Router,
};

describe.each(EXPRESS_VERSIONS)('mount points, on %s', (name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let routers: ModelsRouter[];
  let errors: unknown[];
  let late: string[];
  const newRouter = ROUTER_OF[name] as () => express.Router;

  const models = (provider: string): ModelsRouter => {
    const router = modelsRouter({ provider, catalog });
    routers.push(router);
    return router;
  };

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
    routers = [];
    errors = [];
    late = [];
  });
  afterEach(async () => {
    for (const router of routers) await router.close();
    await catalog.close();
    await nextTurn();
    expect(late).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('nested routers: an app, a Router and a sub-app, each mounted under the one before', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    const api = newRouter();
    const tenant = makeApp();
    tenant.use('/v1', models('openai'));
    api.use('/tenants/:tenant', tenant);
    api.use('/v1', models('anthropic'));
    app.use('/api', api);
    app.use(hostErrorHandler(errors));

    const list = await request(app).get('/api/tenants/acme/v1/models').expect(200);
    expect(list.body.data).toHaveLength(EXPECTED.openai);
    await request(app).get('/api/tenants/acme/v1/models/gpt-4.1').expect(200);
    const claude = await request(app).get('/api/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    expect(claude.body.data).toHaveLength(EXPECTED.anthropic);
    // A path that only looks like the router's falls through to the host's 404.
    await request(app).get('/api/tenants/acme/v2/models').expect(404);
    await request(app).get('/api/models').expect(404);
  });

  it('one router at several mount points, the root among them, shares one body and ETag', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    const router = models('openai');
    app.use('/codex/v1', router);
    app.use('/openai/v1', router);
    app.use(router);
    app.use(hostErrorHandler(errors));

    const answers = await Promise.all(
      ['/codex/v1/models', '/openai/v1/models', '/models', '/models/'].map((path) =>
        request(app).get(path).expect(200),
      ),
    );
    const etags = new Set(answers.map((res) => res.headers.etag));
    expect(etags.size).toBe(1);
    for (const res of answers) expect(res.body.data).toHaveLength(EXPECTED.openai);
    // One cold load for four requests at three mounts.
    expect(upstream.count).toBe(1);
  });

  it('a root mount beside host routes of the same path: other methods reach the host', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(express.json());
    app.use(models('openai'));
    app.post('/models', (req, res) => {
      res.status(201).json({ host: 'created', body: req.body });
    });
    app.delete('/models/:id', (req, res) => {
      res.json({ host: 'deleted', id: req.params.id });
    });
    app.get('/models-usage', (_req, res) => {
      res.json({ host: 'usage' });
    });
    app.use('/v1', models('anthropic'));
    app.post('/v1/models', (_req, res) => {
      res.status(201).json({ host: 'v1 created' });
    });
    app.use(hostErrorHandler(errors));

    const created = await request(app).post('/models').send({ id: 'mine' }).expect(201);
    expect(created.body).toEqual({ host: 'created', body: { id: 'mine' } });
    expect(created.headers[SOURCE_HEADER]).toBeUndefined();
    expect((await request(app).delete('/models/gpt-4.1').expect(200)).body).toEqual({
      host: 'deleted',
      id: 'gpt-4.1',
    });
    expect((await request(app).get('/models-usage').expect(200)).body).toEqual({ host: 'usage' });
    expect((await request(app).post('/v1/models').expect(201)).body).toEqual({ host: 'v1 created' });
    await request(app).put('/models').expect(404);
    // The GETs still reach the routers.
    await request(app).get('/models').expect(200);
    await request(app).get('/v1/models').set(ANTHROPIC).expect(200);
  });

  it('a host GET route registered first wins over the router for its path', async () => {
    const app = makeApp();
    app.get('/v1/models/house-model', (_req, res) => {
      res.json({ id: 'house-model', host: true });
    });
    app.use('/v1', models('openai'));
    app.use(hostErrorHandler(errors));
    expect((await request(app).get('/v1/models/house-model').expect(200)).body).toEqual({
      id: 'house-model',
      host: true,
    });
    await request(app).get('/v1/models/gpt-4.1').expect(200);
  });

  it('HEAD: the GET headers with no body, and 304 on a matching ETag', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use('/v1', models('openai'));
    app.use(hostErrorHandler(errors));

    const get = await request(app).get('/v1/models').expect(200);
    const head = await request(app).head('/v1/models').expect(200);
    expect(head.text ?? '').toBe('');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    await request(app).head('/v1/models').set('If-None-Match', String(get.headers.etag)).expect(304);
    await request(app).head('/v1/models/gpt-4.1').expect(200);
    await request(app).head('/v1/models/no-such-model').expect(404);
  });

  it('HEAD on a cold catalog waits for it like GET', async () => {
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use('/v1', models('openai'));
    app.use(hostErrorHandler(errors));
    const head = await request(app).head('/v1/models').expect(200);
    expect(head.headers[SOURCE_HEADER]).toBe('upstream');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });
});

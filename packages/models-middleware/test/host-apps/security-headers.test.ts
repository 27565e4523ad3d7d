import cors from 'cors';
import helmet from 'helmet';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

const ORIGIN = 'https://console.example';
const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

describe.each(EXPRESS_VERSIONS)('behind helmet and cors, on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let router: ModelsRouter;
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
    errors = [];
    late = [];
  });
  afterEach(async () => {
    await router.close();
    await catalog.close();
    await nextTurn();
    expect(late).toEqual([]);
    expect(errors).toEqual([]);
  });

  function app(origin: cors.CorsOptions['origin']) {
    const host = makeApp();
    host.use(watchLateWrites(late));
    host.use(helmet());
    host.use(cors({ origin, maxAge: 600, allowedHeaders: ['authorization', 'anthropic-version'] }));
    host.use('/v1', router);
    host.use(hostErrorHandler(errors));
    return host;
  }

  it('helmet headers and the router headers both reach the client', async () => {
    const res = await request(app(ORIGIN)).get('/v1/models').expect(200);
    expect(res.body.data).toHaveLength(EXPECTED.openai);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers.etag).toMatch(/^"/);
    expect(res.headers[SOURCE_HEADER]).toBe('upstream');
  });

  it('a preflight is answered by cors, never reaches the router and loads nothing', async () => {
    const res = await request(app(ORIGIN))
      .options('/v1/models')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'anthropic-version')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-headers']).toBe('authorization,anthropic-version');
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers[SOURCE_HEADER]).toBeUndefined();
    expect(upstream.count).toBe(0);
    expect(catalog.status().source).toBeNull();
  });

  it("cors's Vary: Origin survives the router's Vary (a shared cache must not mix origins)", async () => {
    const host = app(ORIGIN);
    const res = await request(host).get('/v1/models').set('Origin', ORIGIN).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    const vary = String(res.headers.vary)
      .split(',')
      .map((part) => part.trim().toLowerCase());
    expect(vary).toContain('origin');
    expect(vary).toContain('anthropic-version');
    const claude = await request(host).get('/v1/models').set('Origin', ORIGIN).set(ANTHROPIC).expect(200);
    expect(claude.headers.vary).toBe(res.headers.vary);
  });

  it('a reflected origin list: an unknown origin gets no CORS grant, the list itself is still served', async () => {
    const res = await request(app([ORIGIN]))
      .get('/v1/models')
      .set('Origin', 'https://elsewhere.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.body.data).toHaveLength(EXPECTED.openai);
  });
});

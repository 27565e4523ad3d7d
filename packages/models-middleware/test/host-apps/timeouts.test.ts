import timeout from 'connect-timeout';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hold, hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

/**
 * The crash of issue 10: something in front of the router answers while it waits for a cold
 * catalog and a slow upstream; when the catalog lands, the router must write nothing.
 */

/** A proxy's own deadline: answers 503 itself (no `next(err)`) when `fire` resolves. */
function hostDeadline(fire: Promise<void>): RequestHandler {
  return function deadline(_req, res, next) {
    void fire.then(() => {
      if (!res.headersSent) res.status(503).json({ error: 'deadline exceeded', handledBy: 'host' });
    });
    next();
  };
}

describe.each(EXPRESS_VERSIONS)('a timeout answers first, on %s', (_name, makeApp) => {
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
    upstream.handle = undefined;
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
  });

  /** After the host answered: let the catalog land, then check the router stayed silent. */
  async function landAndCheck(held: ReturnType<typeof hold>): Promise<void> {
    held.release();
    await catalog.idle();
    await nextTurn();
    expect(late).toEqual([]);
    expect(catalog.status().source).toBe('upstream');
  }

  it('connect-timeout: the client gets the host 503, the router writes nothing after, nothing escapes', async () => {
    const held = hold(upstream);
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(timeout('25ms'));
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));

    const res = await request(app).get('/v1/models');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ handledBy: 'host', status: 503 });
    expect(res.headers[SOURCE_HEADER]).toBeUndefined();
    await held.arrived;
    await landAndCheck(held);
    expect(errors).toHaveLength(1);
    expect((errors[0] as { code?: string }).code).toBe('ETIMEDOUT');

    // The catalog that landed serves the next request at once, well inside the timeout.
    const next = await request(app).get('/v1/models').expect(200);
    expect(next.body.data).toHaveLength(EXPECTED.openai);
    expect(next.headers[SOURCE_HEADER]).toBe('memory');
    expect(errors).toHaveLength(1);
  });

  it("the host's own deadline middleware: the client gets its 503, the router writes nothing after", async () => {
    const held = hold(upstream);
    const app = makeApp();
    app.use(watchLateWrites(late));
    // Fires once the catalog is waiting on the upstream: the request is parked in the router.
    app.use(hostDeadline(held.arrived));
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));

    const [list, one] = await Promise.all([
      request(app).get('/v1/models'),
      request(app).get('/v1/models/gpt-4.1'),
    ]);
    for (const res of [list, one]) {
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'deadline exceeded', handledBy: 'host' });
    }
    await landAndCheck(held);
    expect(errors).toEqual([]);
  });

  it('a deadline that fires for an unknown model (the 404 path) leaves the router silent too', async () => {
    const held = hold(upstream);
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(hostDeadline(held.arrived));
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));
    const res = await request(app).get('/v1/models/no-such-model');
    expect(res.status).toBe(503);
    await landAndCheck(held);
    expect(errors).toEqual([]);
    await request(app).get('/v1/models/no-such-model').expect(404);
  });
});

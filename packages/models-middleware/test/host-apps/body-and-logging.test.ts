import express from 'express';
import morgan from 'morgan';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

/** morgan's lines, and a promise for the n-th one (morgan writes after the response finishes). */
function logLines(): {
  lines: string[];
  stream: { write(line: string): void };
  when(count: number): Promise<void>;
} {
  const lines: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    lines,
    stream: {
      write(line: string) {
        lines.push(line.trim());
        for (const w of waiters.filter((w) => lines.length >= w.count)) w.resolve();
      },
    },
    when(count) {
      if (lines.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

describe.each(EXPRESS_VERSIONS)('behind body parsers and morgan, on %s', (_name, makeApp) => {
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
  });

  it('JSON and form parsers in front: GETs (even with a body) reach the router, POSTs reach the host parsed', async () => {
    const log = logLines();
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(morgan(':method :url :status :res[x-models-source]', { stream: log.stream }));
    app.use(express.json({ limit: '10kb' }));
    app.use(express.urlencoded({ extended: false }));
    app.use('/v1', router);
    app.post('/v1/models', (req, res) => {
      res.status(201).json({ host: 'created', body: req.body });
    });
    app.use(hostErrorHandler(errors));

    const list = await request(app).get('/v1/models').set('Content-Type', 'application/json').send('{"x":1}');
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(EXPECTED.openai);
    expect((await request(app).post('/v1/models').send({ id: 'mine' }).expect(201)).body).toEqual({
      host: 'created',
      body: { id: 'mine' },
    });
    expect(
      (await request(app).post('/v1/models').type('form').send('id=form').expect(201)).body.body,
    ).toEqual({
      id: 'form',
    });
    await request(app).head('/v1/models').expect(200);
    await request(app).get('/v1/models/no-such-model').expect(404);
    await log.when(5);
    expect(log.lines).toEqual([
      'GET /v1/models 200 upstream',
      'POST /v1/models 201 -',
      'POST /v1/models 201 -',
      'HEAD /v1/models 200 memory',
      'GET /v1/models/no-such-model 404 -',
    ]);
    expect(errors).toEqual([]);
  });

  it("a body the parser refuses goes to the host's error handler, and the router still serves GETs", async () => {
    const log = logLines();
    const app = makeApp();
    app.use(watchLateWrites(late));
    app.use(morgan(':method :url :status', { stream: log.stream }));
    app.use(express.json({ limit: '100b' }));
    app.use('/v1', router);
    app.use(hostErrorHandler(errors));

    await request(app).post('/v1/models').set('Content-Type', 'application/json').send('{oops').expect(400);
    await request(app)
      .post('/v1/models')
      .send({ big: 'x'.repeat(200) })
      .expect(413);
    // A malformed body on a GET is refused by the parser before the router sees it: the host's choice.
    await request(app).get('/v1/models').set('Content-Type', 'application/json').send('{oops').expect(400);
    await request(app).get('/v1/models').expect(200);
    await log.when(4);
    expect(log.lines).toEqual([
      'POST /v1/models 400',
      'POST /v1/models 413',
      'GET /v1/models 400',
      'GET /v1/models 200',
    ]);
    expect(errors.map((e) => (e as { type?: string }).type)).toEqual([
      'entity.parse.failed',
      'entity.too.large',
      'entity.parse.failed',
    ]);
  });
});

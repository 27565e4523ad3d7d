import { once } from 'node:events';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import compression from 'compression';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { captureResponses, hold, hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { closeServer, listen, type RawResponse, send } from '../support/http.js';
import { FakeUpstream } from '../support/upstream.js';

/** Starts a GET and resolves at its response headers, without reading the body. */
function startGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: false, headers }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on('error', reject);
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.resume();
  await once(res, 'end');
  return Buffer.concat(chunks);
}

describe.each(EXPRESS_VERSIONS)('clients that abort or read slowly, on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let routers: ModelsRouter[];
  let server: Server;
  let base: string;
  let errors: unknown[];
  let late: string[];
  let seen: ServerResponse[];
  let closed: Array<Promise<unknown>>;

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(() => upstream.stop());
  beforeEach(async () => {
    upstream.handle = undefined;
    upstream.requests.length = 0;
    catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
    });
    routers = [modelsRouter({ provider: 'openai', catalog }), modelsRouter({ provider: 'all', catalog })];
    errors = [];
    late = [];
    seen = [];
    closed = [];
    const app = makeApp();
    app.use(captureResponses(seen, (res) => closed.push(once(res, 'close'))));
    app.use(watchLateWrites(late));
    app.use('/gz', compression());
    app.use('/v1', routers[0] as ModelsRouter);
    app.use('/all/v1', routers[1] as ModelsRouter);
    app.use('/gz/all/v1', routers[1] as ModelsRouter);
    app.use(hostErrorHandler(errors));
    server = http.createServer(app);
    base = await listen(server);
  });
  afterEach(async () => {
    await closeServer(server);
    for (const router of routers) await router.close();
    await catalog.close();
    await nextTurn();
    expect(late).toEqual([]);
    expect(errors).toEqual([]);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    send(base, { method: 'GET', path, headers }) as Promise<RawResponse>;

  it('a client that gives up while the cold catalog loads: nothing is written to it, the next client is served', async () => {
    const held = hold(upstream);
    const req = http.get(`${base}/v1/models`, { agent: false });
    const gone = new Promise<void>((resolve) => req.on('error', () => resolve()));
    await held.arrived;
    req.destroy();
    await gone;
    await closed[0];
    held.release();
    await catalog.idle();
    await nextTurn();
    expect(seen[0]?.headersSent).toBe(false);

    const next = await get('/v1/models');
    expect(next.status).toBe(200);
    expect(next.headers[SOURCE_HEADER]).toBe('memory');
  });

  it('many clients waiting on one cold load, half of them gone before it lands: the rest all get the list', async () => {
    const held = hold(upstream);
    const quitters = Array.from({ length: 4 }, () => {
      const req = http.get(`${base}/v1/models`, { agent: false });
      req.on('error', () => {});
      return req;
    });
    const stayers = Array.from({ length: 4 }, () => get('/v1/models'));
    await held.arrived;
    for (const req of quitters) req.destroy();
    held.release();
    const answers = await Promise.all(stayers);
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString('utf8')).data).toHaveLength(EXPECTED.openai);
    }
    await Promise.all(closed);
    await catalog.idle();
    expect(upstream.count).toBe(1);
  });

  it.each([
    ['identity', '/all/v1/models'],
    ['gzip', '/gz/all/v1/models'],
  ])(
    'a slow reader (%s) holds only its own response: others are served meanwhile, its body arrives whole',
    async (encoding, path) => {
      await get('/v1/models');
      const slow = await startGet(base, path, { 'accept-encoding': encoding });
      expect(slow.statusCode).toBe(200);
      // The router answered in full at once; the bytes wait in the socket for the reader (behind
      // compression they wait in its zlib stream, which ends the response once they are drained).
      expect(seen.at(-1)?.writableEnded).toBe(encoding === 'identity');
      const meanwhile = await Promise.all([get('/v1/models'), get('/v1/models/gpt-4.1')]);
      for (const res of meanwhile) expect(res.status).toBe(200);

      const bytes = await readAll(slow);
      const text = (slow.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
      expect(slow.headers['content-encoding']).toBe(encoding === 'gzip' ? 'gzip' : undefined);
      expect(JSON.parse(text).data).toHaveLength(EXPECTED.all);
    },
  );

  it.each([
    ['identity', '/all/v1/models'],
    ['gzip', '/gz/all/v1/models'],
  ])(
    'a slow reader (%s) that gives up mid-body: its socket closes, nothing escapes, the next is served',
    async (encoding, path) => {
      await get('/v1/models');
      const slow = await startGet(base, path, { 'accept-encoding': encoding });
      const served = seen.length;
      slow.destroy();
      await Promise.all(closed.slice(0, served));
      await nextTurn();
      const next = await get(path, { 'accept-encoding': encoding });
      expect(next.status).toBe(200);
    },
  );
});

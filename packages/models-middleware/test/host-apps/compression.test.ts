import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import compression from 'compression';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { hostErrorHandler, nextTurn, watchLateWrites } from '../support/host.js';
import { closeServer, listen, type RawResponse, send } from '../support/http.js';
import { FakeUpstream } from '../support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

function decode(res: RawResponse): Buffer {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(res.body);
  if (encoding === 'br') return brotliDecompressSync(res.body);
  return res.body;
}

describe.each(EXPRESS_VERSIONS)('behind compression, on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let routers: ModelsRouter[];
  let server: Server;
  let base: string;
  let errors: unknown[];
  let late: string[];

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(() => upstream.stop());
  beforeEach(async () => {
    catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
    });
    routers = [
      modelsRouter({ provider: 'openai', catalog }),
      modelsRouter({ provider: 'anthropic', catalog }),
    ];
    errors = [];
    late = [];
    const app = makeApp();
    app.use(watchLateWrites(late));
    // Default options, as hosts use it: bodies over 1 kB are compressed.
    app.use(compression());
    app.use('/openai/v1', routers[0] as ModelsRouter);
    app.use('/anthropic/v1', routers[1] as ModelsRouter);
    app.use(hostErrorHandler(errors));
    server = createServer(app);
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

  it.each(['gzip', 'br'])(
    '%s: the body decodes to the identity body, with the same ETag and caching headers',
    async (encoding) => {
      const plain = await get('/openai/v1/models', { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(Number(plain.headers['content-length'])).toBe(plain.body.length);

      const packed = await get('/openai/v1/models', { 'accept-encoding': encoding });
      expect(packed.status).toBe(200);
      expect(packed.headers['content-encoding']).toBe(encoding);
      expect(packed.body.length).toBeLessThan(plain.body.length);
      expect(decode(packed).equals(plain.body)).toBe(true);
      expect(JSON.parse(decode(packed).toString('utf8')).data).toHaveLength(EXPECTED.openai);
      // compression keeps the router's strong ETag, and appends its Vary to the router's.
      expect(packed.headers.etag).toBe(plain.headers.etag);
      expect(packed.headers['cache-control']).toBe('public, max-age=60');
      expect(packed.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(String(packed.headers.vary)).toMatch(/anthropic-version/);
      expect(String(packed.headers.vary)).toMatch(/Accept-Encoding/i);
      expect(packed.headers[SOURCE_HEADER]).toBe('memory');
    },
  );

  it.each(['gzip', 'br'])('%s: If-None-Match still gets a bodiless 304', async (encoding) => {
    const first = await get('/openai/v1/models', { 'accept-encoding': encoding });
    const etag = String(first.headers.etag);
    const again = await get('/openai/v1/models', { 'accept-encoding': encoding, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['content-encoding']).toBeUndefined();
    // A stale validator gets the full, compressed body.
    const stale = await get('/openai/v1/models', { 'accept-encoding': encoding, 'if-none-match': '"old"' });
    expect(stale.status).toBe(200);
    expect(decode(stale).equals(decode(first))).toBe(true);
  });

  it('the Anthropic shape, a single model and a 404 come through compressed and intact', async () => {
    const page = await get('/anthropic/v1/models?limit=1000', { ...ANTHROPIC, 'accept-encoding': 'br' });
    expect(page.status).toBe(200);
    expect(JSON.parse(decode(page).toString('utf8')).data).toHaveLength(EXPECTED.anthropic);
    const one = await get('/openai/v1/models/gpt-4.1', { 'accept-encoding': 'gzip' });
    expect(JSON.parse(decode(one).toString('utf8'))).toMatchObject({ id: 'gpt-4.1', object: 'model' });
    const missing = await get('/openai/v1/models/no-such-model', { 'accept-encoding': 'gzip' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(decode(missing).toString('utf8')).error.code).toBe('model_not_found');
  });

  it('HEAD through compression: headers and length of the identity body, no body', async () => {
    const plain = await get('/openai/v1/models', { 'accept-encoding': 'identity' });
    const head = (await send(base, {
      method: 'HEAD',
      path: '/openai/v1/models',
      headers: { 'accept-encoding': 'gzip' },
    })) as RawResponse;
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(plain.headers.etag);
    expect(head.headers['content-length']).toBe(plain.headers['content-length']);
  });
});

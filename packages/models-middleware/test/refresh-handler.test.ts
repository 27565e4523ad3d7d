import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type Express } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import {
  DEFAULT_REFRESH_MAX_BODY_BYTES,
  DEFAULT_REFRESH_MIN_INTERVAL_MS,
  RefreshBodyUnavailableError,
  type RefreshHandlerOptions,
  type RefreshResponse,
  refreshHandler,
} from '../src/refresh-handler.js';
import { ManualClock } from './support/clock.js';
import { FIXED_NOW, fixtureBytes, fixtureDocument } from './support/fixture.js';
import { closeServer, listen } from './support/http.js';
import { memoryLogger } from './support/logger.js';
import { FakeUpstream } from './support/upstream.js';

const SECRET = 'webhook-secret-7f3a9c';
const PATH = '/admin/models/refresh';
const PUSH = JSON.stringify({ ref: 'refs/heads/main', commits: [{ id: 'abc123' }] });

const sign = (body: string | Buffer, secret = SECRET) =>
  `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;

let upstream: FakeUpstream;
let clock: ManualClock;
const opened: Catalog[] = [];

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
});
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((catalog) => catalog.close()));
});

function catalogOver(): Catalog {
  const catalog = createCatalog({ url: upstream.url, clock, store: new Map(), snapshot: false });
  opened.push(catalog);
  return catalog;
}

/** An app with the handler at PATH, optionally behind a body parser, recording what reached its error handler. */
function appWith(
  options: Partial<RefreshHandlerOptions> = {},
  before: express.RequestHandler[] = [],
): { app: Express; errors: unknown[]; logger: ReturnType<typeof memoryLogger>; catalog: Catalog } {
  const logger = memoryLogger();
  const catalog = options.catalog ?? catalogOver();
  const app = express();
  const errors: unknown[] = [];
  app.post(PATH, ...before, refreshHandler({ catalog, secret: SECRET, logger, ...options }));
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(500).json({ handledBy: 'app' });
  };
  app.use(onError);
  return { app, errors, logger, catalog };
}

const webhook = (app: Express, body: string, signature = sign(body)) =>
  request(app)
    .post(PATH)
    .set('Content-Type', 'application/json')
    .set('X-GitHub-Event', 'push')
    .set('X-Hub-Signature-256', signature)
    .send(body);

describe('refreshHandler options', () => {
  const catalog = { refresh: async () => ({}), clock: { now: () => 0 } } as unknown as Catalog;

  it('is off without a secret: the factory refuses a missing or empty one', () => {
    expect(() => refreshHandler({ catalog } as RefreshHandlerOptions)).toThrow(TypeError);
    expect(() => refreshHandler({ catalog } as RefreshHandlerOptions)).toThrow(/`secret`/);
    expect(() => refreshHandler({ catalog, secret: '' })).toThrow(/`secret`/);
    expect(() => refreshHandler({ catalog, secret: '   ' })).toThrow(/`secret`/);
  });

  it('names each bad option', () => {
    expect(() => refreshHandler({ secret: SECRET } as RefreshHandlerOptions)).toThrow(/`catalog`/);
    expect(() => refreshHandler({ catalog, secret: SECRET, minIntervalMs: -1 })).toThrow(RangeError);
    expect(() => refreshHandler({ catalog, secret: SECRET, minIntervalMs: 1.5 })).toThrow(/`minIntervalMs`/);
    expect(() => refreshHandler({ catalog, secret: SECRET, maxBodyBytes: -1 })).toThrow(/`maxBodyBytes`/);
    expect(() =>
      refreshHandler({ catalog, secret: SECRET, ttl: 5 } as unknown as RefreshHandlerOptions),
    ).toThrow(/unknown refreshHandler option `ttl`/);
  });

  it('has documented defaults', () => {
    expect(DEFAULT_REFRESH_MIN_INTERVAL_MS).toBe(60_000);
    expect(DEFAULT_REFRESH_MAX_BODY_BYTES).toBe(1024 * 1024);
  });
});

describe('refreshHandler credentials', () => {
  it('a bearer token refreshes now and answers with the report', async () => {
    const { app, catalog } = appWith();
    const res = await request(app).post(PATH).set('Authorization', `Bearer ${SECRET}`).expect(200);
    const body = res.body as RefreshResponse;
    expect(body).toMatchObject({ ok: true, changed: true, notModified: false, reused: false, removed: [] });
    expect(body.added.length).toBe((await catalog.get()).models.cards.length);
    expect(body.refreshedAt).toBe(new Date(FIXED_NOW).toISOString());
    expect(res.headers['cache-control']).toBe('no-store');
    expect(upstream.count).toBe(1);
  });

  it('a signed webhook refreshes; the report names the models added and removed', async () => {
    const { app } = appWith({ minIntervalMs: 0 });
    await webhook(app, PUSH).expect(200);
    const document = fixtureDocument();
    delete document['gpt-5'];
    document['gpt-9-webhook-test'] = { litellm_provider: 'openai', mode: 'chat' };
    upstream.setBody(document);
    const res = await webhook(app, PUSH).expect(200);
    expect(res.body).toMatchObject({
      ok: true,
      changed: true,
      notModified: false,
      added: ['gpt-9-webhook-test'],
      removed: ['gpt-5'],
      reused: false,
    });
    // Nothing changed upstream: a conditional request, answered 304.
    const again = await webhook(app, PUSH).expect(200);
    expect(again.body).toMatchObject({ ok: true, changed: false, notModified: true, added: [], removed: [] });
    expect(upstream.requests[2]?.headers['if-none-match']).toBe(upstream.etag());
  });

  it('refuses a missing credential, a wrong token and a wrong signature with 401, logged without the secret', async () => {
    const { app, logger } = appWith();
    const missing = await request(app).post(PATH).send(PUSH).expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    await request(app).post(PATH).set('Authorization', 'Bearer not-the-secret').expect(401);
    await request(app).post(PATH).set('Authorization', `Basic ${SECRET}`).expect(401);
    await webhook(app, PUSH, sign(PUSH, 'another-secret')).expect(401);
    await webhook(app, PUSH, 'sha256=zz').expect(401);
    await webhook(app, PUSH, sign(PUSH).replace('sha256=', 'sha1=')).expect(401);
    expect(upstream.count).toBe(0);

    const refused = logger.at('warn');
    expect(refused.map((line) => (line.obj as { reason: string }).reason)).toEqual([
      'missing credential',
      'wrong bearer token',
      'wrong bearer token',
      'wrong signature',
      'malformed signature',
      'malformed signature',
    ]);
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('not-the-secret');
  });

  it('a signature replayed with another body is refused', async () => {
    const { app } = appWith();
    const other = JSON.stringify({ ref: 'refs/heads/evil', commits: [] });
    await webhook(app, other, sign(PUSH)).expect(401);
    // Same length, one byte changed.
    const tampered = PUSH.replace('abc123', 'abc124');
    expect(tampered.length).toBe(PUSH.length);
    await webhook(app, tampered, sign(PUSH)).expect(401);
    expect(upstream.count).toBe(0);
    await webhook(app, PUSH, sign(PUSH)).expect(200);
    expect(upstream.count).toBe(1);
  });

  it('compares in constant time: signatures and tokens go through crypto.timingSafeEqual', async () => {
    const spy = vi.spyOn(crypto, 'timingSafeEqual');
    const { app } = appWith();
    // A wrong signature of the right length: only the comparison can tell it apart.
    const good = sign(PUSH);
    const wrong = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    expect(wrong).toHaveLength(good.length);
    await webhook(app, PUSH, wrong).expect(401);
    expect(spy).toHaveBeenCalledTimes(1);
    const [a, b] = spy.mock.calls[0] ?? [];
    expect(Buffer.from(a as Uint8Array).toString('hex')).toBe(wrong.slice('sha256='.length));
    expect(Buffer.from(b as Uint8Array).toString('hex')).toBe(good.slice('sha256='.length));

    await request(app).post(PATH).set('Authorization', 'Bearer x').expect(401);
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('refreshHandler bodies', () => {
  it('refuses a body over maxBodyBytes with 413 before reading it, signed or not', async () => {
    const { app } = appWith({ maxBodyBytes: 64 });
    const big = JSON.stringify({ padding: 'x'.repeat(100) });
    const res = await webhook(app, big).expect(413);
    expect(res.body.error.type).toBe('payload_too_large');
    await request(app).post(PATH).set('Authorization', `Bearer ${SECRET}`).send(big).expect(413);
    expect(upstream.count).toBe(0);
    await webhook(app, '{"ok":1}').expect(200);
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit', async () => {
    const { app } = appWith({ maxBodyBytes: 1024 });
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      const chunk = 'x'.repeat(512);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${base}${PATH}`, {
          method: 'POST',
          headers: { 'X-Hub-Signature-256': sign(chunk.repeat(4)), 'Transfer-Encoding': 'chunked' },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 4; i++) req.write(chunk);
        req.end();
      });
      expect(status).toBe(413);
      expect(upstream.count).toBe(0);
    } finally {
      await closeServer(server);
    }
  });

  it('after express.raw(), or a JSON parser keeping the bytes, the signature still checks', async () => {
    const raw = appWith({}, [express.raw({ type: '*/*' })]);
    await webhook(raw.app, PUSH).expect(200);
    await webhook(raw.app, PUSH, sign('{}')).expect(401);

    const keep = appWith({}, [
      express.json({
        verify: (req, _res, buf) => {
          (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
        },
      }),
    ]);
    await webhook(keep.app, PUSH).expect(200);
    await webhook(keep.app, PUSH, sign('{}')).expect(401);
  });

  it('after a JSON parser that dropped the bytes: the bearer token works, a signature is a host error', async () => {
    const { app, errors } = appWith({}, [express.json()]);
    await request(app).post(PATH).set('Authorization', `Bearer ${SECRET}`).send({ a: 1 }).expect(200);
    await webhook(app, PUSH).expect(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RefreshBodyUnavailableError);
    expect((errors[0] as Error).message).toMatch(/mount refreshHandler before it/);
  });

  it('other methods fall through to the app', async () => {
    const catalog = catalogOver();
    const app = express();
    app.use(PATH, refreshHandler({ catalog, secret: SECRET }));
    app.get(PATH, (_req, res) => {
      res.json({ handledBy: 'app' });
    });
    const res = await request(app).get(PATH).set('Authorization', `Bearer ${SECRET}`).expect(200);
    expect(res.body).toEqual({ handledBy: 'app' });
    expect(upstream.count).toBe(0);
  });
});

describe('refreshHandler coalescing and rate limit', () => {
  /** Holds upstream answers until release(); `arrived` settles when the first request comes in. */
  function holdUpstream() {
    const held: ServerResponse[] = [];
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    upstream.handle = (_req: IncomingMessage, res: ServerResponse) => {
      held.push(res);
      arrived();
    };
    return {
      first,
      release() {
        upstream.handle = undefined;
        for (const res of held.splice(0)) {
          res.writeHead(200, { 'Content-Type': 'application/json', ETag: upstream.etag() });
          res.end(upstream.body);
        }
      },
    };
  }

  it('a burst of 20 webhooks makes one upstream fetch; all get its report', async () => {
    const { app } = appWith();
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      const gate = holdUpstream();
      const burst = Array.from({ length: 20 }, () =>
        request(base).post(PATH).set('X-Hub-Signature-256', sign(PUSH)).send(PUSH),
      );
      const answers = Promise.all(burst.map((r) => r.then((res) => res)));
      await gate.first;
      gate.release();
      const results = await answers;
      expect(results.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(results.filter((res) => res.body.reused === false)).toHaveLength(1);
      expect(new Set(results.map((res) => JSON.stringify(res.body.added)))).toHaveProperty('size', 1);
      expect(upstream.count).toBe(1);
    } finally {
      await closeServer(server);
    }
  });

  it('within minIntervalMs a call gets the last report; after it, a new conditional fetch', async () => {
    const { app } = appWith({ minIntervalMs: 30_000 });
    const first = await webhook(app, PUSH).expect(200);
    clock.advance(29_999);
    const second = await webhook(app, PUSH).expect(200);
    expect(second.body).toEqual({ ...first.body, reused: true });
    expect(upstream.count).toBe(1);
    clock.advance(1);
    const third = await webhook(app, PUSH).expect(200);
    expect(third.body).toMatchObject({ reused: false, notModified: true, changed: false });
    expect(third.body.refreshedAt).toBe(new Date(FIXED_NOW + 30_000).toISOString());
    expect(upstream.count).toBe(2);
  });

  it('with minIntervalMs 0, concurrent calls still share one fetch, sequential ones each fetch', async () => {
    // Released only once all five are in the app: none can arrive after the shared fetch ended.
    let inApp = 0;
    let allIn!: () => void;
    const everyone = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    const count: express.RequestHandler = (_req, _res, next) => {
      if (++inApp === 5) allIn();
      next();
    };
    const { app } = appWith({ minIntervalMs: 0 }, [count]);
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      const gate = holdUpstream();
      const burst = Array.from({ length: 5 }, () =>
        request(base)
          .post(PATH)
          .set('Authorization', `Bearer ${SECRET}`)
          .then((res) => res),
      );
      await Promise.all([gate.first, everyone]);
      gate.release();
      expect((await Promise.all(burst)).map((res) => res.status)).toEqual(Array(5).fill(200));
      expect(upstream.count).toBe(1);
      await request(base).post(PATH).set('Authorization', `Bearer ${SECRET}`).expect(200);
      await request(base).post(PATH).set('Authorization', `Bearer ${SECRET}`).expect(200);
      expect(upstream.count).toBe(3);
    } finally {
      await closeServer(server);
    }
  });

  it('a failed refresh answers 502 with the report, and counts for the rate limit too', async () => {
    const { app } = appWith();
    upstream.handle = (_req, res) => {
      res.writeHead(503).end();
    };
    const res = await webhook(app, PUSH).expect(502);
    expect(res.body).toMatchObject({ ok: false, reused: false });
    expect(res.body.error).toMatch(/HTTP 503/);
    await webhook(app, PUSH).expect(502);
    expect(upstream.count).toBe(1);
  });
});

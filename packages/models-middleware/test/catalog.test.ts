import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Catalog, createCatalog } from '../src/catalog/catalog.js';
import { SQLITE_FILE } from '../src/catalog/store.js';
import { selectModels } from '../src/filter.js';
import type { CatalogOptions } from '../src/options.js';
import { DEFAULT_MODES } from '../src/options.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes, fixtureDocument } from './support/fixture.js';
import { memoryLogger } from './support/logger.js';
import { tempDirs } from './support/tmp.js';
import { FakeUpstream } from './support/upstream.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const listed = (catalog: Catalog, provider: string) =>
  catalog
    .get()
    .then((r) =>
      selectModels(r.models, { provider, modes: DEFAULT_MODES, includeDeprecated: false }, FIXED_NOW),
    );

/** The same behaviour suite runs over each disk backend: SQLite files and an in-memory Keyv store. */
const backends: Array<[string, (dir: string) => Pick<CatalogOptions, 'cacheDir' | 'store'>]> = [
  ['SQLite', (dir) => ({ cacheDir: dir })],
  ['in-memory Keyv store', () => ({ store: new Map() })],
];

describe.each(backends)('catalog tiers over %s', (_name, backend) => {
  const dirs = tempDirs();
  let upstream: FakeUpstream;
  let clock: ManualClock;
  let storage: Pick<CatalogOptions, 'cacheDir' | 'store'>;
  const open: Catalog[] = [];

  const make = (extra: CatalogOptions = {}) => {
    const catalog = createCatalog({ url: upstream.url, clock, ...storage, snapshot: false, ...extra });
    open.push(catalog);
    return catalog;
  };

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
    await dirs.cleanup();
  });
  beforeEach(async () => {
    upstream.requests.length = 0;
    upstream.handle = undefined;
    upstream.setBody(fixtureBytes());
    clock = new ManualClock(FIXED_NOW);
    storage = backend(await dirs.make());
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  it('answers from upstream, then memory, then disk after a restart, with the expected counts', async () => {
    const first = make();
    const a = await first.get();
    expect(a.source).toBe('upstream');
    expect(await listed(first, 'openai')).toHaveLength(EXPECTED.openai);
    expect(await listed(first, 'anthropic')).toHaveLength(EXPECTED.anthropic);
    expect((await first.get()).source).toBe('memory');
    await first.close();

    const second = make();
    const b = await second.get();
    expect(b.source).toBe('disk');
    expect(b.models.version).toBe(a.models.version);
    expect(await listed(second, 'openai')).toHaveLength(EXPECTED.openai);
    expect(upstream.count).toBe(1);
  });

  it('joins 200 concurrent misses into one upstream request', async () => {
    const catalog = make();
    const results = await Promise.all(Array.from({ length: 200 }, () => catalog.get()));
    expect(upstream.count).toBe(1);
    expect(new Set(results.map((r) => r.models)).size).toBe(1);
  });

  it('serves a stale copy at once and revalidates it in the background with a conditional request', async () => {
    const catalog = make();
    const first = await catalog.get();
    clock.advance(DAY + 1);
    const stale = await catalog.get();
    expect(stale.models).toBe(first.models);
    await catalog.idle();
    expect(catalog.status().refreshing).toBe(false);
    expect(upstream.count).toBe(2);
    expect(upstream.requests[1]?.headers['if-none-match']).toBe(upstream.etag());
    const status = catalog.status();
    expect(status.stale).toBe(false);
    expect(status.ageMs).toBe(0);
    // The 304 renewed the copy without building a new one.
    expect((await catalog.get()).models).toBe(first.models);
  });

  it('keeps the stale copy when the refresh fails, and says so in the status', async () => {
    const catalog = make();
    const first = await catalog.get();
    upstream.handle = (_req, res) => {
      res.writeHead(503, { 'Retry-After': '120' });
      res.end('down');
    };
    clock.advance(DAY + 1);
    expect((await catalog.get()).models).toBe(first.models);
    await catalog.idle();
    expect(catalog.status().lastError?.name).toBe('UpstreamHttpError');
    expect(catalog.status().stale).toBe(true);
    // Retry-After (120 s) is longer than retryDelayMs (60 s): no retry before it.
    clock.advance(90_000);
    await catalog.get();
    expect(upstream.count).toBe(2);
    clock.advance(31_000);
    await catalog.get();
    await catalog.idle();
    expect(upstream.count).toBe(3);
  });

  it('renews the disk copy with a 304 after a restart, without a download', async () => {
    const first = make();
    await first.get();
    await first.close();
    clock.advance(DAY + 1);
    const second = make();
    expect((await second.get()).source).toBe('disk');
    await second.idle();
    expect(upstream.count).toBe(2);
    expect(second.status().stale).toBe(false);
    expect(upstream.requests[1]?.headers['if-none-match']).toBe(upstream.etag());
  });

  it('a rejected document never replaces the good copy, in memory or on disk', async () => {
    const catalog = make();
    const good = await catalog.get();
    const doc = fixtureDocument();
    upstream.setBody({ 'gpt-x': doc['gpt-4o'] });
    const report = await catalog.refresh();
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/only 1 valid models/);
    expect((await catalog.get()).models).toBe(good.models);
    await catalog.close();
    const restarted = make();
    const fromDisk = await restarted.get();
    expect(fromDisk.source).toBe('disk');
    expect(fromDisk.models.cards).toHaveLength(good.models.cards.length);
  });

  it('rejects a document that drops every model of a protected provider', async () => {
    const catalog = make({ providers: ['anthropic'] });
    await catalog.get();
    const doc = fixtureDocument();
    const withoutAnthropic = Object.fromEntries(
      Object.entries(doc).filter(([, entry]) => entry.litellm_provider !== 'anthropic'),
    );
    upstream.setBody(withoutAnthropic);
    const report = await catalog.refresh();
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/no `anthropic` model/);
    expect(await listed(catalog, 'anthropic')).toHaveLength(EXPECTED.anthropic);
  });

  it('reports added and removed models on a forced refresh', async () => {
    const catalog = make();
    await catalog.get();
    const doc = fixtureDocument();
    delete doc['gpt-4o'];
    doc['gpt-9'] = { litellm_provider: 'openai', mode: 'chat' };
    upstream.setBody(doc);
    const report = await catalog.refresh();
    expect(report).toMatchObject({
      ok: true,
      changed: true,
      notModified: false,
      added: ['gpt-9'],
      removed: ['gpt-4o'],
    });
    const again = await catalog.refresh();
    expect(again).toMatchObject({ ok: true, changed: false, notModified: true, added: [], removed: [] });
  });

  it('picks up a newer document another process wrote, once memoryTtl has passed', async () => {
    const a = make({ memoryTtl: HOUR });
    const b = make({ memoryTtl: HOUR });
    await a.refresh();
    expect((await b.get()).source).toBe('disk');
    const doc = fixtureDocument();
    doc['gpt-9'] = { litellm_provider: 'openai', mode: 'chat' };
    upstream.setBody(doc);
    clock.advance(1000);
    expect((await a.refresh()).added).toEqual(['gpt-9']);
    expect((await b.get()).models.byId.has('gpt-9')).toBe(false);
    clock.advance(HOUR);
    // Past memoryTtl the store is read in the background: this answer is memory's, the next the store's.
    expect((await b.get()).models.byId.has('gpt-9')).toBe(false);
    await b.idle();
    const later = await b.get();
    expect(later.source).toBe('disk');
    expect(later.models.byId.has('gpt-9')).toBe(true);
  });

  it('falls back to nothing (source fallback) when upstream fails, nothing is cached and the snapshot is off', async () => {
    upstream.handle = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    const catalog = make();
    const result = await catalog.get();
    expect(result.source).toBe('fallback');
    expect(result.models.cards).toHaveLength(0);
    expect(catalog.status().lastError?.message).toMatch(/HTTP 500/);
  });

  it('serves the shipped snapshot when upstream fails and nothing is cached', async () => {
    upstream.handle = (req) => req.socket.destroy();
    const logger = memoryLogger();
    const catalog = make({ snapshot: true, logger });
    const result = await catalog.get();
    expect(result.source).toBe('snapshot');
    expect(await listed(catalog, 'anthropic')).toHaveLength(EXPECTED.anthropic);
    expect((await catalog.get()).source).toBe('snapshot');
    expect(catalog.status()).toMatchObject({ source: 'snapshot', stale: true, fetchedAt: null });
    expect(logger.at('warn').some((l) => /snapshot/.test(l.msg ?? ''))).toBe(true);
    // Once upstream is back, the next try after retryDelayMs replaces the snapshot.
    upstream.handle = undefined;
    clock.advance(61_000);
    await catalog.get();
    await catalog.idle();
    expect(catalog.status().source).toBe('upstream');
    expect((await catalog.get()).source).toBe('memory');
  });

  it('touches neither network nor disk when disabled', async () => {
    const catalog = make({ enabled: false });
    const result = await catalog.get();
    expect(result.source).toBe('fallback');
    expect(upstream.count).toBe(0);
    expect(catalog.status()).toMatchObject({ enabled: false, disk: 'off', source: 'fallback' });
    expect((await catalog.refresh()).ok).toBe(false);
  });

  it('refreshes on an interval when asked, and close() stops the timer', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const catalog = make({ refreshIntervalMs: 10 * 60_000 });
      await catalog.get();
      vi.advanceTimersByTime(10 * 60_000);
      await catalog.idle();
      expect(upstream.count).toBe(2);
      await catalog.close();
      vi.advanceTimersByTime(60 * 60_000);
      expect(upstream.count).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('describes itself in status()', async () => {
    const catalog = make();
    expect(catalog.status()).toMatchObject({ source: null, models: 0, fetchedAt: null, lastError: null });
    await catalog.get();
    clock.advance(5000);
    expect(catalog.status()).toMatchObject({
      url: upstream.url,
      enabled: true,
      source: 'upstream',
      fetchedAt: new Date(FIXED_NOW).toISOString(),
      ageMs: 5000,
      stale: false,
      models: Object.keys(fixtureDocument()).length - 2,
      invalid: 0,
      lastError: null,
      refreshing: false,
      disk: 'ok',
      diskError: null,
    });
  });
});

describe('SQLite faults degrade to memory only', () => {
  const dirs = tempDirs();
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
    await dirs.cleanup();
  });

  const serveWith = async (cacheDir: string) => {
    const logger = memoryLogger();
    const catalog = createCatalog({ url: upstream.url, cacheDir, logger, snapshot: false });
    try {
      const first = await catalog.get();
      expect(first.source).toBe('upstream');
      await catalog.refresh();
      expect((await catalog.get()).source).toBe('memory');
      await catalog.idle();
      expect(catalog.status().disk).toBe('degraded');
      expect(catalog.status().diskError).toMatch(/cache store (open|get|set) failed/);
      expect(logger.at('warn').filter((l) => /disk cache failed/.test(l.msg ?? ''))).toHaveLength(1);
    } finally {
      await catalog.close();
    }
  };

  it('a read-only cache directory', async () => {
    // Root ignores permission bits, so a read-only file system (/proc) stands in for one.
    await serveWith('/proc/ccproxy-models-test/cache');
  });

  it('a file where the directory should be', async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, 'cache'), 'not a directory');
    await serveWith(join(dir, 'cache'));
  });

  it('a corrupt models.sqlite', async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, SQLITE_FILE), Buffer.alloc(8192, 0x5a));
    await serveWith(dir);
  });

  it('a truncated models.sqlite', async () => {
    const dir = await dirs.make();
    const good = createCatalog({ url: upstream.url, cacheDir: dir, snapshot: false });
    await good.get();
    await good.close();
    const bytes = await readFile(join(dir, SQLITE_FILE));
    await writeFile(join(dir, SQLITE_FILE), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const catalog = createCatalog({ url: upstream.url, cacheDir: dir, snapshot: false });
    try {
      const result = await catalog.get();
      expect(['disk', 'upstream']).toContain(result.source);
      expect(result.models.cards.length).toBeGreaterThan(2000);
    } finally {
      await catalog.close();
    }
  });

  it('creates a missing cache directory', async () => {
    const dir = join(await dirs.make(), 'a', 'b');
    const catalog = createCatalog({ url: upstream.url, cacheDir: dir, snapshot: false });
    await catalog.get();
    await catalog.close();
    await mkdir(dir, { recursive: true });
    expect((await readFile(join(dir, SQLITE_FILE))).length).toBeGreaterThan(0);
  });
});

describe('unchanged documents cost no parse and no rewrite', () => {
  it('keeps the built set when the bytes are the same under a new ETag, and writes only the meta key', async () => {
    const upstream = await new FakeUpstream(fixtureBytes()).start();
    const writes: string[] = [];
    const store = new Map<unknown, unknown>();
    const spy = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'set') {
          return (key: unknown, value: unknown) => {
            writes.push(String(key));
            return target.set(key, value);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    let n = 0;
    upstream.handle = (_req, res) => {
      n++;
      res.writeHead(200, { ETag: `"v${n}"`, 'Content-Type': 'application/json' });
      res.end(fixtureBytes());
    };
    const clock = new ManualClock(FIXED_NOW);
    const catalog = createCatalog({ url: upstream.url, store: spy, clock, snapshot: false });
    try {
      const first = await catalog.get();
      await catalog.refresh();
      expect(writes.filter((k) => !k.includes('meta:'))).toHaveLength(1);
      clock.advance(1000);
      const report = await catalog.refresh();
      expect(report).toMatchObject({ ok: true, changed: false, notModified: false });
      expect((await catalog.get()).models).toBe(first.models);
      // The cards were written once; later refreshes only renewed the meta key.
      expect(writes.filter((k) => !k.includes('meta:'))).toHaveLength(1);
      expect(writes.filter((k) => k.includes('meta:')).length).toBeGreaterThanOrEqual(3);
      expect(catalog.status()).toMatchObject({ ageMs: 0, stale: false });
      // A restart reads the renewed times.
      const restarted = createCatalog({ url: upstream.url, store: spy, clock, snapshot: false });
      expect((await restarted.get()).source).toBe('disk');
      expect(restarted.status().ageMs).toBe(0);
      await restarted.close();
    } finally {
      await catalog.close();
      await upstream.stop();
    }
  });
});

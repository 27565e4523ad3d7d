import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Keyv } from 'keyv';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/catalog/catalog.js';
import { SQLITE_FILE } from '../../src/catalog/store.js';
import type { CatalogOptions } from '../../src/options.js';
import { SOURCE_HEADER } from '../../src/router.js';
import { status } from '../support/faults.js';
import { fixtureBytes } from '../support/fixture.js';
import {
  ANTHROPIC,
  closeRigs,
  createRig,
  errOf,
  expectFullLists,
  expectSomeList,
  type Rig,
  warnings,
} from '../support/rig.js';
import { ExplodingMap, FaultyStore, RecoveringStore, type StoreBehaviour } from '../support/stores.js';
import { tempDirs } from '../support/tmp.js';
import { FakeUpstream } from '../support/upstream.js';

const dirs = tempDirs();
let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
  await dirs.cleanup();
});
beforeEach(() => {
  upstream.handle = undefined;
  upstream.requests.length = 0;
});
afterEach(async () => {
  await closeRigs();
});

const DOWN = status(503, {}, 'down');

/** One warning says the disk tier failed, naming the operation and the cause; status says degraded. */
function expectDegraded(r: Rig, operation: string, cause: RegExp): void {
  expect(r.catalog.status().disk).toBe('degraded');
  const lines = warnings(r, /disk cache failed/);
  expect(lines).toHaveLength(1);
  const err = errOf(lines[0] as (typeof lines)[number]);
  expect(err?.name).toBe('StoreError');
  expect(err?.message).toMatch(new RegExp(`cache store ${operation} failed`));
  expect(err?.message).toMatch(cause);
}

/** A cache directory that cannot be used: every way it can go wrong on disk. */
interface BadDir {
  readonly name: string;
  readonly make: () => Promise<string>;
  readonly operation: string;
  readonly cause: RegExp;
}

const BAD_DIRS: readonly BadDir[] = [
  {
    // Root ignores permission bits; /proc refuses new entries whoever asks.
    name: 'read-only (under /proc)',
    make: async () => '/proc/ccproxy-test/cache',
    operation: 'open',
    cause: /ENOENT/,
  },
  {
    name: 'a file where the directory should be',
    make: async () => {
      const dir = join(await dirs.make(), 'cache');
      await writeFile(dir, 'not a directory');
      return dir;
    },
    operation: 'open',
    cause: /EEXIST/,
  },
  {
    name: 'a file where a parent directory should be',
    make: async () => {
      const base = await dirs.make();
      await writeFile(join(base, 'ccproxy'), 'not a directory');
      return join(base, 'ccproxy', 'models');
    },
    operation: 'open',
    cause: /ENOTDIR/,
  },
  {
    name: 'a corrupt models.sqlite',
    make: async () => {
      const dir = await dirs.make();
      await writeFile(join(dir, SQLITE_FILE), Buffer.alloc(8192, 0x5a));
      return dir;
    },
    operation: 'get',
    cause: /SQLITE_NOTADB|not a database/,
  },
  {
    name: 'a directory where models.sqlite should be',
    make: async () => {
      const dir = await dirs.make();
      await mkdir(join(dir, SQLITE_FILE));
      return dir;
    },
    operation: 'get',
    cause: /SQLITE_CANTOPEN|unable to open/,
  },
];

describe.each(BAD_DIRS)('cache directory: $name', (bad) => {
  it('degrades at once to memory and serves upstream, then memory', async () => {
    const r = createRig({
      url: upstream.url,
      cacheDir: await bad.make(),
      snapshot: false,
      storeTimeoutMs: 10_000,
    });
    const started = performance.now();
    expect(await expectSomeList(r)).toBe('upstream');
    // Well before storeTimeoutMs: the fault is seen, not waited out.
    expect(performance.now() - started).toBeLessThan(2_000);
    await expectFullLists(r, ['memory']);
    const report = await r.catalog.refresh();
    expect(report.ok).toBe(true);
    await expectFullLists(r, ['memory']);
    expectDegraded(r, bad.operation, bad.cause);
    // A store fault is never reported as an upstream fault.
    expect(r.catalog.status().lastError).toBeNull();
    expect(r.errors).toEqual([]);
  });

  it('with the upstream down too, serves the snapshot', async () => {
    upstream.handle = DOWN;
    const r = createRig({ url: upstream.url, cacheDir: await bad.make(), storeTimeoutMs: 10_000 });
    expect(await expectSomeList(r)).toBe('snapshot');
    expectDegraded(r, bad.operation, bad.cause);
    expect(r.catalog.status().lastError?.message).toMatch(/HTTP 503/);
  });
});

describe('cache directory: read-only (under /proc)', () => {
  it('gives up at once and leaves no thread spinning (Node’s recursive mkdir loops forever there)', async () => {
    const rigs = Array.from({ length: 4 }, (_, i) =>
      createRig({
        url: upstream.url,
        cacheDir: `/proc/ccproxy-test-${i}/cache`,
        snapshot: false,
        storeTimeoutMs: 10_000,
      }),
    );
    const started = performance.now();
    await Promise.all(rigs.map((r) => r.catalog.get()));
    expect(performance.now() - started).toBeLessThan(2_000);
    for (const r of rigs) expect(r.catalog.status().disk).toBe('degraded');
    // Four endless mkdir loops keep about a core busy; an idle process uses next to nothing.
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - wall;
    expect((used.user + used.system) / 1000).toBeLessThan(elapsed * 0.4);
  });
});

describe('cache directory: missing', () => {
  it('is created, and the next process reads the document from it', async () => {
    const cacheDir = join(await dirs.make(), 'a', 'b', 'c');
    const first = createRig({ url: upstream.url, cacheDir, snapshot: false });
    await expectFullLists(first, ['upstream', 'memory']);
    await closeRigs();
    expect((await readFile(join(cacheDir, SQLITE_FILE))).length).toBeGreaterThan(0);
    upstream.handle = DOWN;
    const second = createRig({ url: upstream.url, cacheDir, snapshot: false });
    await expectFullLists(second, ['disk', 'memory']);
    expect(second.catalog.status().disk).toBe('ok');
  });
});

describe('models.sqlite truncated', () => {
  it('is served from what can be read, or from upstream, never an error', async () => {
    const cacheDir = await dirs.make();
    const good = createRig({ url: upstream.url, cacheDir, snapshot: false });
    await expectFullLists(good, ['upstream', 'memory']);
    await closeRigs();
    const bytes = await readFile(join(cacheDir, SQLITE_FILE));
    for (const keep of [0.9, 0.5, 0.1]) {
      await writeFile(join(cacheDir, SQLITE_FILE), bytes.subarray(0, Math.floor(bytes.length * keep)));
      const r = createRig({ url: upstream.url, cacheDir, snapshot: false });
      await expectFullLists(r, ['disk', 'upstream', 'memory']);
      await closeRigs();
    }
  });

  it('with the upstream down, still never an empty list', async () => {
    const cacheDir = await dirs.make();
    const good = createRig({ url: upstream.url, cacheDir, snapshot: false });
    await expectFullLists(good, ['upstream', 'memory']);
    await closeRigs();
    const bytes = await readFile(join(cacheDir, SQLITE_FILE));
    await writeFile(join(cacheDir, SQLITE_FILE), bytes.subarray(0, bytes.length >> 1));
    upstream.handle = DOWN;
    const r = createRig({ url: upstream.url, cacheDir });
    expect(['disk', 'snapshot']).toContain(await expectSomeList(r));
  });
});

// ---------------------------------------------------------------------------------------------
// Custom stores (Redis, a Map, a Keyv) that throw, reject, hang or return junk.

interface BadStore {
  readonly name: string;
  readonly make: () => CatalogOptions['store'];
  /** The operation the first failure happens in, and what the log says about it. */
  readonly operation: string;
  readonly cause: RegExp;
}

const faulty = (get: StoreBehaviour, set: StoreBehaviour) => () => new FaultyStore(get, set);

const BAD_STORES: readonly BadStore[] = [
  { name: 'get throws', make: faulty('throw', 'ok'), operation: 'get', cause: /store get exploded/ },
  { name: 'get rejects', make: faulty('reject', 'ok'), operation: 'get', cause: /store get rejected/ },
  { name: 'get hangs', make: faulty('hang', 'ok'), operation: 'get', cause: /no answer within 100 ms/ },
  { name: 'set throws', make: faulty('ok', 'throw'), operation: 'set', cause: /store set exploded/ },
  { name: 'set hangs', make: faulty('ok', 'hang'), operation: 'set', cause: /no answer within 100 ms/ },
  { name: 'get and set hang', make: faulty('hang', 'hang'), operation: 'get', cause: /no answer within/ },
  {
    name: 'get returns text that is not JSON',
    make: () => Object.assign(new FaultyStore('junk', 'ok'), { junk: '{"value": {"v": 1, "u' }),
    operation: 'get',
    cause: /JSON/,
  },
  {
    name: 'a Map whose get and set throw',
    make: () => new ExplodingMap(),
    operation: 'get',
    cause: /Map get/,
  },
  {
    name: 'a Keyv (errors swallowed) whose writes fail',
    make: () => new Keyv({ store: new FaultyStore('ok', 'reject') }),
    operation: 'set',
    cause: /refused the write/,
  },
];

describe.each(BAD_STORES)('store: $name', (bad) => {
  const options = (extra: CatalogOptions = {}): CatalogOptions => ({
    url: upstream.url,
    store: bad.make(),
    storeTimeoutMs: 100,
    snapshot: false,
    ...extra,
  });

  it('cold: answers from upstream within storeTimeoutMs and degrades once', async () => {
    const r = createRig(options());
    const started = performance.now();
    expect(await expectSomeList(r)).toBe('upstream');
    expect(performance.now() - started).toBeLessThan(1_500);
    await r.catalog.idle();
    expect(r.catalog.status().disk).toBe('degraded');
    await expectFullLists(r, ['memory']);
    expect((await r.catalog.refresh()).ok).toBe(true);
    expectDegraded(r, bad.operation, bad.cause);
    expect(r.catalog.status().lastError).toBeNull();
    // Later requests never wait for the store again.
    const again = performance.now();
    r.clock.advance(2 * 3_600_000);
    await expectFullLists(r, ['memory']);
    expect(performance.now() - again).toBeLessThan(2_000);
    expect(r.errors).toEqual([]);
  });

  it('cold with the upstream down: the snapshot answers', async () => {
    upstream.handle = DOWN;
    const r = createRig(options({ snapshot: true }));
    expect(await expectSomeList(r)).toBe('snapshot');
    // Nothing fetched, nothing to write: a store that only fails writes is not found out yet.
    await r.catalog.idle();
    if (bad.operation === 'get') expect(r.catalog.status().disk).toBe('degraded');
    expect(r.catalog.status().lastError?.message).toMatch(/HTTP 503/);
  });

  it('close() returns promptly even when a write is stuck', async () => {
    const catalog = createCatalog(options());
    await catalog.get();
    const started = performance.now();
    await catalog.close();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('store: returns records that are not ours', () => {
  it.each([
    ['a record of another shape', '{"value": {"v": 1, "url": 42, "cards": "nope"}}'],
    ['a record of a future version', '{"value": {"v": 99, "cards": []}}'],
    ['null', 'null'],
    ['a number', '7'],
  ])('%s is a miss, not a fault', async (_name, junk) => {
    const store = Object.assign(new FaultyStore('junk', 'ok'), { junk });
    const r = createRig({ url: upstream.url, store, snapshot: false, storeTimeoutMs: 100 });
    expect(await expectSomeList(r)).toBe('upstream');
    // One document written: its cards, then its meta key; before them, the refresh lease (a
    // plain Keyv store gets the best-effort lease, and a junk read-back grants it).
    await r.catalog.idle();
    expect(store.calls.set).toBe(3);
    expect(r.catalog.status().disk).toBe('ok');
  });
});

describe('store: breaks while warm', () => {
  it('keeps answering from memory and keeps refreshing from upstream', async () => {
    const store = new FaultyStore();
    const r = createRig({ url: upstream.url, store, snapshot: false, storeTimeoutMs: 100, memoryTtl: 1000 });
    await expectFullLists(r, ['upstream', 'memory']);
    await r.catalog.idle();
    // The refresh lease, then the document's cards and meta key.
    expect(store.calls.set).toBe(3);
    store.get_ = 'hang';
    store.set_ = 'throw';
    // Past memoryTtl the disk is consulted again: it hangs, and memory answers after storeTimeoutMs.
    r.clock.advance(1001);
    await expectFullLists(r, ['memory']);
    await r.catalog.idle();
    expect(r.catalog.status().disk).toBe('degraded');
    const report = await r.catalog.refresh();
    expect(report).toMatchObject({ ok: true, source: 'upstream' });
    await expectFullLists(r, ['memory']);
    const anthropic = await request(r.anthropic).get('/v1/models/claude-opus-4-1').set(ANTHROPIC).expect(200);
    expect(anthropic.headers[SOURCE_HEADER]).toBe('memory');
  });
});

describe('store: fails for a while, then works (a Redis restarting, SQLITE_BUSY)', () => {
  it('status says degraded, then ok by itself after storeRetryDelayMs; requests never see it', async () => {
    const store = new RecoveringStore(2);
    const r = createRig({
      url: upstream.url,
      store,
      snapshot: false,
      storeTimeoutMs: 100,
      storeRetryDelayMs: 5_000,
      memoryTtl: 1_000,
    });
    await expectFullLists(r, ['upstream', 'memory']);
    await r.catalog.idle();
    expect(r.catalog.status().disk).toBe('degraded');
    expect(r.catalog.status().diskError).toMatch(
      /^@ccproxy\/models-middleware: cache store \w+ failed: SQLITE_BUSY/,
    );
    expect(r.catalog.status().diskError?.match(/cache store/g)).toHaveLength(1);
    // Past memoryTtl but within the retry delay: memory answers, the store is left alone.
    const calls = store.calls.get + store.calls.set;
    r.clock.advance(1_001);
    await expectFullLists(r, ['memory']);
    await r.catalog.idle();
    expect(store.calls.get + store.calls.set).toBe(calls);
    // After it: the next store call is tried, succeeds, and the tier is back.
    r.clock.advance(5_000);
    store.failures = 0;
    await expectFullLists(r, ['memory']);
    await r.catalog.idle();
    expect(r.catalog.status()).toMatchObject({ disk: 'ok', diskError: null });
    expect((await r.catalog.refresh()).ok).toBe(true);
    expect(store.data.size).toBeGreaterThan(0);
    expect(r.errors).toEqual([]);
  });
});

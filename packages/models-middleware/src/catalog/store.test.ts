import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { memoryLogger } from '../../test/support/logger.js';
import { FaultyStore, RecoveringStore } from '../../test/support/stores.js';
import { silentLogger } from '../logger.js';
import { CatalogStore, loadSqliteStore, NAMESPACE, type StoreOption, sqliteFix } from './store.js';

const make = (store: StoreOption, clock = new ManualClock(0), logger = silentLogger) =>
  new CatalogStore({ cacheDir: false, store, timeoutMs: 100, retryDelayMs: 1_000, logger, clock });

describe('CatalogStore healing', () => {
  it('is degraded after a failed call, rests for retryDelayMs, then is ok again by itself', async () => {
    const clock = new ManualClock(0);
    const logger = memoryLogger();
    const backend = new RecoveringStore(1);
    const store = make(backend, clock, logger);
    expect(await store.set('k', 1)).toBe(false);
    expect(store.state).toBe('degraded');
    expect(store.lastError?.message).toMatch(/cache store set failed: SQLITE_BUSY/);
    // The prefix once, not once per wrapping.
    expect(store.lastError?.message.match(/cache store/g)).toHaveLength(1);
    // Resting: no call reaches the store.
    const calls = backend.calls.set;
    expect(await store.set('k', 2)).toBe(false);
    expect(backend.calls.set).toBe(calls);
    clock.advance(1_000);
    expect(await store.set('k', 3)).toBe(true);
    expect(store.state).toBe('ok');
    expect(await store.get('k')).toBe(3);
    expect(logger.at('warn')).toHaveLength(1);
    expect(logger.at('info').some((l) => /answers again/.test(l.msg ?? ''))).toBe(true);
  });

  it('a hung call is a fault with its own deadline message, not a doubled prefix', async () => {
    const store = make(new FaultyStore('hang'));
    expect(await store.get('k')).toBeUndefined();
    expect(store.state).toBe('degraded');
    expect(store.lastError?.message).toBe(
      '@ccproxy/models-middleware: cache store get failed: no answer within 100 ms',
    );
  });
});

describe('CatalogStore namespacing', () => {
  it('a Keyv instance passed in gets the package prefix; another application on it is never read or overwritten', async () => {
    const backing = new Map<string, unknown>();
    const shared = new Keyv({ store: backing });
    await shared.set('k', 'theirs');
    await shared.set(`meta:k`, 'theirs too');
    const store = make(shared);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.set('k', 'ours')).toBe(true);
    expect(await shared.get('k')).toBe('theirs');
    expect(await shared.get('meta:k')).toBe('theirs too');
    expect(await shared.get(`${NAMESPACE}:k`)).toBe('ours');
    expect(await store.get('k')).toBe('ours');
  });

  it('a bare store adapter gets the namespace too', async () => {
    const backing = new Map<string, unknown>();
    backing.set('k', 'theirs');
    const store = make(backing);
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', 'ours');
    expect(backing.get('k')).toBe('theirs');
    expect([...backing.keys()].some((key) => key.startsWith(`${NAMESPACE}:`))).toBe(true);
  });
});

describe('loading SQLite', () => {
  it('a missing package or binary is returned, not thrown, and the fix is named', () => {
    const bindings = Object.assign(new Error('Could not locate the bindings file. Tried: ...'), {});
    const failed = loadSqliteStore(() => {
      throw bindings;
    });
    expect(failed).toBe(bindings);
    expect(sqliteFix(bindings)).toMatch(/pnpm approve-builds.*npm rebuild sqlite3/);
    const missing = Object.assign(new Error("Cannot find module '@keyv/sqlite'"), {
      code: 'MODULE_NOT_FOUND',
    });
    expect(sqliteFix(missing)).toBe('npm install @keyv/sqlite');
    expect(loadSqliteStore()).toBeTypeOf('function');
  });
});

import { Keyv } from 'keyv';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { FaultyStore } from '../../test/support/stores.js';
import { tempDirs } from '../../test/support/tmp.js';
import { silentLogger } from '../logger.js';
import { CatalogStore, type StoreOption } from './store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** Two processes sharing one store are two CatalogStores over it, each with its own holder name. */
function pair(open: () => Omit<ConstructorParameters<typeof CatalogStore>[0], 'clock'>, clock: ManualClock) {
  return [new CatalogStore({ ...open(), clock }), new CatalogStore({ ...open(), clock })] as const;
}

const base = { timeoutMs: 2_000, retryDelayMs: 1_000, logger: silentLogger };

describe.each([
  [
    'SQLite (one row with an expiry, taken in one upsert)',
    'sqlite',
    async () => {
      const cacheDir = await dirs.make();
      return () => ({ ...base, cacheDir });
    },
  ],
  [
    'any other Keyv store (best effort: get, set, read back)',
    'best-effort',
    async () => {
      const shared = new FaultyStore();
      return () => ({ ...base, cacheDir: false as const, store: shared as StoreOption });
    },
  ],
])('the refresh lease over %s', (_name, kind, setup) => {
  it('goes to one holder until it is freed or expires; a stale holder cannot free the next one', async () => {
    const clock = new ManualClock(1_000_000);
    const [a, b] = pair(await setup(), clock);
    try {
      expect(a.lease).toBeNull();
      expect(await a.claim('u', 'a', 5_000)).toBe(true);
      expect(a.lease).toBe(kind);
      expect(await b.claim('u', 'b', 5_000)).toBe(false);
      await a.free('u', 'a');
      expect(await b.claim('u', 'b', 5_000)).toBe(true);
      expect(await a.claim('u', 'a', 5_000)).toBe(false);
      // b dies holding it: the lease expires by itself.
      clock.advance(5_001);
      expect(await a.claim('u', 'a', 5_000)).toBe(true);
      // b wakes up and frees what it no longer holds: a keeps it.
      await b.free('u', 'b');
      expect(await b.claim('u', 'b', 5_000)).toBe(false);
      // Leases of other names are independent.
      expect(await b.claim('other', 'b', 5_000)).toBe(true);
      expect([a.state, b.state]).toEqual(['ok', 'ok']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the refresh lease when the store cannot hold it', () => {
  it('a Map lives in one process: every claim is granted', async () => {
    const store = new CatalogStore({ ...base, cacheDir: false, store: new Map(), clock: new ManualClock(0) });
    expect(await store.claim('u', 'a', 5_000)).toBe(true);
    expect(store.lease).toBe('none');
    expect(await store.claim('u', 'b', 5_000)).toBe(true);
  });

  it('a failing store answers `undefined` (each process decides alone) and the failure does not degrade the tier', async () => {
    const backend = new FaultyStore('ok', 'throw');
    const store = new CatalogStore({
      ...base,
      cacheDir: false,
      store: new Keyv({ store: backend }),
      clock: new ManualClock(0),
    });
    expect(await store.claim('u', 'a', 5_000)).toBeUndefined();
    expect(store.state).toBe('ok');
  });
});

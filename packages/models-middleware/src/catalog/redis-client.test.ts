import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { FaultyStore } from '../../test/support/stores.js';
import { silentLogger } from '../logger.js';
import { redisStoreOf } from './redis-client.js';
import { CatalogStore } from './store.js';

/** The shape of a node-redis client, with its connection state set by the test. */
class FakeRedisClient extends EventEmitter {
  isOpen = true;
  isReady = true;
  readonly calls: string[] = [];
  async set(): Promise<unknown> {
    this.calls.push('set');
    return 'OK';
  }
  async eval(): Promise<unknown> {
    return 1;
  }
  async publish(): Promise<unknown> {
    return 0;
  }
  duplicate(): FakeRedisClient {
    return new FakeRedisClient();
  }
  async connect(): Promise<unknown> {
    return this;
  }
  async subscribe(): Promise<unknown> {
    return undefined;
  }
}

/** A Keyv store adapter holding that client, as `@keyv/redis` does; its reads hang while down. */
class FakeRedisAdapter extends FaultyStore {
  readonly client = new FakeRedisClient();
  override namespace = 'app';
  keyPrefixSeparator = '::';
}

describe('the Redis behind a @keyv/redis store', () => {
  it('is found by the node-redis shape (isOpen and the commands), and names raw keys as the adapter does', () => {
    const adapter = new FakeRedisAdapter();
    expect(redisStoreOf(adapter)?.rawKey('app:ccproxy-models:lease:u')).toBe(
      'app::app:ccproxy-models:lease:u',
    );
    // ioredis / iovalkey: the same method names, a `status` string instead of `isOpen`.
    const ioredisLike: Partial<FakeRedisClient> & { status?: string } = Object.assign(new FakeRedisClient(), {
      status: 'ready',
    });
    delete ioredisLike.isOpen;
    expect(redisStoreOf({ client: new FakeRedisClient() })).toBeDefined();
    expect(redisStoreOf({ client: ioredisLike })).toBeUndefined();
    expect(redisStoreOf(new FaultyStore())).toBeUndefined();
  });

  it('while the client retries after an error, store calls fail at once instead of waiting for the deadline; ready again, they work', async () => {
    const adapter = new FakeRedisAdapter();
    const clock = new ManualClock(0);
    const store = new CatalogStore({
      cacheDir: false,
      store: adapter,
      timeoutMs: 60_000,
      retryDelayMs: 1_000,
      logger: silentLogger,
      clock,
    });
    expect(await store.set('k', 1)).toBe(true);
    expect(await store.claim('u', 'a', 5_000)).toBe(true);
    // The server goes away: the client reports it and reconnects; a read would now hang.
    adapter.client.isReady = false;
    adapter.client.emit('error', new Error('Socket closed unexpectedly'));
    adapter.get_ = 'hang';
    const started = performance.now();
    expect(await store.get('k')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(store.state).toBe('degraded');
    expect(store.lastError?.message).toMatch(/cache store get failed: Redis is reconnecting/);
    // The lease cannot be judged: every process decides alone.
    clock.advance(1_000);
    expect(await store.claim('u', 'b', 5_000)).toBeUndefined();
    // Back: the client is ready, the retry delay is over, the tier heals by itself.
    adapter.client.isReady = true;
    adapter.client.emit('ready');
    adapter.get_ = 'ok';
    clock.advance(1_000);
    expect(await store.get('k')).toBe(1);
    expect(store.state).toBe('ok');
  });
});

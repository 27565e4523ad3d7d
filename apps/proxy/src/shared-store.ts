/**
 * `[cache] redis_url`: one Keyv on Redis (or Valkey) for every plugin's catalog, so a fleet of
 * proxies shares one copy, one refresh per TTL (a lease), and new versions on pub/sub. Without it
 * each catalog keeps its SQLite file in `models_cache_dir`, which serves one machine.
 */
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import type { CacheConfig } from './config.js';

export interface SharedStore {
  /** `undefined` without `redis_url`: the catalogs use their own SQLite directories. */
  readonly store: Keyv | undefined;
  /** Disconnects from Redis; call after the catalogs are closed. Never rejects. */
  close(): Promise<void>;
}

export function openSharedStore(cache: CacheConfig): SharedStore {
  if (cache.redisUrl === undefined) return { store: undefined, close: async () => {} };
  // Connects on first use: a Redis that is down at start-up degrades the tier, it does not stop the proxy.
  const redis = new KeyvRedis(cache.redisUrl);
  const store = new Keyv(redis);
  return {
    store,
    async close() {
      try {
        // A graceful QUIT waits for a connection that a Redis still down never gives: drop it instead.
        await redis.disconnect(!('isReady' in redis.client && redis.client.isReady));
      } catch {
        // A Redis that is gone has nothing left to close.
      }
    },
  };
}

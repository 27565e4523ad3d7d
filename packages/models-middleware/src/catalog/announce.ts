/**
 * New versions announced on Redis pub/sub, so a fleet adopts a refresh within a round trip instead
 * of at its next look at the store (`memoryTtl`, which stays the fallback). The subscriber is a
 * duplicate of the store's client (a subscribed connection can issue no other command); node-redis
 * reconnects it and restores the subscription by itself after an outage.
 */
import type { RedisClientLike, RedisStore } from './redis-client.js';

/** What one process tells the others: `holder` wrote the document `version` fetched at `fetchedAt`. */
export interface Announcement {
  readonly url: string;
  readonly version: string;
  readonly fetchedAt: number;
  readonly holder: string;
}

function decodeAnnouncement(message: string): Announcement | undefined {
  try {
    const value = JSON.parse(message) as Partial<Announcement>;
    if (
      typeof value.url !== 'string' ||
      typeof value.version !== 'string' ||
      typeof value.fetchedAt !== 'number' ||
      typeof value.holder !== 'string'
    )
      return undefined;
    return { url: value.url, version: value.version, fetchedAt: value.fetchedAt, holder: value.holder };
  } catch {
    return undefined;
  }
}

export interface Announcer {
  publish(announcement: Announcement): Promise<void>;
  close(): Promise<void>;
}

/**
 * Subscribes in the background (a request never waits for it) and reports faults to `onError`:
 * an unheard announcement only delays adoption until the next look at the store.
 */
export function redisAnnouncer(
  redis: RedisStore,
  channel: string,
  onMessage: (announcement: Announcement) => void,
  onError: (error: unknown) => void,
): Announcer {
  let subscriber: RedisClientLike | undefined;
  let closed = false;
  const listen = (message: string): void => {
    const announcement = decodeAnnouncement(message);
    if (announcement !== undefined) onMessage(announcement);
  };
  // Not awaited by anyone: a subscriber still connecting to a Redis that is down settles when
  // destroyed; a failure only delays adoption until the next look at the store.
  void (async () => {
    const client = await redis.client();
    if (closed) return;
    subscriber = client.duplicate();
    subscriber.on('error', onError);
    await subscriber.connect();
    await subscriber.subscribe(channel, listen);
  })().catch((error: unknown) => {
    if (!closed) onError(error);
  });
  return {
    async publish(announcement) {
      const client = await redis.client();
      await client.publish(channel, JSON.stringify(announcement));
    },
    async close() {
      closed = true;
      const held = subscriber;
      subscriber = undefined;
      try {
        if (typeof held?.destroy === 'function') held.destroy();
        else await held?.disconnect?.();
      } catch {
        // A subscriber that is already gone has nothing left to close.
      }
    },
  };
}

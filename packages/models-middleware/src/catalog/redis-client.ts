/**
 * The node-redis client a `@keyv/redis` store already holds, found by its shape: the package talks
 * to it for the lease (`SET NX PX`) and the announcements (pub/sub) without importing redis itself,
 * so installers who do not use Redis never pay for it.
 */

/** The part of a node-redis (v4/v5) client the fleet uses. */
export interface RedisClientLike {
  readonly isOpen?: boolean;
  readonly isReady?: boolean;
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  duplicate(): RedisClientLike;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

/** How a `@keyv/redis` adapter names a raw key: `<namespace><separator><key>`. */
export interface RedisStore {
  /** The connected client (the adapter connects it lazily, as its own calls do). */
  client(): Promise<RedisClientLike>;
  /** `false` while the client retries after a failure: a call now would wait in its offline queue. */
  readonly ready: boolean;
  /** The raw Redis key of a Keyv-level key, as the adapter would write it. */
  rawKey(key: string): string;
}

const CLIENT_METHODS = ['set', 'eval', 'publish', 'duplicate', 'connect', 'subscribe', 'on'] as const;

/**
 * A node-redis client: its methods, and `isOpen` (ioredis and iovalkey, behind `@keyv/valkey`,
 * have the same method names with other signatures and a `status` string instead: their stores
 * get the best-effort lease through Keyv).
 */
function isRedisClient(value: unknown): value is RedisClientLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.isOpen === 'boolean' &&
    CLIENT_METHODS.every((method) => typeof candidate[method] === 'function')
  );
}

/** The Redis behind a Keyv store adapter, or `undefined` when the adapter is not `@keyv/redis`. */
export function redisStoreOf(adapter: unknown): RedisStore | undefined {
  if (typeof adapter !== 'object' || adapter === null) return undefined;
  const store = adapter as {
    client?: unknown;
    getClient?: () => Promise<unknown>;
    namespace?: unknown;
    keyPrefixSeparator?: unknown;
  };
  const held = store.client;
  if (!isRedisClient(held)) return undefined;
  const separator = typeof store.keyPrefixSeparator === 'string' ? store.keyPrefixSeparator : '::';
  // Failing from its last error to its next `ready`: a client that never connected (a wrong
  // host) or lost its server (an outage) is then open but not ready, and retrying on its own.
  let failing = false;
  held.on('error', () => {
    failing = true;
  });
  held.on('ready', () => {
    failing = false;
  });
  return {
    client: async () => {
      const client = typeof store.getClient === 'function' ? await store.getClient() : held;
      if (!isRedisClient(client)) throw new Error('the Redis store holds no usable client');
      return client;
    },
    get ready() {
      const current = store.client as RedisClientLike;
      return !(failing && current.isOpen === true && current.isReady === false);
    },
    rawKey: (key) =>
      typeof store.namespace === 'string' && store.namespace !== ''
        ? `${store.namespace}${separator}${key}`
        : key,
  };
}

import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Keyv, KeyvStoreAdapter } from 'keyv';
import type { Clock } from '../clock.js';
import { describeError, StoreError } from '../errors.js';
import { publishStoreDegraded, publishStoreRecovered } from '../events.js';
import type { Logger } from '../logger.js';
import { type Announcement, type Announcer, redisAnnouncer } from './announce.js';
import {
  isSqliteAdapter,
  keyvLease,
  type LeaseIO,
  type LeaseKind,
  redisLease,
  SOLO_LEASE_IO,
  sqliteLease,
} from './lease-io.js';
import { type RedisStore, redisStoreOf } from './redis-client.js';

/** Every key the package writes starts with it, whatever store it is given. */
export const NAMESPACE = 'ccproxy-models';
export const SQLITE_FILE = 'models.sqlite';

export type StoreOption = Keyv | KeyvStoreAdapter | Map<unknown, unknown>;
/** `ok`: in use; `off`: none configured, closed, or SQLite cannot load; `degraded`: a call failed, retried after a delay. */
export type StoreState = 'ok' | 'off' | 'degraded';

export interface StoreOptions {
  readonly cacheDir: string | false;
  readonly store?: StoreOption | undefined;
  readonly timeoutMs: number;
  /** After a failed call, the tier is left alone this long, then tried again. */
  readonly retryDelayMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Called with what other processes announce (Redis pub/sub), once the store is open. */
  readonly onAnnouncement?: ((announcement: Announcement) => void) | undefined;
}

/** A Keyv instance, also one from another copy of the keyv package (the caller's own install). */
function isKeyv(store: unknown, KeyvClass: typeof Keyv): store is Keyv {
  if (store instanceof KeyvClass) return true;
  const candidate = store as Partial<Keyv> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.disconnect === 'function' &&
    typeof candidate.hooks === 'object' &&
    typeof candidate.opts === 'object'
  );
}

/**
 * `mkdir -p` that gives up. Node's recursive mkdir retries forever, busying a thread-pool thread
 * and a CPU for the life of the process, when a parent cannot be created and reports ENOENT (any
 * path under /proc). Here each level is tried at most twice.
 */
async function ensureDir(dir: string, retried = false): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(dir)).isDirectory()) return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || retried || parent === dir) throw error;
    await ensureDir(parent);
    await ensureDir(dir, true);
  }
}

type SqliteStoreClass = new (options: { uri: string; busyTimeout: number }) => KeyvStoreAdapter;

/**
 * Loads @keyv/sqlite (and with it the sqlite3 native addon) only when the default store is used.
 * Through `require`, not `import()`: a native addon that fails to load through the ESM loader
 * leaks a rejection that kills the process (nodejs/node#51603); `require` throws, and is caught.
 */
export function loadSqliteStore(
  require: (id: string) => unknown = createRequire(import.meta.url),
): SqliteStoreClass | Error {
  try {
    const mod = require('@keyv/sqlite') as { default?: SqliteStoreClass; KeyvSqlite?: SqliteStoreClass };
    const KeyvSqlite = mod.KeyvSqlite ?? mod.default;
    if (typeof KeyvSqlite !== 'function') return new Error('@keyv/sqlite exports no store class');
    return KeyvSqlite;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The fix to name when SQLite cannot load: a missing package, or a native binary never built. */
export function sqliteFix(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'MODULE_NOT_FOUND' && /@keyv\/sqlite/.test(error.message)
    ? 'npm install @keyv/sqlite'
    : '`pnpm approve-builds` (pnpm) or `npm rebuild sqlite3` (npm)';
}

/** The calls the catalog makes, on keys already inside the package's namespace. */
interface KeyIO {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
}

/** The Keyv to close (when the package built it), the namespaced calls on it, and the fleet's parts. */
interface Opened {
  readonly keyv: Keyv;
  readonly owned: boolean;
  readonly io: KeyIO;
  /** The Keyv-level key of a package key, as the store adapter receives it. */
  readonly keyOf: (key: string) => string;
  readonly lease: LeaseIO;
  readonly redis: RedisStore | undefined;
  readonly announcer: Announcer | undefined;
}

const DATA = Object.freeze({ advisory: false });
const ADVISORY = Object.freeze({ advisory: true });

/** Where the lease lives; also the announcement channel's name, under the package's namespace. */
const LEASE_PREFIX = 'lease:';
const ANNOUNCE_KEY = 'announce';

/**
 * The shared-store tier: Keyv over SQLite by default, or any Keyv store or instance. A cache is an
 * optimisation: a failed, hung or refused call is reported (state `degraded`, logged once) and
 * never thrown; the tier is tried again after `retryDelayMs` and is `ok` again once a call succeeds.
 */
export class CatalogStore {
  readonly #options: StoreOptions;
  #opened: Promise<Opened | undefined> | undefined;
  #state: StoreState;
  #lastError: StoreError | undefined;
  /** When the store last went from ok to degraded (for the recovered event). */
  #degradedAt: number | undefined;
  #retryAt = 0;
  /** Errors the store emitted; a call during which one was emitted counts as failed. */
  #errors = 0;
  #emitted: unknown;
  #leaseKind: LeaseKind | null = null;

  constructor(options: StoreOptions) {
    this.#options = options;
    this.#state = options.store === undefined && options.cacheDir === false ? 'off' : 'ok';
  }

  get state(): StoreState {
    return this.#state;
  }

  get lastError(): StoreError | undefined {
    return this.#lastError;
  }

  /** The value stored under the package's `key`; `undefined` on a miss, a fault or while resting. */
  async get(key: string): Promise<unknown> {
    return this.#call('get', ({ io }) => io.get(key), undefined);
  }

  /** `false` when the tier is off or resting, or the write failed. */
  async set(key: string, value: unknown): Promise<boolean> {
    return this.#call(
      'set',
      async ({ io }) => {
        // A Keyv built without throwOnErrors reports a failed write only through this result.
        if ((await io.set(key, value)) === false) throw new Error('the store refused the write');
        return true;
      },
      false,
    );
  }

  /**
   * Takes the lease `name` for `holder` for `ttlMs`. `true`: held; `false`: another process holds
   * it; `undefined`: the store cannot say (off, resting, failed), so every process decides alone.
   */
  async claim(name: string, holder: string, ttlMs: number): Promise<boolean | undefined> {
    return this.#call(
      'lease',
      ({ lease, keyOf }) => lease.claim(keyOf(LEASE_PREFIX + name), holder, ttlMs),
      undefined,
      ADVISORY,
    );
  }

  /** Frees the lease `name` if `holder` still holds it. */
  async free(name: string, holder: string): Promise<void> {
    await this.#call(
      'lease',
      ({ lease, keyOf }) => lease.free(keyOf(LEASE_PREFIX + name), holder),
      undefined,
      ADVISORY,
    );
  }

  /** Tells the other processes a new document is stored; `false` when no channel carried it. */
  async announce(announcement: Announcement): Promise<boolean> {
    return this.#call(
      'announce',
      async ({ announcer }) => {
        if (announcer === undefined) return false;
        await announcer.publish(announcement);
        return true;
      },
      false,
      ADVISORY,
    );
  }

  /** How the lease is taken, once the store is open; `null` before, or with the tier off. */
  get lease(): LeaseKind | null {
    return this.#state === 'off' ? null : this.#leaseKind;
  }

  async close(): Promise<void> {
    const pending = this.#opened;
    this.#opened = Promise.resolve(undefined);
    if (this.#state === 'ok') this.#state = 'off';
    const opened = await pending;
    await opened?.announcer?.close();
    if (!opened?.owned) return;
    try {
      await this.#deadline('close', opened.keyv.disconnect());
    } catch {
      // Closing a broken store has nothing left to lose.
    }
  }

  /**
   * One store call behind the tier's gate (off, resting) and deadline. A data call that fails
   * degrades the tier and one that works heals it; an `advisory` one (lease, announcement) only
   * answers `none`: the coordination is a bonus the data calls judge the store without.
   */
  async #call<T>(
    operation: string,
    run: (opened: Opened) => Promise<T>,
    none: T,
    { advisory }: { advisory: boolean } = DATA,
  ): Promise<T> {
    if (this.#state === 'off') return none;
    if (this.#state === 'degraded' && this.#options.clock.now() < this.#retryAt) return none;
    this.#opened ??= this.#open();
    const opened = await this.#opened;
    if (opened === undefined) return none;
    const errorsBefore = this.#errors;
    try {
      // A reconnecting Redis would queue the call until the deadline: fail it now instead.
      if (opened.redis?.ready === false) throw new Error('Redis is reconnecting');
      const value = await this.#deadline(operation, run(opened));
      // A Keyv without throwOnErrors swallows a store fault and emits it: the call failed.
      if (this.#errors !== errorsBefore) throw this.#emitted;
      if (!advisory) this.#heal();
      return value;
    } catch (error) {
      if (advisory) this.#options.logger.debug({ err: error, operation }, 'models cache store: call failed');
      else this.#degrade(operation, error);
      return none;
    }
  }

  async #open(): Promise<Opened | undefined> {
    const { store, cacheDir, logger } = this.#options;
    try {
      // Loaded on first use: a catalog with the store tier off never loads Keyv or SQLite.
      const { Keyv } = await import('keyv');
      let keyv: Keyv;
      let owned: boolean;
      let io: KeyIO;
      if (isKeyv(store, Keyv)) {
        // A Keyv passed in keeps its own namespace: the package's keys get the package's prefix inside it.
        keyv = store;
        owned = false;
        io = prefixed(store);
      } else {
        const adapter = store ?? (await this.#openSqlite(cacheDir as string));
        if (adapter === undefined) return undefined;
        keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true });
        owned = true;
        io = keyv as unknown as KeyIO;
      }
      // Keyv re-emits store errors (a Redis reconnecting, a write it swallowed); without a
      // listener some stores would throw them. Each one marks the tier degraded until a retry works.
      keyv.on('error', (error: unknown) => {
        this.#errors++;
        this.#emitted = error;
        logger.debug({ err: error }, 'models cache store reported an error');
      });
      const keyOf = keyvKeyOf(keyv, owned);
      const adapter: unknown = keyv.store;
      const redis = redisStoreOf(adapter);
      const now = () => this.#options.clock.now();
      // A Map lives in one process: nobody to share a lease with.
      const lease = redis
        ? redisLease(redis)
        : isSqliteAdapter(adapter)
          ? sqliteLease(adapter, now)
          : store instanceof Map
            ? SOLO_LEASE_IO
            : keyvLease(io, now);
      const { onAnnouncement } = this.#options;
      const announcer =
        redis && onAnnouncement
          ? redisAnnouncer(redis, redis.rawKey(keyOf(ANNOUNCE_KEY)), onAnnouncement, (error) =>
              logger.debug({ err: error }, 'models cache announcements: the subscriber reported an error'),
            )
          : undefined;
      this.#leaseKind = lease.kind;
      return { keyv, owned, io, keyOf, lease, redis, announcer };
    } catch (error) {
      // A directory that cannot be created now may be later: open again after the delay.
      this.#opened = undefined;
      this.#degrade('open', error);
      return undefined;
    }
  }

  async #openSqlite(dir: string): Promise<KeyvStoreAdapter | undefined> {
    const KeyvSqlite = loadSqliteStore();
    if (KeyvSqlite instanceof Error) {
      // A missing package or native binary does not heal while the process runs: off, said once.
      this.#state = 'off';
      this.#lastError = new StoreError('open', `SQLite cannot load (${firstLine(KeyvSqlite)})`, {
        cause: KeyvSqlite,
      });
      this.#options.logger.warn(
        { err: KeyvSqlite.message },
        `models disk cache: SQLite cannot load (${firstLine(KeyvSqlite)}); keeping the catalog in memory only. Fix: ${sqliteFix(KeyvSqlite)}, or pass \`store\` or \`cacheDir: false\``,
      );
      return undefined;
    }
    await this.#deadline('open', ensureDir(dir));
    return new KeyvSqlite({ uri: `sqlite://${join(dir, SQLITE_FILE)}`, busyTimeout: 5_000 });
  }

  #heal(): void {
    if (this.#state !== 'degraded') return;
    this.#state = 'ok';
    publishStoreRecovered(
      this.#lastError ?? null,
      this.#degradedAt === undefined ? null : this.#options.clock.now() - this.#degradedAt,
    );
    this.#degradedAt = undefined;
    this.#options.logger.info({}, 'models disk cache answers again; using it');
  }

  #degrade(operation: string, error: unknown): void {
    this.#retryAt = this.#options.clock.now() + this.#options.retryDelayMs;
    // A StoreError already carries the prefix and the operation: do not wrap it in another.
    this.#lastError =
      error instanceof StoreError ? error : new StoreError(operation, describeError(error), { cause: error });
    if (this.#state !== 'ok') return;
    this.#state = 'degraded';
    this.#degradedAt = this.#options.clock.now();
    publishStoreDegraded(operation, this.#lastError);
    this.#options.logger.warn(
      { err: this.#lastError, operation },
      `models disk cache failed (${operation}); continuing in memory, trying the store again in ${this.#options.retryDelayMs} ms`,
    );
  }

  /** Rejects when a store call takes longer than `timeoutMs`, so a hung store cannot hang a request. */
  #deadline<T>(operation: string, promise: Promise<T>): Promise<T> {
    const { timeoutMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError(operation, `no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

function prefixed(keyv: Keyv): KeyIO {
  const prefix = `${NAMESPACE}:`;
  return {
    get: (key) => keyv.get(prefix + key),
    set: (key, value, ttl) => keyv.set(prefix + key, value, ttl),
    delete: (key) => keyv.delete(prefix + key),
  };
}

/** The key a package key becomes once Keyv has prefixed it (the adapter may prefix it again). */
function keyvKeyOf(keyv: Keyv, owned: boolean): (key: string) => string {
  const inner = owned ? '' : `${NAMESPACE}:`;
  const namespace = keyv.namespace;
  const outer =
    keyv.useKeyPrefix !== false && typeof namespace === 'string' && namespace !== '' ? `${namespace}:` : '';
  return (key) => `${outer}${inner}${key}`;
}

function firstLine(error: Error): string {
  return error.message.split('\n', 1)[0] ?? error.message;
}

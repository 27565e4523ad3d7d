import { mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Keyv, KeyvStoreAdapter } from 'keyv';
import type { Clock } from '../clock.js';
import { describeError, StoreError } from '../errors.js';
import { publishStoreDegraded, publishStoreRecovered } from '../events.js';
import type { Logger } from '../logger.js';

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

/** The two calls the catalog makes, on keys already inside the package's namespace. */
interface KeyIO {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<boolean>;
}

/** The Keyv to close (when the package built it) and the namespaced calls on it. */
interface Opened {
  readonly keyv: Keyv;
  readonly owned: boolean;
  readonly io: KeyIO;
}

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
    return this.#call('get', (keyv) => keyv.get(key), undefined);
  }

  /** `false` when the tier is off or resting, or the write failed. */
  async set(key: string, value: unknown): Promise<boolean> {
    return this.#call(
      'set',
      async (keyv) => {
        // A Keyv built without throwOnErrors reports a failed write only through this result.
        if ((await keyv.set(key, value)) === false) throw new Error('the store refused the write');
        return true;
      },
      false,
    );
  }

  async close(): Promise<void> {
    const pending = this.#opened;
    this.#opened = Promise.resolve(undefined);
    if (this.#state === 'ok') this.#state = 'off';
    const opened = await pending;
    if (!opened?.owned) return;
    try {
      await this.#deadline('close', opened.keyv.disconnect());
    } catch {
      // Closing a broken store has nothing left to lose.
    }
  }

  async #call<T>(operation: string, run: (io: KeyIO) => Promise<T>, none: T): Promise<T> {
    if (this.#state === 'off') return none;
    if (this.#state === 'degraded' && this.#options.clock.now() < this.#retryAt) return none;
    this.#opened ??= this.#open();
    const opened = await this.#opened;
    if (opened === undefined) return none;
    try {
      const value = await this.#deadline(operation, run(opened.io));
      this.#heal();
      return value;
    } catch (error) {
      this.#degrade(operation, error);
      return none;
    }
  }

  async #open(): Promise<Opened | undefined> {
    const { store, cacheDir, logger } = this.#options;
    try {
      // Loaded on first use: a catalog with the store tier off never loads Keyv or SQLite.
      const { Keyv } = await import('keyv');
      let opened: Opened;
      if (isKeyv(store, Keyv)) {
        // A Keyv passed in keeps its own namespace: the package's keys get the package's prefix inside it.
        opened = { keyv: store, owned: false, io: prefixed(store) };
      } else {
        const adapter = store ?? (await this.#openSqlite(cacheDir as string));
        if (adapter === undefined) return undefined;
        const keyv = new Keyv({ store: adapter, namespace: NAMESPACE, throwOnErrors: true });
        opened = { keyv, owned: true, io: keyv as unknown as KeyIO };
      }
      // Keyv re-emits store errors; without a listener some stores would throw them.
      opened.keyv.on('error', (error: unknown) =>
        logger.debug({ err: error }, 'models cache store reported an error'),
      );
      return opened;
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
    set: (key, value) => keyv.set(prefix + key, value),
  };
}

function firstLine(error: Error): string {
  return error.message.split('\n', 1)[0] ?? error.message;
}

import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Keyv, KeyvStoreAdapter } from 'keyv';
import { describeError, StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ModelCard } from '../types.js';

/** Bumped whenever the record or card layout changes: older records are ignored, not misread. */
const RECORD_VERSION = 1;
const NAMESPACE = 'ccproxy-models';
export const SQLITE_FILE = 'models.sqlite';

/** What the disk tier keeps per source: the last good catalog and what is needed to revalidate it. */
export interface DiskRecord {
  readonly url: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** When the document was fetched or last confirmed by a 304, in ms since the epoch. */
  readonly fetchedAt: number;
  readonly version: string;
  readonly invalid: number;
  readonly cards: readonly ModelCard[];
}

/** The freshness half of a record, stored under its own key. */
export type DiskMeta = Pick<DiskRecord, 'url' | 'etag' | 'lastModified' | 'fetchedAt' | 'version'>;

export type DiskState = 'ok' | 'off' | 'degraded';

const META_PREFIX = 'meta:';

function metaOf(record: DiskMeta): DiskMeta {
  const { url, etag, lastModified, fetchedAt, version } = record;
  return { url, etag, lastModified, fetchedAt, version };
}

function decodeMeta(value: unknown, url: string): DiskMeta | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const meta = value as DiskMeta & { v?: unknown };
  if (meta.v !== RECORD_VERSION || meta.url !== url) return undefined;
  if (typeof meta.fetchedAt !== 'number' || typeof meta.version !== 'string') return undefined;
  return metaOf(meta);
}

export interface DiskCacheOptions {
  readonly cacheDir: string | false;
  readonly store?: Keyv | KeyvStoreAdapter | Map<unknown, unknown> | undefined;
  readonly timeoutMs: number;
  readonly logger: Logger;
}

const isCard = (value: unknown): value is ModelCard =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ModelCard).id === 'string' &&
  typeof (value as ModelCard).owned_by === 'string';

function decodeRecord(value: unknown, url: string): DiskRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as DiskRecord & { v?: unknown };
  if (record.v !== RECORD_VERSION || record.url !== url) return undefined;
  if (typeof record.fetchedAt !== 'number' || typeof record.version !== 'string') return undefined;
  if (!Array.isArray(record.cards) || !record.cards.every(isCard)) return undefined;
  return record;
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

/**
 * The disk tier: Keyv over SQLite by default, or any Keyv store. A cache is an optimisation, so
 * every fault (missing or read-only directory, corrupt file, a store that throws or hangs) turns
 * the tier off for the rest of the process, is logged once, and is never thrown to the caller.
 */
export class DiskCache {
  readonly #options: DiskCacheOptions;
  #keyv: Promise<Keyv | undefined> | undefined;
  #ownsStore = false;
  #state: DiskState;
  #lastError: StoreError | undefined;

  constructor(options: DiskCacheOptions) {
    this.#options = options;
    this.#state = options.store === undefined && options.cacheDir === false ? 'off' : 'ok';
  }

  get state(): DiskState {
    return this.#state;
  }

  get lastError(): StoreError | undefined {
    return this.#lastError;
  }

  /**
   * What is stored for `url` about freshness, without the cards: reading this is cheap, so a
   * catalog that already holds the same version never reads (or deserialises) the cards again.
   */
  async readMeta(url: string): Promise<DiskMeta | undefined> {
    const meta = decodeMeta(await this.#get(META_PREFIX + url), url);
    if (meta !== undefined) return meta;
    // A store written before the meta key existed, or whose meta write was lost: derive it.
    const record = await this.read(url);
    return record === undefined ? undefined : metaOf(record);
  }

  /** The stored record for `url`, or undefined when there is none, it is unreadable, or the tier is off. */
  async read(url: string): Promise<DiskRecord | undefined> {
    return decodeRecord(await this.#get(url), url);
  }

  /**
   * Stores the record. With `cards: false` only the meta key is written (a 304 or an unchanged
   * document renewed the times), sparing a rewrite of the whole catalog. `false` when the tier is
   * off or the write failed.
   */
  async write(record: DiskRecord, { cards = true }: { cards?: boolean } = {}): Promise<boolean> {
    if (cards && !(await this.#set(record.url, { v: RECORD_VERSION, ...record }))) return false;
    return this.#set(META_PREFIX + record.url, { v: RECORD_VERSION, ...metaOf(record) });
  }

  async #get(key: string): Promise<unknown> {
    const keyv = await this.#open();
    if (!keyv) return undefined;
    try {
      return await this.#deadline('get', keyv.get(key));
    } catch (error) {
      this.#degrade('get', error);
      return undefined;
    }
  }

  async #set(key: string, value: unknown): Promise<boolean> {
    const keyv = await this.#open();
    if (!keyv) return false;
    try {
      const stored = await this.#deadline('set', keyv.set(key, value));
      // A Keyv built without throwOnErrors reports a failed write only through this result.
      if (stored === false) throw new Error('the store refused the write');
      return true;
    } catch (error) {
      this.#degrade('set', error);
      return false;
    }
  }

  async close(): Promise<void> {
    const pending = this.#keyv;
    this.#keyv = Promise.resolve(undefined);
    if (this.#state !== 'degraded') this.#state = 'off';
    const keyv = await pending;
    if (!keyv || !this.#ownsStore) return;
    try {
      await this.#deadline('close', keyv.disconnect());
    } catch {
      // Closing a broken store has nothing left to lose.
    }
  }

  #open(): Promise<Keyv | undefined> {
    if (this.#state !== 'ok') return Promise.resolve(undefined);
    this.#keyv ??= this.#connect();
    return this.#keyv;
  }

  async #connect(): Promise<Keyv | undefined> {
    const { store, cacheDir, logger } = this.#options;
    try {
      // Loaded on first use: a catalog with the disk tier off never loads Keyv or SQLite.
      const { Keyv } = await import('keyv');
      let keyv: Keyv;
      if (isKeyv(store, Keyv)) {
        keyv = store;
      } else if (store !== undefined) {
        keyv = new Keyv({ store, namespace: NAMESPACE, throwOnErrors: true });
      } else {
        const dir = cacheDir as string;
        await this.#deadline('open', ensureDir(dir));
        const { default: KeyvSqlite } = await import('@keyv/sqlite');
        const sqlite = new KeyvSqlite({ uri: `sqlite://${join(dir, SQLITE_FILE)}`, busyTimeout: 5_000 });
        keyv = new Keyv({ store: sqlite, namespace: NAMESPACE, throwOnErrors: true });
        this.#ownsStore = true;
      }
      // Keyv re-emits store errors; without a listener some stores would throw them.
      keyv.on('error', (error: unknown) =>
        logger.debug({ err: error }, 'models cache store reported an error'),
      );
      return keyv;
    } catch (error) {
      this.#degrade('open', error);
      return undefined;
    }
  }

  #degrade(operation: string, error: unknown): void {
    this.#lastError = new StoreError(operation, describeError(error), { cause: error });
    if (this.#state === 'degraded') return;
    this.#state = 'degraded';
    this.#options.logger.warn(
      { err: this.#lastError, operation },
      'models disk cache failed; continuing with the in-memory cache only',
    );
  }

  /** Rejects when a store call takes longer than `timeoutMs`, so a hung store cannot hang a request. */
  #deadline<T>(operation: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError(operation, `no answer within ${this.#options.timeoutMs} ms`)),
        this.#options.timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

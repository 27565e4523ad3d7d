import { DiskCache, type DiskRecord } from './cache/disk.js';
import { type CatalogEntry, MemoryCache } from './cache/memory.js';
import type { Clock } from './clock.js';
import { createModelSet, diffModelSets, documentVersion, parseDocument } from './document.js';
import { describeError, InvalidDocumentError, isUpstreamHttpError, type ModelsError } from './errors.js';
import { countByProvider } from './filter.js';
import {
  CATALOG_OPTION_KEYS,
  type CatalogOptions,
  checkKnownKeys,
  checkObject,
  type ResolvedCatalogOptions,
  resolveCatalogOptions,
} from './options.js';
import { DocumentParser } from './parse.js';
import { loadSnapshot } from './snapshot.js';
import { createSource, type Source, type Validators } from './source.js';
import type { CatalogSource, ModelSet } from './types.js';

/** One answer of {@link Catalog.get}. */
export interface CatalogResult {
  readonly models: ModelSet;
  /** The tier that answered; `fallback` means no tier had a catalog (the set is empty). */
  readonly source: CatalogSource;
  /** When the document was fetched or last confirmed upstream (ms); `null` for snapshot and fallback. */
  readonly fetchedAt: number | null;
}

/** What a forced {@link Catalog.refresh} did. */
export interface RefreshReport {
  readonly ok: boolean;
  readonly source: CatalogSource;
  /** The upstream answered 304: the cached copy was renewed without a download. */
  readonly notModified: boolean;
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly error?: string;
}

export interface CatalogStatus {
  readonly url: string;
  readonly enabled: boolean;
  /** Where the catalog in use came from when it was loaded; `null` before the first load. */
  readonly source: CatalogSource | null;
  /** ISO time of the last fetch or 304 confirmation. */
  readonly fetchedAt: string | null;
  readonly ageMs: number | null;
  /** Older than `ttl` (a snapshot always is). */
  readonly stale: boolean;
  /** Valid models in the catalog, all providers and modes. */
  readonly models: number;
  /** Entries dropped by validation. */
  readonly invalid: number;
  readonly lastError: { readonly name: string; readonly message: string; readonly at: string } | null;
  readonly refreshing: boolean;
  readonly disk: 'ok' | 'off' | 'degraded';
  /** Why the disk tier was turned off, when it was (`degraded`). */
  readonly diskError: string | null;
}

/** A LiteLLM catalog behind its cache tiers. Shared by any number of routers. */
export interface Catalog {
  readonly url: string;
  readonly options: ResolvedCatalogOptions;
  /** The catalog's time source; routers judge deprecation dates by it. */
  readonly clock: Clock;
  /** The current catalog: memory, then disk, then upstream, then the shipped snapshot. Never rejects. */
  get(): Promise<CatalogResult>;
  /** The in-memory answer without waiting, when there is a fresh one (and starts a background refresh if it is past `ttl`). */
  peek(): CatalogResult | undefined;
  /** Fetches now (conditionally), whatever the TTL. Never rejects: failures are in the report. */
  refresh(): Promise<RefreshReport>;
  status(): CatalogStatus;
  /**
   * Resolves once no fetch, parse or cache write is in flight (including ones that start while it
   * waits). Tests await it instead of polling; a CLI awaits it before exiting.
   */
  idle(): Promise<void>;
  /** Stops timers, aborts a fetch in flight, waits for cache writes and closes the store it opened. */
  close(): Promise<void>;
}

const EMPTY_SET: ModelSet = createModelSet([], 0, 'empty');
const FALLBACK_RESULT: CatalogResult = Object.freeze({
  models: EMPTY_SET,
  source: 'fallback',
  fetchedAt: null,
});

/** Creates a catalog. Options are validated here: a bad one throws TypeError/RangeError naming it. */
export function createCatalog(options: CatalogOptions = {}): Catalog {
  checkKnownKeys(checkObject(options, 'catalog options'), CATALOG_OPTION_KEYS, 'catalog');
  return new ModelCatalog(resolveCatalogOptions(options));
}

/** Adds a provider to a catalog's sanity check after creation (routers sharing one by options). */
export function protectProvider(catalog: Catalog, provider: string): void {
  if (catalog instanceof ModelCatalog) catalog.protectedProviders.add(provider);
}

class ModelCatalog implements Catalog {
  readonly url: string;
  readonly options: ResolvedCatalogOptions;
  readonly #source: Source;
  readonly #memory: MemoryCache;
  readonly #disk: DiskCache;
  readonly protectedProviders: Set<string>;
  readonly #abort = new AbortController();
  readonly #writes = new Set<Promise<unknown>>();
  readonly #parser = new DocumentParser();
  /** The entry in use, and the answer a memory hit on it gives (built once per entry). */
  #current: CatalogEntry | undefined;
  #currentOrigin: CatalogSource | null = null;
  #memoryResult: CatalogResult | undefined;
  #fetching: Promise<FetchOutcome> | undefined;
  #diskReading: Promise<CatalogEntry | undefined> | undefined;
  #snapshotFailed = false;
  #snapshotLoading: Promise<CatalogEntry | undefined> | undefined;
  #lastError: { error: ModelsError | Error; at: number } | undefined;
  #retryAt = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The newest disk write; a forced refresh waits for it so a CLI can exit right after. */
  #lastWrite: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedCatalogOptions) {
    this.options = options;
    this.protectedProviders = new Set(options.providers);
    this.#source = createSource(options.url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
    this.url = this.#source.url;
    this.#memory = new MemoryCache({ ttl: options.memoryTtl, clock: options.clock });
    this.#disk = new DiskCache({
      cacheDir: options.enabled ? options.cacheDir : false,
      store: options.enabled ? options.store : undefined,
      timeoutMs: options.storeTimeoutMs,
      logger: options.logger,
    });
    if (options.enabled && options.refreshIntervalMs > 0) {
      // Nothing awaits a timer's refresh: a rejection (a host logger that throws, say) would
      // reach the event loop and, by Node's default, end the process.
      this.#timer = setInterval(
        () => void this.#intervalRefresh().catch(() => {}),
        options.refreshIntervalMs,
      );
      this.#timer.unref();
    }
  }

  get clock(): Clock {
    return this.options.clock;
  }

  async idle(): Promise<void> {
    for (;;) {
      const pending = [this.#fetching, this.#diskReading, this.#snapshotLoading, ...this.#writes].filter(
        (p): p is Promise<unknown> => p !== undefined,
      );
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  peek(): CatalogResult | undefined {
    if (!this.options.enabled) return FALLBACK_RESULT;
    const hit = this.#memory.get(this.url);
    if (hit === undefined || !hit.fresh || hit.entry !== this.#current) return undefined;
    this.#revalidateIfStale(hit.entry);
    return this.#memoryResult;
  }

  async get(): Promise<CatalogResult> {
    const fast = this.peek();
    if (fast !== undefined) return fast;
    if (this.#closed) return this.#memoryResult ?? FALLBACK_RESULT;

    const held = this.#memory.get(this.url)?.entry;
    const fromDisk = await this.#readDisk();
    if (fromDisk !== undefined) {
      this.#adopt(fromDisk, 'disk');
      this.#revalidateIfStale(fromDisk);
      return { models: fromDisk.models, source: 'disk', fetchedAt: fromDisk.fetchedAt };
    }
    if (held !== undefined) {
      // Past memoryTtl and the disk had nothing newer: keep using it for another memoryTtl.
      this.#memory.set(held);
      this.#revalidateIfStale(held);
      return this.peek() ?? { models: held.models, source: 'memory', fetchedAt: held.fetchedAt };
    }
    if (this.#lastError === undefined) {
      // A failure is logged and recorded by the fetch; the next tiers answer.
      const entry = await this.#firstFetch();
      if (entry !== undefined) {
        return { models: entry.models, source: 'upstream', fetchedAt: entry.fetchedAt };
      }
    } else {
      // A fetch already failed and nothing is cached: answer now instead of making every request
      // wait for a broken upstream again, and retry in the background after retryDelayMs.
      this.#retryInBackground();
    }
    const snapshot = await this.#loadSnapshot();
    if (snapshot !== undefined) return { models: snapshot.models, source: 'snapshot', fetchedAt: null };
    return FALLBACK_RESULT;
  }

  async refresh(): Promise<RefreshReport> {
    if (!this.options.enabled || this.#closed) {
      return {
        ok: false,
        source: 'fallback',
        notModified: false,
        changed: false,
        added: [],
        removed: [],
        error: 'catalog is disabled or closed',
      };
    }
    if (this.#current === undefined) {
      const fromDisk = await this.#readDisk();
      if (fromDisk !== undefined) this.#adopt(fromDisk, 'disk');
    }
    const before = this.#current?.models;
    try {
      const { entry, notModified } = await this.#fetchJoined();
      await this.#lastWrite;
      const { added, removed } = diffModelSets(before, entry.models);
      const changed = before === undefined || before.version !== entry.models.version;
      return { ok: true, source: 'upstream', notModified, changed, added, removed };
    } catch (error) {
      const source = this.#currentOrigin ?? 'fallback';
      return {
        ok: false,
        source,
        notModified: false,
        changed: false,
        added: [],
        removed: [],
        error: describeError(error),
      };
    }
  }

  status(): CatalogStatus {
    const { clock, ttl, enabled } = this.options;
    const now = clock.now();
    const entry = this.#current;
    const fetchedAt = entry?.fetchedAt ?? null;
    const last = this.#lastError;
    return {
      url: this.url,
      enabled,
      source: enabled ? this.#currentOrigin : 'fallback',
      fetchedAt: fetchedAt === null ? null : new Date(fetchedAt).toISOString(),
      ageMs: fetchedAt === null ? null : Math.max(0, now - fetchedAt),
      stale: entry !== undefined && (fetchedAt === null || now - fetchedAt >= ttl),
      models: entry?.models.cards.length ?? 0,
      invalid: entry?.models.invalid ?? 0,
      lastError: last
        ? { name: last.error.name, message: last.error.message, at: new Date(last.at).toISOString() }
        : null,
      refreshing: this.#fetching !== undefined,
      disk: this.#disk.state,
      diskError: this.#disk.lastError?.message ?? null,
    };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#timer);
      this.#abort.abort();
      await this.#parser.close();
      await Promise.allSettled([...this.#writes]);
      await this.#disk.close();
      this.#memory.clear();
    })();
    return this.#closed;
  }

  #adopt(entry: CatalogEntry, origin: CatalogSource): void {
    this.#current = entry;
    this.#currentOrigin = origin;
    this.#memoryResult = Object.freeze({
      models: entry.models,
      source: entry.origin === 'snapshot' ? 'snapshot' : 'memory',
      fetchedAt: entry.fetchedAt,
    });
    this.#memory.set(entry);
  }

  /** Reads the disk record, joined across concurrent callers; only a copy newer than memory's counts. */
  #readDisk(): Promise<CatalogEntry | undefined> {
    this.#diskReading ??= (async () => {
      const meta = await this.#disk.readMeta(this.url);
      if (meta === undefined) return undefined;
      const held = this.#current;
      if (held?.origin === 'upstream' && held.fetchedAt !== null && held.fetchedAt >= meta.fetchedAt) {
        return undefined;
      }
      const times = { etag: meta.etag, lastModified: meta.lastModified, fetchedAt: meta.fetchedAt };
      // Another process renewed the document we hold: take its times, keep the built set.
      if (held?.models.version === meta.version) return { ...held, origin: 'upstream' as const, ...times };
      const record = await this.#disk.read(this.url);
      if (record === undefined) return undefined;
      // The cards key and the meta key are written one after the other: trust the cards' own times
      // when another process is between the two writes.
      const own = record.version === meta.version ? times : record;
      return {
        models: createModelSet(record.cards, record.invalid, record.version),
        origin: 'upstream' as const,
        url: this.url,
        etag: own.etag,
        lastModified: own.lastModified,
        fetchedAt: own.fetchedAt,
      };
    })().finally(() => {
      this.#diskReading = undefined;
    });
    return this.#diskReading;
  }

  #revalidateIfStale(entry: CatalogEntry): void {
    if (this.#fetching !== undefined || this.#closed) return;
    const now = this.options.clock.now();
    if (entry.fetchedAt !== null && now - entry.fetchedAt < this.options.ttl) return;
    if (now < this.#retryAt) return;
    this.#fetchJoined().catch(() => {});
  }

  /** The fetch's entry; `undefined` when it failed, or is still running after `coldWaitMs` and the snapshot can answer. */
  async #firstFetch(): Promise<CatalogEntry | undefined> {
    const fetched = this.#fetchJoined().then(
      (outcome) => outcome.entry,
      () => undefined,
    );
    if (!this.options.snapshot || this.#snapshotFailed) return fetched;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.coldWaitMs);
      timer.unref();
    });
    try {
      return await Promise.race([fetched, gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  #retryInBackground(): void {
    if (this.#fetching !== undefined || this.#closed || this.options.clock.now() < this.#retryAt) return;
    this.#fetchJoined().catch(() => {});
  }

  async #intervalRefresh(): Promise<void> {
    if (this.#fetching !== undefined || this.#closed) return;
    // get() reads the disk first, but after a failure it would not fetch before retryDelayMs.
    if (this.#current === undefined && this.#lastError === undefined) await this.get();
    else await this.#fetchJoined().catch(() => {});
  }

  /** One upstream fetch at a time: concurrent callers share it. */
  #fetchJoined(): Promise<FetchOutcome> {
    this.#fetching ??= this.#fetchUpstream().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetchUpstream(): Promise<FetchOutcome> {
    const { clock, logger } = this.options;
    const prev = this.#current;
    const validators: Validators | undefined =
      prev?.origin === 'upstream' ? { etag: prev.etag, lastModified: prev.lastModified } : undefined;
    try {
      const result = await this.#source.fetch(validators, this.#abort.signal);
      const now = clock.now();
      let entry: CatalogEntry;
      if (result.status === 'not-modified' && prev !== undefined) {
        entry = { ...prev, fetchedAt: now };
        logger.debug({ url: this.url }, 'models catalog not modified upstream');
      } else if (result.status === 'ok') {
        // With a copy to serve, parse off the event loop so requests are not stalled; with none,
        // requests are waiting for this document, and parsing in place is fastest.
        // The same bytes again (a changed ETag, a mirror without validators): keep the built set,
        // so routers keep their serialised bodies and nothing is parsed.
        const models =
          prev !== undefined && prev.models.version === documentVersion(result.body)
            ? prev.models
            : prev === undefined
              ? parseDocument(result.body, this.url)
              : await this.#parser.parse(result.body, this.url, this.#abort.signal, this.options.timeoutMs);
        this.#checkSanity(models, prev?.models);
        entry = {
          models,
          origin: 'upstream',
          url: this.url,
          etag: result.etag,
          lastModified: result.lastModified,
          fetchedAt: now,
        };
        logger.info(
          { url: this.url, models: models.cards.length, invalid: models.invalid },
          'models catalog fetched from upstream',
        );
      } else {
        throw new InvalidDocumentError(this.url, 'upstream answered 304 but no copy is cached');
      }
      if (this.#closed) return { entry, notModified: result.status === 'not-modified' };
      this.#lastError = undefined;
      this.#retryAt = 0;
      this.#adopt(entry, 'upstream');
      this.#persist(entry);
      return { entry, notModified: result.status === 'not-modified' };
    } catch (error) {
      const now = clock.now();
      const err = error instanceof Error ? error : new Error(String(error));
      this.#lastError = { error: err, at: now };
      const retryAfter = isUpstreamHttpError(error) ? (error.retryAfterMs ?? 0) : 0;
      this.#retryAt = now + Math.max(this.options.retryDelayMs, retryAfter);
      logger.warn(
        { err, url: this.url, serving: this.#currentOrigin ?? 'nothing yet' },
        'models catalog refresh failed; keeping the copy in use',
      );
      throw err;
    }
  }

  /** Rejects a document that is far smaller than it should be (LiteLLM once shipped a near-empty map). */
  #checkSanity(next: ModelSet, prev: ModelSet | undefined): void {
    const count = next.cards.length;
    if (count < this.options.minModels) {
      throw new InvalidDocumentError(
        this.url,
        `only ${count} valid models (minimum ${this.options.minModels})`,
      );
    }
    if (prev === undefined) return;
    if (count < prev.cards.length / 2) {
      throw new InvalidDocumentError(
        this.url,
        `only ${count} valid models, the last good document had ${prev.cards.length}`,
      );
    }
    const before = countByProvider(prev);
    const after = countByProvider(next);
    for (const provider of this.protectedProviders) {
      if (provider === 'all') continue;
      if ((before.get(provider) ?? 0) > 0 && (after.get(provider) ?? 0) === 0) {
        throw new InvalidDocumentError(
          this.url,
          `lists no \`${provider}\` model, the last good document did`,
        );
      }
    }
  }

  #persist(entry: CatalogEntry): void {
    if (entry.fetchedAt === null) return;
    const record: DiskRecord = {
      url: this.url,
      etag: entry.etag,
      lastModified: entry.lastModified,
      fetchedAt: entry.fetchedAt,
      version: entry.models.version,
      invalid: entry.models.invalid,
      cards: entry.models.cards,
    };
    const write = this.#writeIfNewer(record).finally(() => this.#writes.delete(write));
    this.#writes.add(write);
    this.#lastWrite = write;
  }

  /** Another process sharing the store may have written a newer document meanwhile: never go back in time. */
  async #writeIfNewer(record: DiskRecord): Promise<void> {
    const stored = await this.#disk.readMeta(this.url);
    if (stored !== undefined && stored.fetchedAt > record.fetchedAt) return;
    // Same document already on disk: renew its times without rewriting every card.
    await this.#disk.write(record, { cards: stored?.version !== record.version });
  }

  /** Loads the shipped snapshot once, joined across concurrent callers; a failure is final. */
  #loadSnapshot(): Promise<CatalogEntry | undefined> {
    if (!this.options.snapshot || this.#snapshotFailed) return Promise.resolve(undefined);
    if (this.#current?.origin === 'snapshot') return Promise.resolve(this.#current);
    this.#snapshotLoading ??= loadSnapshot()
      .then((models): CatalogEntry => {
        const entry: CatalogEntry = { models, origin: 'snapshot', url: this.url, fetchedAt: null };
        // An upstream fetch may have landed meanwhile; it wins.
        if (this.#current === undefined) {
          this.#adopt(entry, 'snapshot');
          this.options.logger.warn(
            { url: this.url, models: models.cards.length },
            'models catalog: nothing cached and no document from upstream yet; serving the LiteLLM snapshot shipped with the package',
          );
        }
        return entry;
      })
      .catch((error: unknown) => {
        this.#snapshotFailed = true;
        this.options.logger.error({ err: error }, 'models catalog: the shipped snapshot could not be loaded');
        return undefined;
      })
      .finally(() => {
        this.#snapshotLoading = undefined;
      });
    return this.#snapshotLoading;
  }
}

interface FetchOutcome {
  readonly entry: CatalogEntry;
  readonly notModified: boolean;
}

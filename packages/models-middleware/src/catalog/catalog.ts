import type { Clock } from '../clock.js';
import { diffModelSets } from '../document.js';
import { describeError } from '../errors.js';
import {
  publishFallbackUsed,
  publishRefreshFailed,
  publishRefreshFinished,
  publishRefreshStarted,
  publishStoreAdopted,
} from '../events.js';
import { completeSoon, isComplete } from '../model-set.js';
import { type CatalogOptions, type ResolvedCatalogOptions, resolveCatalogOptions } from '../options.js';
import { DocumentParser } from '../parse.js';
import { createSource } from '../source.js';
import type { CatalogSource } from '../types.js';
import { warmUpParsingSoon } from '../warm-up.js';
import type { Announcement } from './announce.js';
import { readNewer, writeIfNewer } from './disk-sync.js';
import { answerOf, type CatalogEntry, type CatalogResult, FALLBACK_RESULT } from './entry.js';
import { jittered } from './jitter.js';
import { type StoreLease, storeLease } from './lease.js';
import type { LeaseKind } from './lease-io.js';
import { type LeadOutcome, RefreshScheduler } from './refresh.js';
import { SnapshotTier } from './snapshot.js';
import { CatalogStore, type StoreState } from './store.js';
import { answerCold, type Fetched, type TierChain } from './tiers.js';
import { fetchUpstream, type UpstreamDeps, type UpstreamFetch } from './upstream.js';

export type { CatalogResult } from './entry.js';

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
  /** The store tier: `degraded` after a failed call, until a retry after `storeRetryDelayMs` succeeds. */
  readonly disk: StoreState;
  /** The last store failure, while the tier is not `ok`. */
  readonly diskError: string | null;
  /**
   * How processes sharing the store elect the one that refreshes: `redis` (`SET NX PX`), `sqlite`
   * (a row with an expiry), `best-effort` (any other Keyv store: get, then set), `none` (a Map,
   * one process); `null` until the store is first used, or with it off.
   */
  readonly lease: LeaseKind | null;
}

/** A LiteLLM catalog behind its cache tiers. Shared by any number of routers. */
export interface Catalog {
  readonly url: string;
  readonly options: ResolvedCatalogOptions;
  /** The catalog's time source; routers judge deprecation dates by it. */
  readonly clock: Clock;
  /** The current catalog: memory, then the store, then upstream, then the shipped snapshot. Never rejects. */
  get(): Promise<CatalogResult>;
  /** The in-memory answer without waiting, when there is one (and starts what is due in the background). */
  peek(): CatalogResult | undefined;
  /** Fetches now (conditionally), whatever the TTL. Never rejects: failures are in the report. */
  refresh(): Promise<RefreshReport>;
  status(): CatalogStatus;
  /**
   * Resolves once no fetch, parse, store read or write is in flight (including ones that start
   * while it waits). Tests await it instead of polling; a CLI awaits it before exiting.
   */
  idle(): Promise<void>;
  /** Stops timers, aborts a fetch in flight, waits for cache writes and closes the store it opened. */
  close(): Promise<void>;
}

/**
 * The catalog's one piece of state: which entry is in use, which tier it came from, since when.
 * Everything else (the memory hit, freshness, the status) is derived from it.
 */
interface CatalogState {
  readonly entry: CatalogEntry | undefined;
  readonly tier: CatalogSource | null;
  /**
   * When memory stops trusting the entry and looks at the store again (clock ms): `memoryTtl`
   * after it was adopted or last checked, shortened by a jitter so a fleet does not look at once.
   */
  readonly lookAt: number;
  /** The answer a memory hit gives, built once per entry. */
  readonly hit: CatalogResult | undefined;
  readonly lastError: { readonly error: Error; readonly at: number } | undefined;
}

const INITIAL: CatalogState = Object.freeze({
  entry: undefined,
  tier: null,
  lookAt: 0,
  hit: undefined,
  lastError: undefined,
});

/** Creates a catalog. Options are validated here: a bad one throws TypeError/RangeError naming it. */
export function createCatalog(options: CatalogOptions = {}): Catalog {
  return new ModelCatalog(resolveCatalogOptions(options));
}

const DISABLED_REPORT: RefreshReport = Object.freeze({
  ok: false,
  source: 'fallback',
  notModified: false,
  changed: false,
  added: [],
  removed: [],
  error: 'catalog is disabled or closed',
});

class ModelCatalog implements Catalog {
  readonly url: string;
  readonly options: ResolvedCatalogOptions;
  #state: CatalogState = INITIAL;
  readonly #store: CatalogStore;
  readonly #snapshot: SnapshotTier;
  readonly #refresh: RefreshScheduler<UpstreamFetch>;
  readonly #upstream: UpstreamDeps;
  readonly #abort = new AbortController();
  /** Everything in flight, for idle() and close(). */
  readonly #tasks = new Set<Promise<unknown>>();
  #storeRead: Promise<CatalogEntry | undefined> | undefined;
  /** The newest store write; a forced refresh waits for it so a CLI can exit right after. */
  #lastWrite: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;
  readonly #lease: StoreLease;
  /** Resolves the waiters of the next announcement (cold processes waiting for the lease holder). */
  #announced: { readonly promise: Promise<void>; readonly resolve: () => void } = signal();

  constructor(options: ResolvedCatalogOptions) {
    const { clock, logger, enabled } = options;
    this.options = options;
    const source = createSource(options.url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
    this.url = source.url;
    this.#upstream = {
      source,
      parser: new DocumentParser(),
      clock,
      sanity: { minModels: options.minModels, providers: new Set(options.providers) },
      timeoutMs: options.timeoutMs,
      signal: this.#abort.signal,
    };
    this.#store = new CatalogStore({
      cacheDir: enabled ? options.cacheDir : false,
      store: enabled ? options.store : undefined,
      timeoutMs: options.storeTimeoutMs,
      retryDelayMs: options.storeRetryDelayMs,
      logger,
      clock,
      onAnnouncement: (announcement) => this.#onAnnouncement(announcement),
    });
    this.#lease = storeLease(this.#store, this.url, leaseMsOf(options));
    this.#snapshot = new SnapshotTier(options.snapshot, (error) =>
      logger.error({ err: error }, 'models catalog: the shipped snapshot could not be loaded'),
    );
    if (enabled) warmUpParsingSoon();
    this.#refresh = new RefreshScheduler({
      clock,
      ttl: options.ttl,
      retryDelayMs: options.retryDelayMs,
      intervalMs: enabled ? options.refreshIntervalMs : 0,
      lease: this.#lease,
      fetch: () => this.#fetch(),
      written: () => this.#lastWrite,
      follow: () => this.#followStore(),
      fresh: (force) => this.#fresh(force),
      followBackoffMs: () => jittered(Math.min(options.memoryTtl, leaseMsOf(options))),
      onInterval: () => this.#onInterval(),
      track: (task) => this.#track(task),
    });
  }

  get clock(): Clock {
    return this.options.clock;
  }

  peek(): CatalogResult | undefined {
    if (!this.options.enabled) return FALLBACK_RESULT;
    const { entry, lookAt, hit } = this.#state;
    if (entry === undefined || hit === undefined || this.#closed) return hit;
    // The first answer from a copy the store just delivered names that tier; later ones, memory.
    if (hit.source === 'disk') this.#state = { ...this.#state, hit: answerOf(entry, 'memory') };
    if (this.options.clock.now() < lookAt) this.#refresh.due(entry.fetchedAt);
    // Past memoryTtl the store may hold a newer copy (another process's refresh): look in the
    // background, and refresh upstream only if what it finds is stale too.
    else {
      this.#followStore(true)
        .then(() => this.#refresh.due(this.#state.entry?.fetchedAt))
        .catch(() => {}); // a failed read is recorded where it happened; nothing awaits this one
    }
    return hit;
  }

  async get(): Promise<CatalogResult> {
    const hit = this.peek();
    if (hit !== undefined) return hit;
    if (this.#closed) return FALLBACK_RESULT;
    return answerCold(this.#chain);
  }

  async refresh(): Promise<RefreshReport> {
    if (!this.options.enabled || this.#closed) return DISABLED_REPORT;
    if (this.#state.entry === undefined) await this.#followStore();
    const before = this.#state.entry?.models;
    try {
      const { entry, notModified } = await this.#refresh.run();
      await this.#lastWrite;
      const { added, removed } = diffModelSets(before, entry.models);
      const changed = before === undefined || before.version !== entry.models.version;
      return { ok: true, source: 'upstream', notModified, changed, added, removed };
    } catch (error) {
      const source = this.#state.tier ?? 'fallback';
      return { ...DISABLED_REPORT, source, error: describeError(error) };
    }
  }

  status(): CatalogStatus {
    const { clock, ttl, enabled } = this.options;
    const now = clock.now();
    const { entry, tier, lastError } = this.#state;
    const fetchedAt = entry?.fetchedAt ?? null;
    const disk = this.#store.state;
    return {
      url: this.url,
      enabled,
      source: enabled ? tier : 'fallback',
      fetchedAt: fetchedAt === null ? null : new Date(fetchedAt).toISOString(),
      ageMs: fetchedAt === null ? null : Math.max(0, now - fetchedAt),
      stale: entry !== undefined && (fetchedAt === null || now - fetchedAt >= ttl),
      models: entry?.models.cards.length ?? 0,
      invalid: entry?.models.invalid ?? 0,
      lastError: lastError
        ? {
            name: lastError.error.name,
            message: lastError.error.message,
            at: new Date(lastError.at).toISOString(),
          }
        : null,
      refreshing: this.#refresh.running,
      disk,
      diskError: disk === 'ok' ? null : (this.#store.lastError?.message ?? null),
      lease: this.#store.lease,
    };
  }

  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#refresh.stop();
      this.#abort.abort();
      await this.#upstream.parser.close();
      await this.idle();
      await this.#store.close();
    })();
    return this.#closed;
  }

  /** The tiers below memory, as the cold chain sees them. */
  get #chain(): TierChain {
    return {
      fromStore: () => this.#followStore(),
      fromUpstream: () => this.#track(this.#coldFetch()),
      upstreamFailing: this.#state.lastError !== undefined,
      retryInBackground: () => this.#refresh.due(this.#state.entry?.fetchedAt),
      snapshot: this.#snapshot,
      adoptSnapshot: (entry) => this.#adoptSnapshot(entry),
      coldWaitMs: this.options.coldWaitMs,
    };
  }

  /** `announce`: the next memory hit names `tier` (a copy adopted in the background). */
  #adopt(entry: CatalogEntry, tier: CatalogSource, announce = false): void {
    const hit = answerOf(entry, announce ? tier : entry.origin === 'snapshot' ? 'snapshot' : 'memory');
    this.#state = { entry, tier, lookAt: this.#nextLook(), hit, lastError: this.#state.lastError };
  }

  #nextLook(): number {
    return this.options.clock.now() + jittered(this.options.memoryTtl);
  }

  /** After a look at the store: the copy held is recent enough that a fetch now would repeat another's. */
  #fresh(force: boolean): boolean {
    const { entry, tier } = this.#state;
    const fetchedAt = entry?.fetchedAt;
    if (typeof fetchedAt !== 'number') return false;
    const age = this.options.clock.now() - fetchedAt;
    // The interval is the operator's schedule: skipped only when another process (its copy came
    // from the store) took this period's turn, less than half a period ago.
    if (force) return tier === 'disk' && age < Math.floor(this.options.refreshIntervalMs / 2);
    return age < this.options.ttl;
  }

  /**
   * A cold process's fetch: it leads when it gets the lease; otherwise it waits for the holder's
   * announcement (or looks at the store again after a pause) until a copy is stored, or the lease
   * is free again (its holder died) and it leads itself. `undefined` when the fetch failed.
   */
  async #coldFetch(): Promise<Fetched | undefined> {
    const { memoryTtl, clock } = this.options;
    const leaseMs = leaseMsOf(this.options);
    const pause = Math.min(memoryTtl, leaseMs, COLD_LOOK_MS);
    // A lease outlives no fetch: expired, it goes to one of the waiters. Only a store that keeps
    // granting it to nobody (twice as long with no copy written) makes a waiter fetch regardless.
    const giveUpAt = clock.now() + 2 * leaseMs;
    for (;;) {
      if (this.#closed) return undefined;
      if (clock.now() >= giveUpAt)
        return this.#refresh.run().then(
          (outcome) => ({ entry: outcome.entry, tier: 'upstream' as const }),
          () => undefined,
        );
      let outcome: LeadOutcome<UpstreamFetch>;
      try {
        outcome = await this.#refresh.lead();
      } catch {
        return undefined;
      }
      if (outcome.kind === 'fetched') return { entry: outcome.value.entry, tier: 'upstream' };
      const held = this.#state.entry;
      if (outcome.kind === 'fresh' && held !== undefined) return { entry: held, tier: 'disk' };
      await this.#nextAnnouncement(jittered(pause));
      const stored = await this.#followStore();
      if (stored !== undefined) return { entry: stored, tier: 'disk' };
    }
  }

  /** Resolves at the next announcement from another process, or after `ms`. */
  async #nextAnnouncement(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
    try {
      await Promise.race([this.#announced.promise, elapsed]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Another process stored a document: adopt it now rather than at the next look at the store. */
  #onAnnouncement(announcement: Announcement): void {
    if (this.#closed || announcement.url !== this.url || announcement.holder === this.#lease.holder) return;
    const waiters = this.#announced;
    this.#announced = signal();
    waiters.resolve();
    const held = this.#state.entry;
    if (held?.origin === 'upstream' && held.fetchedAt !== null && held.fetchedAt >= announcement.fetchedAt)
      return;
    this.#followStore(true, 'announcement').catch(() => {}); // a failed read is recorded by the store
  }

  #adoptSnapshot(entry: CatalogEntry): void {
    // An upstream fetch or a store read may have landed meanwhile; it wins.
    if (this.#state.entry !== undefined) return;
    this.#adopt(entry, 'snapshot');
    publishFallbackUsed(this, 'snapshot', null, entry.models.cards.length);
    const failed = this.#state.lastError?.error;
    // Offline cold start: this is the one line that says so (the fetch itself logged at debug).
    this.options.logger.warn(
      { url: this.url, models: entry.models.cards.length, ...(failed && { err: summary(failed) }) },
      failed
        ? `models catalog refresh failed (${shortReason(failed)}); serving the LiteLLM snapshot shipped with the package`
        : 'models catalog: no document from upstream yet; serving the LiteLLM snapshot shipped with the package',
    );
  }

  /**
   * Reads the store, joined across callers; adopts a newer copy, else trusts memory for another
   * `memoryTtl`. An announcement reads after the read in flight (which may predate the write).
   */
  #followStore(announce = false, via?: 'announcement'): Promise<CatalogEntry | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const prior = this.#storeRead;
    if (via === 'announcement' && prior !== undefined)
      return this.#track(prior.then(() => this.#followStore(announce)));
    this.#storeRead ??= this.#track(
      readNewer(this.#store, this.url, this.#state.entry)
        .then((newer) => {
          if (this.#closed) return undefined;
          const before = this.#state.entry;
          if (newer !== undefined) {
            this.#adopt(newer, 'disk', announce);
            if (before !== undefined)
              publishStoreAdopted(this, before.models, newer.models, newer.fetchedAt, via ?? 'poll');
          } else this.#state = { ...this.#state, lookAt: this.#nextLook() };
          return newer;
        })
        .finally(() => {
          this.#storeRead = undefined;
        }),
    );
    return this.#storeRead;
  }

  #onInterval(): void {
    const { entry, lastError } = this.#state;
    // Nothing held yet: the tiers first (the store may have it); a fetch only once that failed.
    if (entry === undefined && lastError === undefined) this.#track(this.get());
    else this.#refresh.due(undefined, true);
  }

  async #fetch(): Promise<UpstreamFetch> {
    const { logger, clock } = this.options;
    const held = this.#state;
    const startedAt = publishRefreshStarted(this);
    try {
      const outcome = await fetchUpstream(this.#upstream, held.entry);
      const { models } = outcome.entry;
      // What reads the whole set (the counts, the event's diff, the store's copy) waits until it is
      // built: a cold fetch has built only what the waiting routers asked for, and answers first.
      // A close() meanwhile lets it finish: close() waits for it before closing the store.
      const logFetched = (): void => {
        if (outcome.notModified) logger.debug({ url: this.url }, 'models catalog not modified upstream');
        else
          logger.info(
            { url: this.url, models: models.cards.length, invalid: models.invalid },
            'models catalog fetched from upstream',
          );
      };
      const finish = (): Promise<void> => {
        logFetched();
        const before = held.entry?.models;
        publishRefreshFinished(this, startedAt, outcome.bytes, outcome.notModified, before, models);
        return this.#share(outcome.entry);
      };
      if (this.#closed) {
        logFetched();
        return outcome;
      }
      this.#state = { ...this.#state, lastError: undefined };
      this.#adopt(outcome.entry, 'upstream');
      this.#lastWrite = this.#track(isComplete(models) ? finish() : completeSoon(models).then(finish));
      return outcome;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.#state = { ...this.#state, lastError: { error: err, at: clock.now() } };
      logger.debug({ err, url: this.url }, 'models catalog refresh failed');
      // Cold with the snapshot to answer, its one line says it; otherwise one compact line here.
      if (held.entry !== undefined || !this.#snapshot.available) {
        const serving = held.tier === null ? 'nothing cached' : `keeping the copy from ${held.tier}`;
        logger.warn(
          { err: summary(err), url: this.url, serving: held.tier ?? 'nothing yet' },
          `models catalog refresh failed (${shortReason(err)}); ${serving}`,
        );
      }
      publishRefreshFailed(this, startedAt, err);
      throw err;
    }
  }

  /** Stores what this process fetched and tells the fleet, which adopts it without fetching. */
  async #share(entry: CatalogEntry): Promise<void> {
    if (!(await writeIfNewer(this.#store, this.url, entry)) || entry.fetchedAt === null) return;
    await this.#store.announce({
      url: this.url,
      version: entry.models.version,
      fetchedAt: entry.fetchedAt,
      holder: this.#lease.holder,
    });
  }

  #track<T>(task: Promise<T>): Promise<T> {
    this.#tasks.add(task);
    const done = (): void => {
      this.#tasks.delete(task);
    };
    task.then(done, done);
    return task;
  }
}

/** How long a refresh lease is held at most: the fetch deadline, plus a store call to write what it got. */
function leaseMsOf({ timeoutMs, storeTimeoutMs }: ResolvedCatalogOptions): number {
  return timeoutMs + storeTimeoutMs;
}

/** A cold process without the lease looks at the store at least this often (announcements wake it sooner). */
const COLD_LOOK_MS = 500;

function signal(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Name and message only: a log line without the stack and the cause chain. */
function summary(error: Error): { name: string; message: string } {
  return { name: error.name, message: error.message };
}

/** The error's message without the package prefix and the URL: `ENOTFOUND`, `HTTP 503`, ... */
function shortReason(error: Error): string {
  const message = error.message.replace(/^@[^:]+: /, '');
  const host = /GET (\S+)/.exec(message)?.[1];
  const detail = message.replace(/^GET \S+:? ?/, '').replace(/^failed: /, '');
  if (host === undefined) return detail;
  try {
    return `${detail} ${new URL(host).host}`.trim();
  } catch {
    return detail;
  }
}

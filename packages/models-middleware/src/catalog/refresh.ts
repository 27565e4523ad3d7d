import type { Clock } from '../clock.js';
import { isUpstreamHttpError } from '../errors.js';

/**
 * Who may fetch from upstream now. One process alone always may; a fleet sharing a store elects
 * one (issue #14: a lease in the shared store), and the others follow the store instead.
 */
export interface RefreshLease {
  /** `true` when this process should fetch now; `false` when another one is. */
  acquire(): Promise<boolean>;
  /** Called once the fetch this process was granted has ended. */
  release(): Promise<void>;
}

/** What {@link RefreshScheduler.lead} did: fetched, found the store fresh enough, or lost the lease. */
export type LeadOutcome<T> =
  | { readonly kind: 'fetched'; readonly value: T }
  | { readonly kind: 'fresh' }
  | { readonly kind: 'lost' };

export interface RefreshOptions<T> {
  readonly clock: Clock;
  /** How long a fetched document is fresh, ms. */
  readonly ttl: number;
  /** Pause after a failed fetch, ms (a longer `Retry-After` wins). */
  readonly retryDelayMs: number;
  /** Background refresh period, ms; `0` for none. */
  readonly intervalMs: number;
  readonly lease: RefreshLease;
  /** The fetch itself: adopts what it gets, rejects on failure. */
  readonly fetch: () => Promise<T>;
  /**
   * Resolves once what the last fetch got is in the shared store. The lease is held until then:
   * the next holder must find that copy, not fetch it again.
   */
  readonly written: () => Promise<unknown>;
  /** Reads the shared store (another process may have fetched): before a fetch, and when the lease went to another. */
  readonly follow: () => Promise<unknown>;
  /** After `follow`, whether the copy held is recent enough that the fetch is no longer needed. */
  readonly fresh: (force: boolean) => boolean;
  /** How long a process that lost the lease leaves it alone (jittered, so the fleet does not knock at once), ms. */
  readonly followBackoffMs: () => number;
  /** What the interval does each period (the catalog decides between the tiers and a fetch). */
  readonly onInterval: () => void;
  /** Every background task is handed here, so `idle()` can wait for it. */
  readonly track: (task: Promise<unknown>) => void;
}

/**
 * When to look upstream again: stale-while-revalidate, a pause after failure (honouring
 * `Retry-After`), an interval. One fetch at a time: every caller joins the one in flight.
 */
export class RefreshScheduler<T> {
  readonly #options: RefreshOptions<T>;
  #inFlight: Promise<T> | undefined;
  #retryAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Lease, store check and fetch, joined: a fetch waiting for its lease counts as running. */
  #leading: Promise<LeadOutcome<T>> | undefined;
  /** The last grant's release, waiting on the store write: the next claim comes after it. */
  #handover: Promise<void> | undefined;

  constructor(options: RefreshOptions<T>) {
    this.#options = options;
    if (options.intervalMs > 0) {
      // Nothing awaits a timer's work: a throw (a host logger that throws, say) must not reach
      // the event loop, where Node's default ends the process.
      this.#timer = setInterval(() => {
        if (this.#stopped) return;
        try {
          options.onInterval();
        } catch {
          // Recorded by the catalog where it can be; there is no caller to hand it to.
        }
      }, options.intervalMs);
      this.#timer.unref();
    }
  }

  get running(): boolean {
    return this.#inFlight !== undefined || this.#leading !== undefined;
  }

  /** The fetch in flight, or a new one: concurrent callers share it. Forced: no pause, no lease. */
  run(): Promise<T> {
    this.#inFlight ??= this.#attempt().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * The one guard for background fetches: none in flight, not stopped, past the pause after a
   * failure, and the copy older than `ttl` (a copy without a fetch time always is). `force` (the
   * interval: its period is the operator's own schedule) skips the pause and the age check.
   */
  due(fetchedAt: number | null | undefined, force = false): void {
    if (this.running || this.#stopped) return;
    if (!force) {
      const now = this.#options.clock.now();
      if (now < this.#retryAt) return;
      if (typeof fetchedAt === 'number' && now - fetchedAt < this.#options.ttl) return;
    }
    this.#options.track(this.#background(force));
  }

  /**
   * A fetch the fleet shares: take the lease, look at the store once more (the holder before us
   * may have just written), and fetch only if the copy is still due. Concurrent callers join.
   * Rejects when the fetch fails.
   */
  lead(force = false): Promise<LeadOutcome<T>> {
    this.#leading ??= this.#lead(force).finally(() => {
      this.#leading = undefined;
    });
    return this.#leading;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #background(force: boolean): Promise<void> {
    try {
      await this.lead(force);
    } catch {
      // Recorded by the catalog and logged; the pause is set.
    }
  }

  async #lead(force: boolean): Promise<LeadOutcome<T>> {
    const { lease, follow, fresh, clock, followBackoffMs } = this.#options;
    if (this.#inFlight) return { kind: 'fetched', value: await this.#inFlight };
    await this.#handover;
    if (!(await lease.acquire())) {
      // Another process is fetching: serve the copy held, and adopt its result when it is written.
      this.#retryAt = Math.max(this.#retryAt, clock.now() + followBackoffMs());
      await follow();
      return { kind: 'lost' };
    }
    let fetched = false;
    try {
      await follow();
      if (fresh(force)) return { kind: 'fresh' };
      const value = await this.run();
      fetched = true;
      return { kind: 'fetched', value };
    } finally {
      if (!fetched) await lease.release();
      // The caller has its copy now; the fleet gets the lease back once the copy is stored.
      else this.#handOver(lease);
    }
  }

  #handOver(lease: RefreshLease): void {
    const handover = this.#options
      .written()
      .catch(() => {}) // a failed write is recorded by the store; the lease goes all the same
      .then(() => lease.release())
      .catch(() => {}) // unfreed, the lease expires by itself
      .finally(() => {
        if (this.#handover === handover) this.#handover = undefined;
      });
    this.#handover = handover;
    this.#options.track(handover);
  }

  async #attempt(): Promise<T> {
    try {
      const value = await this.#options.fetch();
      this.#retryAt = 0;
      return value;
    } catch (error) {
      const retryAfter = isUpstreamHttpError(error) ? (error.retryAfterMs ?? 0) : 0;
      this.#retryAt = this.#options.clock.now() + Math.max(this.#options.retryDelayMs, retryAfter);
      throw error;
    }
  }
}

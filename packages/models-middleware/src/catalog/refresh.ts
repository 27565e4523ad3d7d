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

/** The lease of a process that shares its refreshes with nobody. */
export const SOLO_LEASE: RefreshLease = Object.freeze({
  acquire: async () => true,
  release: async () => {},
});

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
  /** What a process does when the lease went to another: read the shared store. */
  readonly follow: () => Promise<unknown>;
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
  /** A background fetch waiting for its lease counts as running: one guard covers both. */
  #starting = false;

  constructor(options: RefreshOptions<T>) {
    this.#options = options;
    if (options.intervalMs > 0) {
      this.#timer = setInterval(() => this.#stopped || options.onInterval(), options.intervalMs);
      this.#timer.unref();
    }
  }

  get running(): boolean {
    return this.#inFlight !== undefined || this.#starting;
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
    this.#options.track(this.#background());
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #background(): Promise<void> {
    const { lease } = this.#options;
    this.#starting = true;
    let granted: boolean;
    try {
      granted = await lease.acquire();
    } finally {
      this.#starting = false;
    }
    if (!granted) {
      await this.#options.follow();
      return;
    }
    try {
      await this.run();
    } catch {
      // Recorded by the catalog and logged; the pause is set.
    } finally {
      await lease.release();
    }
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

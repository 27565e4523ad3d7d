import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { ModelSet } from '../types.js';

/** A catalog held in memory, with what is needed to revalidate it upstream. */
export interface CatalogEntry {
  readonly models: ModelSet;
  /** `snapshot` entries come from the document shipped in the package and are never fresh. */
  readonly origin: 'upstream' | 'snapshot';
  readonly url: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** When the document was fetched or last confirmed, in ms; `null` for the snapshot. */
  readonly fetchedAt: number | null;
}

export interface MemoryHit {
  readonly entry: CatalogEntry;
  /** Within `memoryTtl`; past it the disk tier is consulted before this copy is used again. */
  readonly fresh: boolean;
}

/**
 * The memory tier: an LRU keyed by source URL. Entries past their TTL stay readable (stale), so
 * a catalog always has its last copy to serve while it looks for a newer one.
 */
export class MemoryCache {
  readonly #lru: LRUCache<string, CatalogEntry>;

  constructor(options: { ttl: number; clock: Clock; max?: number }) {
    this.#lru = new LRUCache<string, CatalogEntry>({
      max: options.max ?? 16,
      ttl: options.ttl,
      allowStale: true,
      noDeleteOnStaleGet: true,
      // Read the injected clock on every check; lru-cache would otherwise cache it for a tick.
      ttlResolution: 0,
      perf: options.clock,
    });
  }

  get(url: string): MemoryHit | undefined {
    const entry = this.#lru.get(url);
    if (entry === undefined) return undefined;
    return { entry, fresh: this.#lru.getRemainingTTL(url) > 0 };
  }

  set(entry: CatalogEntry): void {
    this.#lru.set(entry.url, entry);
  }

  clear(): void {
    this.#lru.clear();
  }
}

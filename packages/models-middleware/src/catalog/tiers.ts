/**
 * The order a cold request tries the tiers in: shared store, upstream (waiting at most
 * `coldWaitMs` when the snapshot could answer), the shipped snapshot, the empty fallback. The
 * memory tier is the catalog's own state and answers before any of this runs.
 */

import type { CatalogEntry, CatalogResult } from './entry.js';
import { answerOf, FALLBACK_RESULT } from './entry.js';
import type { SnapshotTier } from './snapshot.js';

/** A cold fetch's entry and the tier it came through. */
export interface Fetched {
  readonly entry: CatalogEntry;
  readonly tier: 'upstream' | 'disk';
}

/** What the chain needs from the catalog; every method is joined and never rejects. */
export interface TierChain {
  /** The stored document when it is newer than the copy held (adopted by the catalog). */
  fromStore(): Promise<CatalogEntry | undefined>;
  /**
   * The upstream fetch (adopted by the catalog), or in a fleet the copy the process that held the
   * lease fetched and stored (`disk`); `undefined` when it failed.
   */
  fromUpstream(): Promise<Fetched | undefined>;
  /** Whether an upstream fetch has failed and its pause is not over: do not wait for it again. */
  readonly upstreamFailing: boolean;
  /** Starts a background fetch when one is due. */
  retryInBackground(): void;
  readonly snapshot: SnapshotTier;
  /** Adopts the snapshot when nothing better arrived meanwhile. */
  adoptSnapshot(entry: CatalogEntry): void;
  readonly coldWaitMs: number;
}

/** The answer for a request that found nothing in memory. */
export async function answerCold(chain: TierChain): Promise<CatalogResult> {
  const stored = await chain.fromStore();
  if (stored !== undefined) {
    chain.retryInBackground();
    return answerOf(stored, 'disk');
  }
  if (!chain.upstreamFailing) {
    const fetched = await waitForUpstream(chain);
    if (fetched !== undefined) return answerOf(fetched.entry, fetched.tier);
  } else {
    // A fetch already failed and nothing is cached: answer now instead of making every request
    // wait for a broken upstream again; the retry runs in the background after its pause.
    chain.retryInBackground();
  }
  const snapshot = await chain.snapshot.load();
  if (snapshot === undefined) return FALLBACK_RESULT;
  chain.adoptSnapshot(snapshot);
  return answerOf(snapshot, 'snapshot');
}

/** The fetch's entry; `undefined` when it failed, or is still running after `coldWaitMs` and the snapshot can answer. */
async function waitForUpstream(chain: TierChain): Promise<Fetched | undefined> {
  const fetched = chain.fromUpstream();
  if (!chain.snapshot.available) return fetched;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), chain.coldWaitMs);
    timer.unref();
  });
  try {
    return await Promise.race([fetched, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

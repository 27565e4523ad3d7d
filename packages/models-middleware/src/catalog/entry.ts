import { createModelSet } from '../model-set.js';
import type { CatalogSource, ModelSet } from '../types.js';

/** A catalog document held in memory, with what is needed to revalidate it upstream. */
export interface CatalogEntry {
  readonly models: ModelSet;
  /** `snapshot` entries come from the document shipped in the package and are never fresh. */
  readonly origin: 'upstream' | 'snapshot';
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** When the document was fetched or last confirmed, in ms; `null` for the snapshot. */
  readonly fetchedAt: number | null;
}

/** One answer of `Catalog.get`. */
export interface CatalogResult {
  readonly models: ModelSet;
  /** The tier that answered; `fallback` means no tier had a catalog (the set is empty). */
  readonly source: CatalogSource;
  /** When the document was fetched or last confirmed upstream (ms); `null` for snapshot and fallback. */
  readonly fetchedAt: number | null;
}

export const FALLBACK_RESULT: CatalogResult = Object.freeze({
  models: createModelSet([], 0, 'empty'),
  source: 'fallback',
  fetchedAt: null,
});

/** The answer an entry gives when it is read from the tier `source`. */
export function answerOf(entry: CatalogEntry, source: CatalogSource): CatalogResult {
  return Object.freeze({ models: entry.models, source, fetchedAt: entry.fetchedAt });
}

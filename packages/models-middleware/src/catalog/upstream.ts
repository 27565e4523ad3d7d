import type { Clock } from '../clock.js';
import { parseDocument } from '../document.js';
import { InvalidDocumentError } from '../errors.js';
import type { DocumentParser } from '../parse.js';
import type { Source, Validators } from '../source.js';
import type { CatalogEntry } from './entry.js';
import { checkSanity, type SanityPolicy } from './sanity.js';

export interface UpstreamFetch {
  readonly entry: CatalogEntry;
  readonly notModified: boolean;
  /** Bytes downloaded (decompressed); 0 for a 304. */
  readonly bytes: number;
}

export interface UpstreamDeps {
  readonly source: Source;
  readonly parser: DocumentParser;
  readonly clock: Clock;
  readonly sanity: SanityPolicy;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * Fetches the document (conditionally on `prev`), parses it and checks it against `prev`.
 * Rejects with the source's typed errors or InvalidDocumentError; touches no state.
 */
export async function fetchUpstream(
  deps: UpstreamDeps,
  prev: CatalogEntry | undefined,
): Promise<UpstreamFetch> {
  const { source, clock, signal } = deps;
  const validators: Validators | undefined =
    prev?.origin === 'upstream' ? { etag: prev.etag, lastModified: prev.lastModified } : undefined;
  const result = await source.fetch(validators, signal);
  const now = clock.now();
  if (result.status === 'not-modified') {
    if (prev === undefined)
      throw new InvalidDocumentError(source.url, 'upstream answered 304 but no copy is cached');
    return { entry: { ...prev, fetchedAt: now }, notModified: true, bytes: 0 };
  }
  // The same bytes again (a changed ETag, a mirror without validators): keep the built set, so
  // routers keep their serialised bodies and nothing is parsed. With a copy to serve, parse (and
  // hash, to tell) off the event loop so requests are not stalled; with none, requests are waiting
  // for this document, and parsing in place is fastest.
  const bytes = result.body.length;
  const models =
    prev === undefined
      ? parseDocument(result.body, source.url)
      : await deps.parser.parse(result.body, source.url, {
          signal,
          deadlineMs: deps.timeoutMs,
          known: prev.models,
          // Nothing reads the body after this: the worker takes its memory instead of a copy.
          transfer: true,
        });
  checkSanity(source.url, models, prev?.models, deps.sanity);
  const entry: CatalogEntry = {
    models,
    origin: 'upstream',
    etag: result.etag,
    lastModified: result.lastModified,
    fetchedAt: now,
  };
  return { entry, notModified: false, bytes };
}

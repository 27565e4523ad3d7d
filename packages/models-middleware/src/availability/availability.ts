/**
 * The provider's own model list behind the same protections as the LiteLLM document, through
 * the list source Codex's catalog uses (`codex/list-source.ts`): the held copy (memory), the
 * catalog's store (disk, keyed by a hash of the URL and the credentials), the upstream; joined
 * fetches, stale-while-revalidate, a sanity check against the last good list, typed errors. A
 * failure leaves LiteLLM's list in place; `status()` and the source header say so.
 *
 * The credentials are asked for on every fetch and go nowhere else: not into logs, `status()`,
 * errors (the HTTP client's error is dropped from `cause`), nor the store (its key holds a hash).
 */
import { createHash } from 'node:crypto';
import { CatalogStore } from '../catalog/store.js';
import type { Clock } from '../clock.js';
import { createUrlListSource, type ReadResult, type UrlListSource } from '../codex/list-source.js';
import { InvalidDocumentError, ModelsError } from '../errors.js';
import type { AvailabilityReport } from '../events.js';
import type { Logger } from '../logger.js';
import type { ResolvedCatalogOptions } from '../options.js';
import type { Source, Validators } from '../source.js';
import type { AvailabilityHeaders, ResolvedAvailabilityOptions } from './availability-options.js';
import {
  type AvailabilityFormat,
  type AvailableList,
  type AvailableModel,
  parseAnthropicPage,
  parseCodexList,
  parseOpenAIList,
  reviveList,
  unique,
} from './upstream-list.js';

/** A page (of several MB) is far past any real list; the cap stops a runaway body. */
const MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** Anthropic's largest page. */
const PAGE_LIMIT = 1000;
/** More pages than this is a cursor that never ends. */
const MAX_PAGES = 100;
/** After a failed fetch, wait at most this long before the next try. */
const RETRY_DELAY_MS = 60_000;
const ANTHROPIC_VERSION = '2023-06-01';
const STORE_RECORD_VERSION = 1;

/**
 * `loading`: the first load has not settled; `ok`: the list is in force; `stale`: the list held
 * is in force but the last refresh failed; `failed`: no list, LiteLLM's models are served alone.
 */
type AvailabilityState = 'loading' | 'ok' | 'stale' | 'failed';

export interface AvailabilityStatus {
  readonly format: AvailabilityFormat;
  /** Whose key asks (see the `credentials` option). */
  readonly credentials: 'operator' | 'client';
  /** `client` only: client keys with a list held now (the rest of the report sums them up). */
  readonly clients?: number;
  /** The list's origin and path (no query). */
  readonly url: string;
  readonly state: AvailabilityState;
  /** Ids in the list in force; `null` when there is none. */
  readonly models: number | null;
  /** Where the list in force came from. */
  readonly from: 'store' | 'upstream' | null;
  readonly loadedAt: string | null;
  /** The last fault, kept until a fetch succeeds. */
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

export interface Availability {
  readonly keepUnlisted: boolean;
  /** The list in force, if any; starts a refresh in the background when one is due. */
  current(): AvailableList | undefined;
  /** Has the first load settled (so requests need not wait for it)? */
  readonly ready: boolean;
  /** Waits for the first load, at most `coldWaitMs`. Never rejects. */
  load(): Promise<void>;
  readonly state: AvailabilityState;
  status(): AvailabilityStatus;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface AvailabilityDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** The list's disk tier (see {@link availabilityStore}), shared and closed by its creator. */
  readonly store: CatalogStore | undefined;
  /** Told of every list loaded and every failed fetch (the router publishes them as events). */
  readonly report?: ((report: AvailabilityReport) => void) | undefined;
}

/** A list's URL as status and events show it: without its query, which may hold a key. */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

export function createAvailability(
  options: ResolvedAvailabilityOptions,
  deps: AvailabilityDeps,
): Availability {
  const { clock, logger } = deps;
  const credentials = credentialsOf(options.headers, options.format);
  const { store } = deps;
  const urlHash = hash(options.url);
  // Aborts a fetch in flight on close, so closing never waits out a hung upstream.
  const closing = new AbortController();
  const keyFor = (headers: Readonly<Record<string, string>>): string =>
    `availability:${options.format}:${urlHash}:${hash(canonical(headers))}`;

  const described = {
    url: shownUrl(options.url),
    format: options.format,
    credentials: options.credentials,
  } as const;
  let source: UrlListSource<AvailableList>;
  try {
    source = createUrlListSource<AvailableList>(options.url, {
      parse: parserOf(options.format),
      clock,
      logger,
      label: `${options.format} model list (availability)`,
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_PAGE_BYTES,
      ttlMs: options.ttlMs,
      retryDelayMs: Math.min(options.ttlMs, RETRY_DELAY_MS),
      read: (from, validators) => readList(from, validators, options.format, credentials, closing.signal),
      check: sanityCheck(),
      ...(deps.report && {
        onLoaded: (list: AvailableList, from: 'store' | 'url') =>
          deps.report?.({
            kind: 'loaded',
            ...described,
            models: list.models.length,
            from: from === 'url' ? 'upstream' : 'store',
          }),
        onFailed: (error: Error) => deps.report?.({ kind: 'failed', ...described, error }),
      }),
      ...(store && {
        store: {
          async read() {
            const raw = await store.get(keyFor(await credentials()));
            const record = raw as { v?: unknown; loadedAt?: unknown; list?: unknown } | undefined;
            if (record?.v !== STORE_RECORD_VERSION || typeof record.loadedAt !== 'number') return undefined;
            const value = reviveList(record.list);
            return value === undefined ? undefined : { value, loadedAt: record.loadedAt };
          },
          async write(list, loadedAt) {
            await store.set(keyFor(await credentials()), { v: STORE_RECORD_VERSION, loadedAt, list });
          },
        },
      }),
    });
  } catch (error) {
    throw new TypeError(`${(error as Error).message} (option \`availability.url\`)`, { cause: error });
  }

  const state = (): AvailabilityState => {
    if (!source.settled) return 'loading';
    if (source.peek() === undefined) return 'failed';
    return source.status().lastError === null ? 'ok' : 'stale';
  };

  // Once a request has waited `coldWaitMs` in vain, later ones do not wait for that fetch again.
  let waitedInVain = false;
  return {
    keepUnlisted: options.keepUnlisted,
    current() {
      if (!closing.signal.aborted) source.refreshIfDue();
      return source.peek()?.value;
    },
    get ready() {
      return source.settled || waitedInVain;
    },
    async load() {
      if (closing.signal.aborted) return;
      const first = source.get();
      if (source.settled || waitedInVain || options.coldWaitMs === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          waitedInVain = true;
          resolve();
        }, options.coldWaitMs);
        timer.unref();
      });
      try {
        await Promise.race([first, gaveUp]);
      } finally {
        clearTimeout(timer);
      }
    },
    get state() {
      return state();
    },
    status() {
      const snapshot = source.peek();
      const status = source.status();
      return {
        format: options.format,
        credentials: 'operator',
        url: described.url,
        state: state(),
        models: snapshot?.value.models.length ?? null,
        from: source.from === null ? null : source.from === 'url' ? 'upstream' : 'store',
        loadedAt: status.loadedAt,
        lastError: status.lastError,
      };
    },
    idle: () => source.idle(),
    async close() {
      closing.abort();
      await source.idle();
    },
  };
}

/** The catalog's store settings as the lists' disk tier; none for a disabled catalog (no disk). */
export function availabilityStore(
  o: ResolvedCatalogOptions | undefined,
  clock: Clock,
  logger: Logger,
): CatalogStore | undefined {
  if (o === undefined || !o.enabled) return undefined;
  return new CatalogStore({
    cacheDir: o.cacheDir,
    store: o.store,
    timeoutMs: o.storeTimeoutMs,
    retryDelayMs: o.storeRetryDelayMs,
    logger,
    clock,
  });
}

/** The headers of one fetch: the operator's, checked, plus what the format needs. */
function credentialsOf(
  headers: AvailabilityHeaders | undefined,
  format: AvailabilityFormat,
): () => Promise<Readonly<Record<string, string>>> {
  const base: Record<string, string> =
    format === 'anthropic' ? { 'anthropic-version': ANTHROPIC_VERSION } : {};
  return async () => {
    if (headers === undefined) return base;
    let given: unknown;
    try {
      given = await headers();
    } catch (error) {
      // Its message may quote what it was reading: keep only the error's class.
      throw new ModelsError(
        `option \`availability.headers\` threw ${(error as Error | null)?.name ?? typeof error}`,
      );
    }
    if (typeof given !== 'object' || given === null)
      throw new ModelsError('option `availability.headers` returned no headers object');
    const merged: Record<string, string> = { ...base };
    for (const [name, value] of Object.entries(given)) {
      if (typeof value !== 'string')
        throw new ModelsError(`option \`availability.headers\` returned a non-string \`${name}\``);
      merged[name] = value;
    }
    return merged;
  };
}

function parserOf(format: AvailabilityFormat): (bytes: Buffer, url: string) => AvailableList {
  if (format === 'openai') return parseOpenAIList;
  if (format === 'codex') return parseCodexList;
  return (bytes, url) => unique(parseAnthropicPage(bytes, url).models);
}

/** One refresh: a conditional GET, or Anthropic's pages one after another. */
async function readList(
  source: Source,
  validators: Validators,
  format: AvailabilityFormat,
  credentials: () => Promise<Readonly<Record<string, string>>>,
  signal: AbortSignal,
): Promise<ReadResult<AvailableList>> {
  const headers = await credentials();
  if (format !== 'anthropic') {
    const result = await source.fetch(validators, signal, { headers });
    if (result.status !== 'ok') return result;
    const value = parserOf(format)(result.body, source.url);
    return { status: 'ok', value, etag: result.etag, lastModified: result.lastModified };
  }
  const models: AvailableModel[] = [];
  const seen = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(source.url);
    url.searchParams.set('limit', String(PAGE_LIMIT));
    if (after !== undefined) url.searchParams.set('after_id', after);
    const result = await source.fetch(undefined, signal, { url: url.href, headers });
    // Without validators the source never reports not-modified; a 304 anyway is a broken upstream.
    if (result.status !== 'ok') throw new InvalidDocumentError(url.href, 'answered 304 to a plain GET');
    const parsed = parseAnthropicPage(result.body, url.href);
    models.push(...parsed.models);
    if (parsed.next === undefined) return { status: 'ok', value: unique(models) };
    if (seen.has(parsed.next))
      throw new InvalidDocumentError(url.href, `page cursor \`${parsed.next}\` repeats`);
    seen.add(parsed.next);
    after = parsed.next;
  }
  throw new InvalidDocumentError(source.url, `more than ${MAX_PAGES} pages`);
}

/** The same shrunken list this many times in a row is the account's answer, not a glitch. */
const SHRINK_CONFIRMATIONS = 3;

/**
 * An empty list is refused; so is one under half the last good one (a broken answer), unless the
 * upstream gives exactly that list {@link SHRINK_CONFIRMATIONS} times in a row: a key that lost
 * access must not be served its old list forever.
 */
function sanityCheck(): (next: AvailableList, prev: AvailableList | undefined) => void {
  let shrunk: { readonly ids: string; times: number } | undefined;
  return (next, prev) => {
    const count = next.models.length;
    if (count === 0) throw new InvalidDocumentError('model list', 'lists no models');
    if (prev === undefined || count >= prev.models.length / 2) {
      shrunk = undefined;
      return;
    }
    const ids = next.models.map((model) => model.id).join('\n');
    shrunk = shrunk?.ids === ids ? { ids, times: shrunk.times + 1 } : { ids, times: 1 };
    if (shrunk.times >= SHRINK_CONFIRMATIONS) {
      shrunk = undefined;
      return;
    }
    throw new InvalidDocumentError(
      'model list',
      `lists only ${count} models, the last good list had ${prev.models.length} (taken if it says so ${SHRINK_CONFIRMATIONS} times in a row)`,
    );
  };
}

function canonical(headers: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.entries(headers)
      .map(([name, value]) => [name.toLowerCase(), value])
      .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1)),
  );
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

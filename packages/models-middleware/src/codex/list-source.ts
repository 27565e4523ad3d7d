/**
 * A model list kept from one place, a local file or an upstream URL, with the last good copy held
 * through every fault: a file that goes missing or is half-written, an upstream that fails or
 * answers garbage. Generic over what the bytes become (`parse`), so the other upstream lists
 * (OpenAI's and Anthropic's `/v1/models`) can reuse it.
 *
 * - file: `stat` on every `get()`; the file is read again only when its `mtimeMs` or `size`
 *   changed (a bad file is not parsed again until it changes either).
 * - url: fetched through `createSource` (deadline, size cap, conditional request); fresh for
 *   `ttlMs`, then refreshed in the background while the held copy is served; after a failure the
 *   next try waits `retryDelayMs`. Only the first load is awaited.
 *
 * `get()` never rejects: a fault is recorded in `status()` and logged once per distinct reason.
 */
import { readFile, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Clock } from '../clock.js';
import { BodyTooLargeError, describeError, UpstreamHttpError, UpstreamNetworkError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PACKAGE_NAME } from '../package-name.js';
import { createSource, type Source, type Validators } from '../source.js';

export interface ListSnapshot<T> {
  readonly value: T;
  /** When these bytes were read (Unix ms). */
  readonly loadedAt: number;
  /** Bumped whenever the value is replaced, so derived bodies know when to rebuild. */
  readonly version: number;
}

interface ListSourceStatus {
  readonly kind: 'file' | 'url';
  /** The file path or the URL. */
  readonly location: string;
  /** When the held copy was read (ISO), `null` when there is none. */
  readonly loadedAt: string | null;
  /** The last fault, kept until a read succeeds; the held copy (if any) is still served. */
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

export interface ListSource<T> {
  readonly kind: 'file' | 'url';
  readonly location: string;
  /** The current copy, looked at again as described above. Never rejects. */
  get(): Promise<ListSnapshot<T> | undefined>;
  /** The held copy, without looking again. */
  peek(): ListSnapshot<T> | undefined;
  status(): ListSourceStatus;
  /** Resolves when no read or background refresh is under way. */
  idle(): Promise<void>;
}

export interface ListSourceOptions<T> {
  readonly parse: (bytes: Buffer, location: string) => T;
  readonly clock: Clock;
  readonly logger: Logger;
  /** What the log lines call this list (`codex models`). */
  readonly label: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export interface UrlListSourceOptions<T> extends ListSourceOptions<T> {
  readonly ttlMs: number;
  readonly retryDelayMs: number;
  /**
   * How one refresh reads the list (several pages, credentials). Rejects with the source's typed
   * errors. @default one conditional GET of the URL, its body given to `parse`
   */
  readonly read?: (source: Source, validators: Validators) => Promise<ReadResult<T>>;
  /** Throws (InvalidDocumentError) when `next` may not replace the last good value. @default none */
  readonly check?: (next: T, prev: T | undefined) => void;
  /** A shared tier read before the first fetch and written after each new value. @default none */
  readonly store?: ListStore<T>;
  /** Told of every value taken (from the URL or the store) and every failed refresh. @default none */
  readonly onLoaded?: (value: T, from: 'store' | 'url') => void;
  readonly onFailed?: (error: Error) => void;
}

export type ReadResult<T> =
  | {
      readonly status: 'ok';
      readonly value: T;
      readonly etag?: string | undefined;
      readonly lastModified?: string | undefined;
    }
  | { readonly status: 'not-modified' };

/** A cache tier under the held copy. Both calls never reject (a store fault is a miss). */
interface ListStore<T> {
  read(): Promise<{ readonly value: T; readonly loadedAt: number } | undefined>;
  write(value: T, loadedAt: number): Promise<void>;
}

/** A URL list: the held copy also comes from the store tier, and refreshes can be nudged. */
export interface UrlListSource<T> extends ListSource<T> {
  /** Where the held copy came from; `null` when there is none. */
  readonly from: 'store' | 'url' | null;
  /** Has the first load (store, then URL) settled, whether or not it got a copy? */
  readonly settled: boolean;
  /** Starts a background refresh when one is due; never waits, never throws. */
  refreshIfDue(): void;
}

/** Shared bookkeeping: the held copy, the last fault, logging each distinct fault once. */
function createState<T>(kind: 'file' | 'url', location: string, options: ListSourceOptions<T>) {
  const { clock, logger, label } = options;
  let snapshot: ListSnapshot<T> | undefined;
  let lastError: { message: string; at: string } | null = null;
  let loggedReason: string | undefined;
  let version = 0;
  return {
    get snapshot() {
      return snapshot;
    },
    accept(value: T, loadedAt = clock.now()): void {
      snapshot = Object.freeze({ value, loadedAt, version: ++version });
      lastError = null;
      loggedReason = undefined;
      logger.info({ [kind]: location }, `${PACKAGE_NAME}: ${label} loaded`);
    },
    fail(error: unknown): void {
      const message = describeError(error);
      lastError = { message, at: new Date(clock.now()).toISOString() };
      if (message === loggedReason) return;
      loggedReason = message;
      const kept = snapshot === undefined ? 'none held' : 'keeping the last good copy';
      logger.warn({ [kind]: location, err: message }, `${PACKAGE_NAME}: ${label} unavailable (${kept})`);
    },
    status(): ListSourceStatus {
      return {
        kind,
        location,
        loadedAt: snapshot === undefined ? null : new Date(snapshot.loadedAt).toISOString(),
        lastError,
      };
    },
  };
}

export function createFileListSource<T>(filePath: string, options: ListSourceOptions<T>): ListSource<T> {
  const state = createState('file', filePath, options);
  const url = pathToFileURL(filePath).href;
  // `mtimeMs:size` of the bytes last read (good or bad), so an unchanged file is not read again.
  let readKey: string | undefined;
  let inflight: Promise<void> | undefined;

  async function check(): Promise<void> {
    try {
      const stats = await stat(filePath);
      if (!stats.isFile()) throw new UpstreamNetworkError(url, 'not a regular file');
      const key = `${stats.mtimeMs}:${stats.size}`;
      if (key === readKey) return;
      readKey = key;
      if (stats.size > options.maxBytes) throw new BodyTooLargeError(url, options.maxBytes);
      const bytes = await readFile(filePath);
      state.accept(options.parse(bytes, url));
    } catch (error) {
      // A file that vanished and comes back must be read even if it matches the old key.
      if ((error as { code?: unknown }).code === 'ENOENT') {
        readKey = undefined;
        state.fail(new UpstreamNetworkError(url, 'no such file', { cause: error }));
        return;
      }
      state.fail(error);
    }
  }

  return Object.freeze({
    kind: 'file' as const,
    location: filePath,
    async get() {
      inflight ??= check().finally(() => {
        inflight = undefined;
      });
      await inflight;
      return state.snapshot;
    },
    peek: () => state.snapshot,
    status: () => state.status(),
    idle: async () => {
      await inflight;
    },
  });
}

export function createUrlListSource<T>(url: string, options: UrlListSourceOptions<T>): UrlListSource<T> {
  const source = createSource(url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes });
  const state = createState('url', source.url, options);
  const { clock, store, check } = options;
  const read =
    options.read ??
    (async (from: Source, validators: Validators): Promise<ReadResult<T>> => {
      const result = await from.fetch(validators);
      if (result.status !== 'ok') return result;
      return { ...result, value: options.parse(result.body, from.url) };
    });
  let validators: Validators = {};
  let nextAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;
  let from: 'store' | 'url' | null = null;
  let settled = false;
  let storeTried = store === undefined;

  async function fromStore(): Promise<boolean> {
    storeTried = true;
    const stored = await store?.read();
    if (stored === undefined) return false;
    check?.(stored.value, undefined);
    state.accept(stored.value, stored.loadedAt);
    from = 'store';
    nextAt = stored.loadedAt + options.ttlMs;
    options.onLoaded?.(stored.value, 'store');
    return true;
  }

  /** One refresh; `true` when it only read a stale stored copy and the URL is due next. */
  async function refresh(): Promise<boolean> {
    try {
      // A stored copy answers the first request at once; a stale one is renewed in the background.
      if (!storeTried && (await fromStore().catch(() => false))) return clock.now() >= nextAt;
      const result = await read(source, validators);
      if (result.status === 'ok') {
        check?.(result.value, state.snapshot?.value);
        validators = { etag: result.etag, lastModified: result.lastModified };
        state.accept(result.value);
        from = 'url';
        options.onLoaded?.(result.value, 'url');
        await store?.write(result.value, clock.now());
      }
      nextAt = clock.now() + options.ttlMs;
    } catch (error) {
      // A 429/503 that says when to come back is not asked again before then.
      const retryAfter = error instanceof UpstreamHttpError ? (error.retryAfterMs ?? 0) : 0;
      nextAt = clock.now() + Math.max(options.retryDelayMs, retryAfter);
      state.fail(error);
      options.onFailed?.(error instanceof Error ? error : new Error(String(error)));
    } finally {
      settled = true;
    }
    return false;
  }

  const refreshIfDue = (): void => {
    if (inflight === undefined && clock.now() >= nextAt) {
      // A host logger that throws while a fault is logged must not leave a rejection behind.
      inflight = refresh()
        .catch(() => false)
        .then((again) => {
          inflight = undefined;
          if (again) refreshIfDue();
        });
    }
  };

  return Object.freeze({
    kind: 'url' as const,
    location: source.url,
    get from() {
      return from;
    },
    get settled() {
      return settled;
    },
    refreshIfDue,
    async get() {
      refreshIfDue();
      // Only a first load is waited for; after that the held copy answers while a refresh runs.
      if (state.snapshot === undefined) await inflight;
      return state.snapshot;
    },
    peek: () => state.snapshot,
    status: () => state.status(),
    idle: async () => {
      while (inflight !== undefined) await inflight;
    },
  });
}

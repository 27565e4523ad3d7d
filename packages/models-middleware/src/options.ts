import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Keyv, KeyvStoreAdapter } from 'keyv';
import { type Clock, systemClock } from './clock.js';
import { type Logger, silentLogger } from './logger.js';
import { PACKAGE_NAME } from './package-name.js';
import type { ModelCard } from './types.js';

/** LiteLLM's catalog, updated upstream many times a day. */
export const DEFAULT_SOURCE_URL =
  'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';
/** How long a fetched document counts as fresh: 24 hours (ccproxy's `models_cache_ttl_hours`). */
export const DEFAULT_TTL = 24 * 60 * 60 * 1000;
/** How long the in-memory copy is trusted before the disk tier is consulted again: 1 hour. */
export const DEFAULT_MEMORY_TTL = 60 * 60 * 1000;
/** Whole-fetch deadline: 30 seconds (ccproxy's `models_fetch_timeout`). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Cap on the decompressed document: 32 MiB (the real one is about 1.7 MB). */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** A document with fewer valid models than this is treated as a failed fetch. */
export const DEFAULT_MIN_MODELS = 50;
/** Deadline for one cache-store call; a store slower than this is treated as failed. */
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** After a failed store call, leave the store alone this long, then try it again: 30 s. */
export const DEFAULT_STORE_RETRY_DELAY_MS = 30_000;
/** After a failed refresh, wait this long before the next background attempt. */
export const DEFAULT_RETRY_DELAY_MS = 60_000;
/** Modes listed by default: Codex and the `-pro` models are `responses`, not `chat`. */
export const DEFAULT_MODES: readonly string[] = Object.freeze(['chat', 'responses']);
/** How long a cold request waits for the first fetch when the snapshot could answer: 2 s. */
export const DEFAULT_COLD_WAIT_MS = 2_000;
/** `Cache-Control: max-age` of list and retrieve responses, in seconds. */
export const DEFAULT_MAX_AGE_SECONDS = 60;

/** Options of {@link createCatalog}. Every field is optional. */
export interface CatalogOptions {
  /**
   * Where the LiteLLM document comes from: an `http:`/`https:` URL, a `file:` URL or a local path
   * (a `.gz` file is inflated).
   * @default DEFAULT_SOURCE_URL
   */
  url?: string;
  /**
   * `false` (ccproxy's `dynamic_models_enabled = false`) serves only the routers' `fallback` cards
   * and touches neither network nor disk.
   * @default true
   */
  enabled?: boolean;
  /**
   * Milliseconds a fetched document stays fresh. Past it the copy is still served while one
   * background refresh runs. Must be a positive integer.
   * @default DEFAULT_TTL (24 h)
   */
  ttl?: number;
  /**
   * Milliseconds the in-memory copy is used before the disk copy is read again (so processes
   * sharing a cache directory pick up each other's refreshes).
   * @default DEFAULT_MEMORY_TTL (1 h)
   */
  memoryTtl?: number;
  /** Whole-fetch deadline in milliseconds, 1..600000. @default DEFAULT_TIMEOUT_MS (30 s) */
  timeoutMs?: number;
  /** Largest accepted (decompressed) document in bytes. @default DEFAULT_MAX_BYTES (32 MiB) */
  maxBytes?: number;
  /**
   * Sanity check: a document with fewer valid models is rejected; so is one that lists no model
   * for a provider the last good document had. `0` turns the count check off.
   * @default DEFAULT_MIN_MODELS (50)
   */
  minModels?: number;
  /**
   * Directory of the SQLite cache (`<cacheDir>/models.sqlite`), created when missing. `false`
   * keeps the catalog in memory only. Ignored when `store` is given.
   * @default `$XDG_CACHE_HOME/ccproxy/models`, else `~/.cache/ccproxy/models`
   */
  cacheDir?: string | false;
  /**
   * A Keyv instance or Keyv store used instead of SQLite. With `@keyv/redis` a fleet shares one
   * copy and one refresh per TTL (a `SET NX PX` lease through the client the store holds) and
   * adopts new versions as they are announced on pub/sub. Any other Keyv store shares the copy;
   * its lease is best effort (get, then set). A `Map` serves one process (tests). The package's
   * keys start with `ccproxy-models:` inside the Keyv's own namespace.
   */
  store?: Keyv | KeyvStoreAdapter | Map<unknown, unknown>;
  /** Deadline of one store call in milliseconds. @default DEFAULT_STORE_TIMEOUT_MS (2 s) */
  storeTimeoutMs?: number;
  /**
   * After a failed store call (timeout, `SQLITE_BUSY`, a throw), the store is left alone this many
   * milliseconds, then tried again; the first call that succeeds makes it `ok` again. `0` tries
   * again on the next call.
   * @default DEFAULT_STORE_RETRY_DELAY_MS (30 s)
   */
  storeRetryDelayMs?: number;
  /**
   * Serve the LiteLLM snapshot shipped inside the package when no cached copy exists and the
   * upstream cannot be reached.
   * @default true
   */
  snapshot?: boolean;
  /** Refresh in the background every so many milliseconds; `0` turns it off. @default 0 */
  refreshIntervalMs?: number;
  /** Pause after a failed refresh before the next background attempt, in ms. @default DEFAULT_RETRY_DELAY_MS (60 s) */
  retryDelayMs?: number;
  /**
   * Providers the sanity check protects: a document that lists none of a provider's models while
   * the last good one did is rejected. A router's own catalog protects the router's provider.
   * @default []
   */
  providers?: readonly string[];
  /**
   * How long a request that finds nothing cached waits for the first fetch before the shipped
   * snapshot answers instead, in ms (the fetch goes on and replaces it when it lands). Claude
   * Code gives up on model discovery after about 3 s. `0` answers from the snapshot at once.
   * @default DEFAULT_COLD_WAIT_MS (2 s)
   */
  coldWaitMs?: number;
  /** pino-compatible logger. @default silent */
  logger?: Logger;
  /** Time source; tests inject one instead of sleeping. @default Date.now */
  clock?: Clock;
}

/** A fallback model: only `id` is required; the rest is completed from the router's provider. */
export type FallbackModel = Partial<ModelCard> & { readonly id: string };

// ---------------------------------------------------------------------------------------------
// Validation: options are checked once, in the factory, and every message names the option.

const PKG = PACKAGE_NAME;

export function checkObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${PKG}: ${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

/** Rejects keys that are not options: a typo (`ttlMs` for `ttl`) must not be silently ignored. */
export function checkKnownKeys(
  options: Record<string, unknown>,
  known: ReadonlySet<string>,
  what: string,
): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new TypeError(`${PKG}: unknown ${what} option \`${key}\` (known: ${[...known].join(', ')})`);
    }
  }
}

export function checkInteger(
  name: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${PKG}: option \`${name}\` must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new RangeError(`${PKG}: option \`${name}\` must be ${range}, got ${value}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${PKG}: option \`${name}\` must be a boolean, got ${describe(value)}`);
  }
  return value;
}

export function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${PKG}: option \`${name}\` must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function checkStringList(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw new TypeError(
      `${PKG}: option \`${name}\` must be an array of non-empty strings, got ${describe(value)}`,
    );
  }
  return Object.freeze([...value]);
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(
      `${PKG}: option \`${name}\` must be one of ${allowed.join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

export function checkMethods<T>(name: string, value: unknown, methods: readonly string[]): T {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');
  if (!ok) throw new TypeError(`${PKG}: option \`${name}\` must have the methods ${methods.join(', ')}`);
  return value as T;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** The cache directory used when `cacheDir` is not given: `$XDG_CACHE_HOME/ccproxy/models`, else `~/.cache/ccproxy/models`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'ccproxy', 'models');
}

const DAY_MS = 86_400_000;

/** One option: its default (a function when computed at resolve time) and its check. */
interface OptionSpec<T> {
  readonly fallback: T | (() => T);
  readonly check: (name: string, value: unknown) => T;
}

const spec = <T>(fallback: T | (() => T), check: (name: string, value: unknown) => T): OptionSpec<T> => ({
  fallback,
  check,
});
const integer = (min: number, max?: number) => (name: string, value: unknown) =>
  checkInteger(name, value, min, max);
const methods =
  <T>(...names: string[]) =>
  (name: string, value: unknown) =>
    checkMethods<T>(name, value, names);

/**
 * Every catalog option: key, default and check, in one place. The resolved type, the known keys
 * and `resolveCatalogOptions` are derived from it; `CatalogOptions` above documents each one.
 */
const CATALOG_OPTIONS = {
  url: spec(DEFAULT_SOURCE_URL, checkString),
  enabled: spec(true, checkBoolean),
  ttl: spec(DEFAULT_TTL, integer(1, 365 * DAY_MS)),
  memoryTtl: spec(DEFAULT_MEMORY_TTL, integer(1, 365 * DAY_MS)),
  timeoutMs: spec(DEFAULT_TIMEOUT_MS, integer(1, 600_000)),
  maxBytes: spec(DEFAULT_MAX_BYTES, integer(1)),
  minModels: spec(DEFAULT_MIN_MODELS, integer(0)),
  cacheDir: spec<string | false>(
    () => defaultCacheDir(),
    (name, value) => (value === false ? false : checkString(name, value)),
  ),
  store: spec<CatalogOptions['store']>(undefined, (name, value) =>
    value instanceof Map ? value : methods<NonNullable<CatalogOptions['store']>>('get', 'set')(name, value),
  ),
  storeTimeoutMs: spec(DEFAULT_STORE_TIMEOUT_MS, integer(1, 600_000)),
  storeRetryDelayMs: spec(DEFAULT_STORE_RETRY_DELAY_MS, integer(0, DAY_MS)),
  snapshot: spec(true, checkBoolean),
  refreshIntervalMs: spec(0, integer(0, 365 * DAY_MS)),
  retryDelayMs: spec(DEFAULT_RETRY_DELAY_MS, integer(0, DAY_MS)),
  providers: spec<readonly string[]>(Object.freeze([]), checkStringList),
  coldWaitMs: spec(DEFAULT_COLD_WAIT_MS, integer(0, 600_000)),
  logger: spec<Logger>(silentLogger, methods<Logger>('debug', 'info', 'warn', 'error')),
  clock: spec<Clock>(systemClock, methods<Clock>('now')),
} satisfies { readonly [K in keyof Required<CatalogOptions>]: OptionSpec<unknown> };

/** Catalog options with every default applied; frozen. */
export type ResolvedCatalogOptions = {
  readonly [K in keyof typeof CATALOG_OPTIONS]: ReturnType<(typeof CATALOG_OPTIONS)[K]['check']>;
};

export const CATALOG_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(CATALOG_OPTIONS));

/** Validates catalog options once (unknown keys too); throws TypeError/RangeError naming the option. */
export function resolveCatalogOptions(options: CatalogOptions): ResolvedCatalogOptions {
  const given = checkObject(options, 'catalog options');
  checkKnownKeys(given, CATALOG_OPTION_KEYS, 'catalog');
  const resolved: Record<string, unknown> = {};
  for (const [key, { fallback, check }] of Object.entries(CATALOG_OPTIONS) as Array<
    [string, OptionSpec<unknown>]
  >) {
    const value = given[key];
    resolved[key] =
      value !== undefined ? check(key, value) : typeof fallback === 'function' ? fallback() : fallback;
  }
  return Object.freeze(resolved) as ResolvedCatalogOptions;
}

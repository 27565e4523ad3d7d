import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Keyv, KeyvStoreAdapter } from 'keyv';
import { type Clock, systemClock } from './clock.js';
import { type Logger, silentLogger } from './logger.js';
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
  /** A Keyv instance or Keyv store (Redis for a fleet, a Map for tests) used instead of SQLite. */
  store?: Keyv | KeyvStoreAdapter | Map<unknown, unknown>;
  /** Deadline of one store call in milliseconds. @default DEFAULT_STORE_TIMEOUT_MS (2 s) */
  storeTimeoutMs?: number;
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

export type ResponseFormat = 'auto' | 'openai' | 'anthropic' | 'codex';

// ---------------------------------------------------------------------------------------------
// Validation: options are checked once, in the factory, and every message names the option.

const PKG = '@ccproxy/models-middleware';

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

export function checkStringList(name: string, value: unknown): readonly string[] {
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

export const CATALOG_OPTION_KEYS: ReadonlySet<string> = new Set([
  'url',
  'enabled',
  'ttl',
  'memoryTtl',
  'timeoutMs',
  'maxBytes',
  'minModels',
  'cacheDir',
  'store',
  'storeTimeoutMs',
  'snapshot',
  'refreshIntervalMs',
  'retryDelayMs',
  'providers',
  'coldWaitMs',
  'logger',
  'clock',
]);

/** Catalog options with every default applied; frozen. */
export interface ResolvedCatalogOptions {
  readonly url: string;
  readonly enabled: boolean;
  readonly ttl: number;
  readonly memoryTtl: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly minModels: number;
  readonly cacheDir: string | false;
  readonly store: CatalogOptions['store'];
  readonly storeTimeoutMs: number;
  readonly snapshot: boolean;
  readonly refreshIntervalMs: number;
  readonly retryDelayMs: number;
  readonly providers: readonly string[];
  readonly coldWaitMs: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

const DAY_MS = 86_400_000;

/** Validates catalog options once; throws TypeError/RangeError naming the option. */
export function resolveCatalogOptions(options: CatalogOptions): ResolvedCatalogOptions {
  const o = options as Record<string, unknown>;
  const store = o.store;
  if (store !== undefined && !(store instanceof Map)) checkMethods('store', store, ['get', 'set']);
  const cacheDir =
    o.cacheDir === undefined
      ? defaultCacheDir()
      : o.cacheDir === false
        ? false
        : checkString('cacheDir', o.cacheDir);
  return Object.freeze({
    url: o.url === undefined ? DEFAULT_SOURCE_URL : checkString('url', o.url),
    enabled: o.enabled === undefined ? true : checkBoolean('enabled', o.enabled),
    ttl: o.ttl === undefined ? DEFAULT_TTL : checkInteger('ttl', o.ttl, 1, 365 * DAY_MS),
    memoryTtl:
      o.memoryTtl === undefined
        ? DEFAULT_MEMORY_TTL
        : checkInteger('memoryTtl', o.memoryTtl, 1, 365 * DAY_MS),
    timeoutMs:
      o.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkInteger('timeoutMs', o.timeoutMs, 1, 600_000),
    maxBytes: o.maxBytes === undefined ? DEFAULT_MAX_BYTES : checkInteger('maxBytes', o.maxBytes, 1),
    minModels: o.minModels === undefined ? DEFAULT_MIN_MODELS : checkInteger('minModels', o.minModels, 0),
    cacheDir,
    store: store as CatalogOptions['store'],
    storeTimeoutMs:
      o.storeTimeoutMs === undefined
        ? DEFAULT_STORE_TIMEOUT_MS
        : checkInteger('storeTimeoutMs', o.storeTimeoutMs, 1, 600_000),
    snapshot: o.snapshot === undefined ? true : checkBoolean('snapshot', o.snapshot),
    refreshIntervalMs:
      o.refreshIntervalMs === undefined
        ? 0
        : checkInteger('refreshIntervalMs', o.refreshIntervalMs, 0, 365 * DAY_MS),
    retryDelayMs:
      o.retryDelayMs === undefined
        ? DEFAULT_RETRY_DELAY_MS
        : checkInteger('retryDelayMs', o.retryDelayMs, 0, DAY_MS),
    providers: o.providers === undefined ? Object.freeze([]) : checkStringList('providers', o.providers),
    coldWaitMs:
      o.coldWaitMs === undefined
        ? DEFAULT_COLD_WAIT_MS
        : checkInteger('coldWaitMs', o.coldWaitMs, 0, 600_000),
    logger:
      o.logger === undefined
        ? silentLogger
        : checkMethods<Logger>('logger', o.logger, ['debug', 'info', 'warn', 'error']),
    clock: o.clock === undefined ? systemClock : checkMethods<Clock>('clock', o.clock, ['now']),
  });
}

import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { silentLogger } from './logger.js';
import {
  DEFAULT_COLD_WAIT_MS,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MEMORY_TTL,
  DEFAULT_MIN_MODELS,
  DEFAULT_MODES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_SOURCE_URL,
  DEFAULT_STORE_RETRY_DELAY_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTL,
  defaultCacheDir,
  resolveCatalogOptions,
} from './options.js';

describe('defaults', () => {
  it('pins every default', () => {
    expect({
      DEFAULT_SOURCE_URL,
      DEFAULT_TTL,
      DEFAULT_MEMORY_TTL,
      DEFAULT_TIMEOUT_MS,
      DEFAULT_MAX_BYTES,
      DEFAULT_MIN_MODELS,
      DEFAULT_STORE_TIMEOUT_MS,
      DEFAULT_STORE_RETRY_DELAY_MS,
      DEFAULT_RETRY_DELAY_MS,
      DEFAULT_MODES,
      DEFAULT_MAX_AGE_SECONDS,
      DEFAULT_COLD_WAIT_MS,
    }).toEqual({
      DEFAULT_SOURCE_URL: expect.any(String),
      DEFAULT_TTL: 86_400_000,
      DEFAULT_MEMORY_TTL: 3_600_000,
      DEFAULT_TIMEOUT_MS: 30_000,
      DEFAULT_MAX_BYTES: 33_554_432,
      DEFAULT_MIN_MODELS: 50,
      DEFAULT_STORE_TIMEOUT_MS: 2_000,
      DEFAULT_STORE_RETRY_DELAY_MS: 30_000,
      DEFAULT_RETRY_DELAY_MS: 60_000,
      DEFAULT_MODES: ['chat', 'responses'],
      DEFAULT_MAX_AGE_SECONDS: 60,
      DEFAULT_COLD_WAIT_MS: 2_000,
    });
    expect(resolveCatalogOptions({})).toEqual({
      url: DEFAULT_SOURCE_URL,
      enabled: true,
      ttl: DEFAULT_TTL,
      memoryTtl: DEFAULT_MEMORY_TTL,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      maxBytes: DEFAULT_MAX_BYTES,
      minModels: DEFAULT_MIN_MODELS,
      cacheDir: defaultCacheDir(),
      store: undefined,
      storeTimeoutMs: DEFAULT_STORE_TIMEOUT_MS,
      storeRetryDelayMs: DEFAULT_STORE_RETRY_DELAY_MS,
      snapshot: true,
      refreshIntervalMs: 0,
      retryDelayMs: DEFAULT_RETRY_DELAY_MS,
      providers: [],
      coldWaitMs: DEFAULT_COLD_WAIT_MS,
      logger: silentLogger,
      clock: systemClock,
    });
    expect(Object.isFrozen(resolveCatalogOptions({}))).toBe(true);
    expect(Object.isFrozen(DEFAULT_MODES)).toBe(true);
  });

  it("points at LiteLLM's document on GitHub (pinned by its parts; no test fetches it)", () => {
    const url = new URL(DEFAULT_SOURCE_URL);
    expect([url.protocol, url.host, url.pathname]).toEqual([
      'https:',
      ['raw', 'githubusercontent', 'com'].join('.'),
      '/BerriAI/litellm/main/model_prices_and_context_window.json',
    ]);
  });

  it('puts the cache under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe(join('/x/cache', 'ccproxy', 'models'));
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'ccproxy', 'models'));
    expect(defaultCacheDir({ XDG_CACHE_HOME: ' ' })).toBe(join(homedir(), '.cache', 'ccproxy', 'models'));
  });
});

describe('resolveCatalogOptions', () => {
  it.each([
    [{ url: '' }, TypeError, /`url`/],
    [{ enabled: 'yes' }, TypeError, /`enabled`/],
    [{ ttl: 0 }, RangeError, /`ttl` must be 1\.\./],
    [{ ttl: 1.5 }, TypeError, /`ttl` must be an integer/],
    [{ memoryTtl: -5 }, RangeError, /`memoryTtl`/],
    [{ timeoutMs: 600_001 }, RangeError, /`timeoutMs` must be 1\.\.600000/],
    [{ maxBytes: '32MB' }, TypeError, /`maxBytes`/],
    [{ minModels: -1 }, RangeError, /`minModels`/],
    [{ cacheDir: '' }, TypeError, /`cacheDir`/],
    [{ cacheDir: true }, TypeError, /`cacheDir`/],
    [{ store: 'redis://x' }, TypeError, /`store`/],
    [{ storeTimeoutMs: 0 }, RangeError, /`storeTimeoutMs`/],
    [{ storeRetryDelayMs: -1 }, RangeError, /`storeRetryDelayMs`/],
    [{ storeRetryDelayMs: '30s' }, TypeError, /`storeRetryDelayMs`/],
    [{ ttlMs: 5 }, TypeError, /unknown catalog option `ttlMs`/],
    [{ snapshot: 1 }, TypeError, /`snapshot`/],
    [{ refreshIntervalMs: -1 }, RangeError, /`refreshIntervalMs`/],
    [{ retryDelayMs: Number.NaN }, TypeError, /`retryDelayMs`/],
    [{ logger: { info() {} } }, TypeError, /`logger`/],
    [{ clock: () => 0 }, TypeError, /`clock`/],
  ])('rejects %j naming the option', (options, type, message) => {
    expect(() => resolveCatalogOptions(options as never)).toThrow(type);
    expect(() => resolveCatalogOptions(options as never)).toThrow(message);
  });

  it('accepts cacheDir false, a Map store and 0 for the switches that allow it', () => {
    const o = resolveCatalogOptions({
      cacheDir: false,
      store: new Map(),
      minModels: 0,
      refreshIntervalMs: 0,
      retryDelayMs: 0,
    });
    expect(o.cacheDir).toBe(false);
    expect(o.store).toBeInstanceOf(Map);
  });
});

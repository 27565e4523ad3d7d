/**
 * Where Codex entries come from. Only an authoritative Codex source will do, because an entry's
 * `base_instructions` (or `model_messages.instructions_template`) becomes Codex's whole system
 * prompt for that model and a served entry wins over Codex's built-in one for the same slug:
 *
 * - Codex's own models cache, which Codex writes from OpenAI's catalog:
 *   `$CODEX_HOME/models_cache.json`, else `~/.codex/models_cache.json` (the default);
 * - an upstream Codex catalog answering `{"models": [ModelInfo...]}`, when `url` is configured.
 *
 * With neither, there is no source and the dialect serves an empty list.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { checkInteger, checkKnownKeys, checkObject, checkString } from '../options.js';
import { PACKAGE_NAME } from '../package-name.js';
import { createFileListSource, createUrlListSource, type ListSource } from './list-source.js';
import { type CodexModelList, parseCodexModels } from './model-info.js';

/** The router's `codex` option. */
export interface CodexSourceOptions {
  /**
   * Codex's models cache file. `false` reads no file. Ignored when `url` is given.
   * @default defaultCodexCacheFile(): `$CODEX_HOME/models_cache.json`, else `~/.codex/models_cache.json`
   */
  cacheFile?: string | false;
  /** An upstream Codex catalog (`{"models": [...]}`), used instead of the cache file. @default none */
  url?: string;
  /** Milliseconds a fetched catalog stays fresh. @default DEFAULT_CODEX_TTL_MS (300 s, Codex's own cache TTL) */
  ttlMs?: number;
  /**
   * Deadline of one catalog fetch, in ms. Codex gives up on its `/models` call after 5 s, and the
   * first fetch is waited for, so stay below that. @default DEFAULT_CODEX_TIMEOUT_MS (4 s)
   */
  timeoutMs?: number;
}

export const DEFAULT_CODEX_TTL_MS = 300_000;
export const DEFAULT_CODEX_TIMEOUT_MS = 4_000;
/** A real cache is a few hundred KB (every entry carries its prompts). */
export const CODEX_MAX_BYTES = 16 * 1024 * 1024;
/** After a failed fetch, wait at most this long before the next try. */
const RETRY_DELAY_MS = 60_000;
const CACHE_FILE_NAME = 'models_cache.json';
const KEYS: ReadonlySet<string> = new Set(['cacheFile', 'url', 'ttlMs', 'timeoutMs']);

export interface ResolvedCodexOptions {
  readonly cacheFile: string | false;
  readonly url: string | undefined;
  readonly ttlMs: number;
  readonly timeoutMs: number;
}

/** Where Codex keeps its models cache: `$CODEX_HOME/models_cache.json`, else `~/.codex/models_cache.json`. */
export function defaultCodexCacheFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const codexHome = env.CODEX_HOME;
  return join(
    codexHome !== undefined && codexHome !== '' ? codexHome : join(home, '.codex'),
    CACHE_FILE_NAME,
  );
}

/** Validates the router's `codex` option once; every message names the key (`codex.url`, ...). */
export function resolveCodexOptions(value: unknown): ResolvedCodexOptions {
  const o = value === undefined ? {} : checkObject(value, 'option `codex`');
  checkKnownKeys(o, KEYS, 'codex');
  if (o.url !== undefined && o.cacheFile !== undefined) {
    throw new TypeError(
      `${PACKAGE_NAME}: options \`codex.url\` and \`codex.cacheFile\` exclude each other; give one`,
    );
  }
  let cacheFile: string | false;
  if (o.cacheFile === false) cacheFile = false;
  else if (o.cacheFile === undefined) cacheFile = defaultCodexCacheFile();
  else cacheFile = checkString('codex.cacheFile', o.cacheFile);
  const url = o.url === undefined ? undefined : checkString('codex.url', o.url);
  return Object.freeze({
    cacheFile,
    url,
    ttlMs: o.ttlMs === undefined ? DEFAULT_CODEX_TTL_MS : checkInteger('codex.ttlMs', o.ttlMs, 1),
    timeoutMs:
      o.timeoutMs === undefined
        ? DEFAULT_CODEX_TIMEOUT_MS
        : checkInteger('codex.timeoutMs', o.timeoutMs, 1, 600_000),
  });
}

/** The configured source, or `undefined` when there is none (`cacheFile: false` and no `url`). */
export function createCodexSource(
  options: ResolvedCodexOptions,
  deps: { readonly clock: Clock; readonly logger: Logger },
): ListSource<CodexModelList> | undefined {
  const common = {
    parse: parseCodexModels,
    clock: deps.clock,
    logger: deps.logger,
    label: 'Codex model list',
    timeoutMs: options.timeoutMs,
    maxBytes: CODEX_MAX_BYTES,
  };
  if (options.url !== undefined) {
    // createSource throws TypeError for a URL it cannot fetch; name the option it came from.
    try {
      return createUrlListSource(options.url, {
        ...common,
        ttlMs: options.ttlMs,
        retryDelayMs: Math.min(options.ttlMs, RETRY_DELAY_MS),
      });
    } catch (error) {
      throw new TypeError(`${PACKAGE_NAME}: option \`codex.url\`: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (options.cacheFile === false) return undefined;
  return createFileListSource(options.cacheFile, common);
}

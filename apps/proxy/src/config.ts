/**
 * The proxy's configuration: a TOML file found the way ccproxy finds its own, overridden by
 * environment variables (`config-env.ts`), checked against the JSON Schema (`config-schema.ts`)
 * by Ajv once before anything listens, then turned into the typed, frozen {@link ProxyConfig}.
 */
import { readFileSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseToml, TomlError } from 'smol-toml';
import { applyEnv } from './config-env.js';
import { ConfigError, fromAjvError, wrongType } from './config-error.js';
import { findConfigFile, type LoadConfigOptions } from './config-file.js';
import { type PluginRules, pluginRules } from './config-rules.js';
import {
  allowedOf,
  CONFIG_SCHEMA,
  type LogLevel,
  type PluginName,
  type SchemaNode,
  schemaAt,
} from './config-schema.js';
import { PLUGINS } from './plugins.js';

export interface ServerConfig {
  readonly host: string;
  /** 0 asks the OS for a free port (the bound port is logged). */
  readonly port: number;
  readonly logLevel: LogLevel;
}

/** `[plugins.<name>.availability]`: the provider's own model list, when `url` is set. */
export interface AvailabilityConfig {
  readonly url: string;
  readonly format: 'openai' | 'anthropic' | 'codex';
  /** The environment variable holding the key; `undefined` sends none. Checked set at start-up. */
  readonly apiKeyEnv: string | undefined;
  /** Seconds a fetched list stays fresh. */
  readonly ttlSeconds: number;
  readonly keepUnlisted: boolean;
}

export interface PluginConfig {
  readonly name: PluginName;
  readonly enabled: boolean;
  /** Path prefix the models router is mounted at, without a trailing slash. */
  readonly mount: string;
  /** `false` serves only the built-in fallback cards, with no network or disk access. */
  readonly dynamicModelsEnabled: boolean;
  /** http(s) or file URL, or an absolute path; `undefined` uses the package's default (LiteLLM on GitHub). */
  readonly modelsSourceUrl: string | undefined;
  /** Absolute path; `undefined` uses the package's default cache directory. */
  readonly modelsCacheDir: string | undefined;
  readonly modelsCacheTtlHours: number;
  /** Seconds. */
  readonly modelsFetchTimeout: number;
  /** 0 = off. */
  readonly modelsRefreshIntervalMinutes: number;
  /** `[plugins.<name>.models]`: include / exclude / overrides / extra / aliases, for the plugin's router. */
  readonly models: PluginRules;
  /** `undefined` when `[plugins.<name>.availability]` sets no `url`. */
  readonly availability: AvailabilityConfig | undefined;
}

export interface CacheConfig {
  /** `[cache] redis_url`: one Redis shared by both plugins and every process; `undefined`: SQLite per plugin. */
  readonly redisUrl: string | undefined;
}

export interface ProxyConfig {
  /** The file that was read, or `null` when none was found and only defaults and env apply. */
  readonly file: string | null;
  readonly server: ServerConfig;
  readonly plugins: Readonly<Record<PluginName, PluginConfig>>;
  readonly cache: CacheConfig;
}

/** Finds, reads and validates the configuration. Throws {@link ConfigError}. */
export function loadConfig(options: LoadConfigOptions = {}): ProxyConfig {
  const found = findConfigFile(options);
  let text = '';
  if (found !== null) {
    try {
      text = readFileSync(found.path, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot read config file ${found.path}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }
  return parseConfig(text, { ...options, file: found?.path ?? null });
}

export interface ParseConfigOptions extends LoadConfigOptions {
  /** Where `text` came from, for messages; `null` for none. */
  readonly file?: string | null;
}

// `problem` annotates a pattern with what its failure means, `fileOnly` a table env may not set;
// defaults fill in missing keys.
const ajv = new Ajv({ useDefaults: true, verbose: true, strict: true });
ajv.addVocabulary(['problem', 'fileOnly']);
const validate = ajv.compile(CONFIG_SCHEMA);

type Table = Record<string, unknown>;

/** Validates TOML text plus environment overrides. Throws {@link ConfigError}. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ProxyConfig {
  const file = options.file ?? null;
  const where = file === null ? '' : ` (in ${file})`;
  const document = parseTomlText(text, where);

  // Where each value came from, for messages: the file unless an environment variable set it.
  const origins = applyEnv(document, options.env ?? process.env);
  const originOf = (key: string): string =>
    origins.get(key) ?? [...origins].find(([set]) => set.startsWith(`${key}.`))?.[1] ?? where;
  rejectDates(document, [], originOf);
  if (!validate(document)) throw fromAjvError(validate.errors?.[0] as never, originOf);

  const ctx = { cwd: options.cwd ?? process.cwd(), home: options.homedir ?? osHomedir(), originOf };
  const tables = document as { server: Table; plugins: Record<PluginName, Table>; cache: Table };
  const server: ServerConfig = Object.freeze({
    host: tables.server.host as string,
    port: tables.server.port as number,
    logLevel: tables.server.log_level as LogLevel,
  });
  const plugin = (name: PluginName): PluginConfig => {
    const values = tables.plugins[name];
    const at = (key: string) => ['plugins', name, key];
    return Object.freeze({
      name,
      enabled: values.enabled as boolean,
      mount: (values.mount as string).replace(/(.)\/+$/, '$1'),
      dynamicModelsEnabled: values.dynamic_models_enabled as boolean,
      modelsSourceUrl: optional(values.models_source_url, (value) =>
        sourceUrl(at('models_source_url'), value, ctx),
      ),
      modelsCacheDir: optional(values.models_cache_dir, (value) => expandPath(value, ctx)),
      modelsCacheTtlHours: values.models_cache_ttl_hours as number,
      modelsFetchTimeout: values.models_fetch_timeout as number,
      modelsRefreshIntervalMinutes: values.models_refresh_interval_minutes as number,
      models: pluginRules(
        name,
        PLUGINS[name].provider,
        values.models as Table,
        originOf(`plugins.${name}.models`),
      ),
      availability: availabilityOf(name, values.availability as Table, options.env ?? process.env, originOf),
    });
  };
  const plugins = Object.freeze({ codex: plugin('codex'), claude_api: plugin('claude_api') });

  if (
    plugins.codex.enabled &&
    plugins.claude_api.enabled &&
    plugins.codex.mount === plugins.claude_api.mount
  ) {
    const key = 'plugins.claude_api.mount';
    throw new ConfigError(
      `${key}: "${plugins.claude_api.mount}" is already the mount of plugins.codex; the two plugins need different mounts${originOf(key)}`,
      key,
    );
  }
  const cache: CacheConfig = Object.freeze({
    redisUrl: optional(tables.cache.redis_url, (value) => redisUrl(['cache', 'redis_url'], value, ctx)),
  });
  return Object.freeze({ file, server, plugins, cache });
}

/** The availability table, or `undefined` without a `url`; a key without its env variable stops start-up. */
function availabilityOf(
  name: PluginName,
  values: Table,
  env: Readonly<Record<string, string | undefined>>,
  originOf: (key: string) => string,
): AvailabilityConfig | undefined {
  const prefix = `plugins.${name}.availability`;
  const apiKeyEnv = values.api_key_env as string | undefined;
  if (values.url === undefined) {
    if (apiKeyEnv === undefined) return undefined;
    const key = `${prefix}.url`;
    throw new ConfigError(
      `${key}: required when ${prefix}.api_key_env is set${originOf(`${prefix}.api_key_env`)}`,
      key,
    );
  }
  if (apiKeyEnv !== undefined && (env[apiKeyEnv] ?? '').trim() === '') {
    const key = `${prefix}.api_key_env`;
    throw new ConfigError(
      `${key}: environment variable ${apiKeyEnv} is not set or empty${originOf(key)}`,
      key,
    );
  }
  return Object.freeze({
    url: values.url as string,
    format: values.format as AvailabilityConfig['format'],
    apiKeyEnv,
    ttlSeconds: values.ttl as number,
    keepUnlisted: values.keep_unlisted as boolean,
  });
}

function parseTomlText(text: string, where: string): Table {
  try {
    return parseToml(text) as Table;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const firstLine = error.message.split('\n')[0] ?? error.message;
    throw new ConfigError(
      `Invalid TOML${where} at line ${error.line}, column ${error.column}: ${firstLine}`,
      undefined,
      {
        cause: error,
      },
    );
  }
}

const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** TOML dates are valid nowhere, but JSON Schema sees a Date as a table: reject them first. */
function rejectDates(table: Table, path: readonly string[], originOf: (key: string) => string): void {
  for (const [name, value] of Object.entries(table)) {
    const at = [...path, name];
    const node = schemaAt(at);
    if (node === undefined) continue; // an unknown key: Ajv names it
    if (value instanceof Date) throw wrongType(at, node, value, originOf(at.join('.')));
    if (isTable(value) && node.type === 'object') rejectDates(value, at, originOf);
  }
}

interface Context {
  readonly cwd: string;
  readonly home: string;
  readonly originOf: (key: string) => string;
}

const optional = <T>(value: unknown, normalise: (value: string) => T): T | undefined =>
  value === undefined ? undefined : normalise(value as string);

function expandPath(value: string, ctx: Context): string {
  if (value === '~') return ctx.home;
  if (value.startsWith('~/')) return join(ctx.home, value.slice(2));
  return isAbsolute(value) ? value : resolve(ctx.cwd, value);
}

// Two or more letters, so a Windows drive (`C:\...`) reads as a path.
const SCHEME = /^([a-z][a-z\d+.-]+):/i;

/** A URL normalised, or a path expanded; other schemes are refused here, before anything starts. */
/** A URL node-redis can connect to: the scheme is checked by the schema, the rest here. */
function redisUrl(path: readonly string[], value: string, ctx: Context): string {
  const key = path.join('.');
  try {
    const url = new URL(value);
    if (url.hostname !== '') return value;
  } catch {
    // Reported below, naming the key.
  }
  throw new ConfigError(
    `${key}: ${JSON.stringify(value)} is not a valid URL: must be ${allowedOf(schemaAt(path) as SchemaNode)}${ctx.originOf(key)}`,
    key,
  );
}

function sourceUrl(path: readonly string[], value: string, ctx: Context): string {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return expandPath(value, ctx);
  const key = path.join('.');
  const fail = (problem: string): never => {
    throw new ConfigError(
      `${key}: ${problem}: must be ${allowedOf(schemaAt(path) as SchemaNode)}${ctx.originOf(key)}`,
      key,
    );
  };
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'file')
    fail(`unsupported URL scheme "${scheme}:"`);
  try {
    return new URL(value).href;
  } catch {
    return fail(`${JSON.stringify(value)} is not a valid URL`);
  }
}

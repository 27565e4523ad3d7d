/**
 * The proxy's configuration: a TOML file found the way ccproxy finds its own, overridden by
 * environment variables in ccproxy's style (`SERVER__PORT=9000`,
 * `PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS=12`), validated once before anything listens.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const PLUGIN_NAMES = ['codex', 'claude_api'] as const;
export type PluginName = (typeof PLUGIN_NAMES)[number];

/** `[server] host`. Loopback only: the demo has no authentication. */
export const DEFAULT_HOST = '127.0.0.1';
/** `[server] port`. */
export const DEFAULT_PORT = 8000;
/** `[server] log_level`. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** `models_cache_ttl_hours`: ccproxy's default of one day. */
export const DEFAULT_CACHE_TTL_HOURS = 24;
/** `models_fetch_timeout`, in seconds. */
export const DEFAULT_FETCH_TIMEOUT_SECONDS = 30;
/** `models_refresh_interval_minutes`: 0 = refresh only when a request finds the copy stale. */
export const DEFAULT_REFRESH_INTERVAL_MINUTES = 0;
/** `mount` of each plugin. */
export const DEFAULT_MOUNTS: Readonly<Record<PluginName, string>> = Object.freeze({
  codex: '/codex/v1',
  claude_api: '/claude/v1',
});

export interface ServerConfig {
  readonly host: string;
  /** 0 asks the OS for a free port (the bound port is logged). */
  readonly port: number;
  readonly logLevel: LogLevel;
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
}

export interface ProxyConfig {
  /** The file that was read, or `null` when none was found and only defaults and env apply. */
  readonly file: string | null;
  readonly server: ServerConfig;
  readonly plugins: Readonly<Record<PluginName, PluginConfig>>;
}

/**
 * Bad configuration: start-up stops before listening and the process exits with code 2.
 * `key` is the dotted TOML key at fault (`plugins.codex.models_cache_ttl_hours`), when there is one.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly key?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const isConfigError = (error: unknown): error is ConfigError => error instanceof ConfigError;

// --- schema ---------------------------------------------------------------------------------

type Scalar = string | number | boolean;

interface Context {
  readonly cwd: string;
  readonly home: string;
}

interface Leaf {
  readonly kind: 'leaf';
  /** What the key accepts, as the error message says it. */
  readonly allowed: string;
  /** Returns the normalised value, or an error text that follows `key: `. */
  check(value: unknown, ctx: Context): { ok: true; value: unknown } | { ok: false; problem: string };
}

interface Table {
  readonly kind: 'table';
  readonly children: Readonly<Record<string, Node>>;
  /** Name of what a child is, for the unknown-key message ("key", "plugin"). */
  readonly childNoun: string;
}

type Node = Leaf | Table;

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date || (typeof value === 'object' && value !== null && 'toISOString' in value)) {
    return 'a date';
  }
  if (typeof value === 'object' && value !== null) return 'a table';
  return String(value);
}

function integer(min: number, max: number, note = ''): Leaf {
  const allowed = `an integer from ${min} to ${max}${note}`;
  return {
    kind: 'leaf',
    allowed,
    check(value) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return { ok: false, problem: `must be ${allowed}, got ${describe(value)}` };
      }
      if (value < min || value > max) {
        return { ok: false, problem: `${value} is out of range: must be ${allowed}` };
      }
      return { ok: true, value };
    },
  };
}

const boolean: Leaf = {
  kind: 'leaf',
  allowed: 'true or false',
  check(value) {
    if (typeof value !== 'boolean')
      return { ok: false, problem: `must be true or false, got ${describe(value)}` };
    return { ok: true, value };
  },
};

function oneOf(values: readonly string[]): Leaf {
  const allowed = `one of ${values.join(', ')}`;
  return {
    kind: 'leaf',
    allowed,
    check(value) {
      if (typeof value !== 'string' || !values.includes(value)) {
        return { ok: false, problem: `must be ${allowed}, got ${describe(value)}` };
      }
      return { ok: true, value };
    },
  };
}

function nonEmptyString(allowed: string, normalise: (value: string, ctx: Context) => string | Error): Leaf {
  return {
    kind: 'leaf',
    allowed,
    check(value, ctx) {
      if (typeof value !== 'string' || value.trim() === '') {
        return { ok: false, problem: `must be ${allowed}, got ${describe(value)}` };
      }
      const result = normalise(value, ctx);
      if (result instanceof Error) return { ok: false, problem: `${result.message}: must be ${allowed}` };
      return { ok: true, value: result };
    },
  };
}

function expandPath(value: string, ctx: Context): string {
  if (value === '~') return ctx.home;
  if (value.startsWith('~/')) return join(ctx.home, value.slice(2));
  return isAbsolute(value) ? value : resolve(ctx.cwd, value);
}

const host = nonEmptyString('a host name or IP address', (value) =>
  /\s/.test(value) ? new Error(`${JSON.stringify(value)} contains whitespace`) : value,
);

const mount = nonEmptyString("a path starting with '/' (e.g. /codex/v1)", (value) => {
  if (!value.startsWith('/')) return new Error(`${JSON.stringify(value)} does not start with '/'`);
  if (/[\s?#]/.test(value)) return new Error(`${JSON.stringify(value)} contains whitespace, '?' or '#'`);
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
});

// Two or more letters, so a Windows drive (`C:\...`) reads as a path.
const SCHEME = /^([a-z][a-z\d+.-]+):/i;

const sourceUrl = nonEmptyString('an http(s):// or file: URL, or a file path', (value, ctx) => {
  const scheme = SCHEME.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return expandPath(value, ctx);
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'file') {
    return new Error(`unsupported URL scheme "${scheme}:"`);
  }
  try {
    return new URL(value).href;
  } catch {
    return new Error(`${JSON.stringify(value)} is not a valid URL`);
  }
});

const directory = nonEmptyString('a directory path', (value, ctx) => expandPath(value, ctx));

const table = (children: Record<string, Node>, childNoun = 'key'): Table => ({
  kind: 'table',
  children,
  childNoun,
});

const pluginSchema = table({
  enabled: boolean,
  mount,
  dynamic_models_enabled: boolean,
  models_source_url: sourceUrl,
  models_cache_dir: directory,
  models_cache_ttl_hours: integer(1, 168),
  models_fetch_timeout: integer(1, 300, ' (seconds)'),
  models_refresh_interval_minutes: integer(0, 10_080, ' (0 = off)'),
});

const SCHEMA = table({
  server: table({
    host,
    port: integer(0, 65_535, ' (0 = any free port)'),
    log_level: oneOf(LOG_LEVELS),
  }),
  plugins: table(Object.fromEntries(PLUGIN_NAMES.map((name) => [name, pluginSchema])), 'plugin'),
});

// --- lookup ---------------------------------------------------------------------------------

export interface LoadConfigOptions {
  /** `--config <path>`: must exist. */
  readonly configPath?: string | undefined;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default os.homedir() */
  readonly homedir?: string;
}

export interface FoundConfigFile {
  readonly path: string;
  /** How it was found: `--config`, `CCPROXY_CONFIG`, or `search`. */
  readonly via: '--config' | 'CCPROXY_CONFIG' | 'search';
}

/**
 * Where the user ran `pnpm start` / `pnpm models`: pnpm runs the script inside apps/proxy and
 * records the directory it was started from in INIT_CWD. `./.ccproxy.toml` and relative paths
 * are looked up there.
 */
export function invocationDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const initCwd = env.INIT_CWD;
  return initCwd !== undefined && initCwd !== '' ? initCwd : process.cwd();
}

/**
 * ccproxy's order: `--config`, `$CCPROXY_CONFIG`, `./.ccproxy.toml`, `./ccproxy.toml`,
 * `$XDG_CONFIG_HOME/ccproxy/config.toml` (else `~/.config/ccproxy/config.toml`).
 * A file named explicitly (first two) must exist; the rest are optional.
 */
export function findConfigFile(options: LoadConfigOptions = {}): FoundConfigFile | null {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.homedir ?? osHomedir();

  const explicit: Array<[FoundConfigFile['via'], string | undefined]> = [
    ['--config', options.configPath],
    ['CCPROXY_CONFIG', env.CCPROXY_CONFIG],
  ];
  for (const [via, value] of explicit) {
    if (value === undefined || value === '') continue;
    const path = resolve(cwd, value.startsWith('~/') ? join(home, value.slice(2)) : value);
    if (!isFile(path)) throw new ConfigError(`Config file not found: ${path} (named by ${via})`);
    return { path, via };
  }

  const xdg = env.XDG_CONFIG_HOME;
  const configHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.config');
  const candidates = [
    join(cwd, '.ccproxy.toml'),
    join(cwd, 'ccproxy.toml'),
    join(configHome, 'ccproxy', 'config.toml'),
  ];
  for (const path of candidates) {
    if (isFile(path)) return { path, via: 'search' };
  }
  return null;
}

/** Anything readable but a directory: `--config /dev/null` is a valid way to say "defaults only". */
function isFile(path: string): boolean {
  try {
    return existsSync(path) && !statSync(path).isDirectory();
  } catch {
    return false;
  }
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

/** Validates TOML text plus environment overrides. Throws {@link ConfigError}. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ProxyConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? null;
  const ctx: Context = { cwd: options.cwd ?? process.cwd(), home: options.homedir ?? osHomedir() };
  const where = file === null ? '' : ` (in ${file})`;

  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split('\n')[0] ?? error.message;
      throw new ConfigError(
        `Invalid TOML${where} at line ${error.line}, column ${error.column}: ${firstLine}`,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }

  const values = new Map<string, { value: unknown; origin: string }>();
  collect(document, SCHEMA, [], where, values);
  for (const [path, value, name] of envOverrides(env)) {
    const origin = ` (from environment variable ${name})`;
    const node = nodeAt(path, origin);
    if (node.kind === 'table') {
      throw new ConfigError(
        `${path.join('.')}: is a table, it cannot be set to a single value${origin}; set one of its keys, e.g. ${name}__${Object.keys(node.children)[0]?.toUpperCase()}`,
        path.join('.'),
      );
    }
    values.set(path.join('.'), { value, origin });
  }
  // Plain `PORT` and `LOG_LEVEL`, as most hosts set them, win over everything else.
  for (const [name, key] of [
    ['PORT', 'server.port'],
    ['LOG_LEVEL', 'server.log_level'],
  ] as const) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') {
      values.set(key, { value: parseScalar(raw), origin: ` (from environment variable ${name})` });
    }
  }

  const get = <T>(key: string, fallback: T): T => {
    const entry = values.get(key);
    if (entry === undefined) return fallback;
    const path = key.split('.');
    const leaf = nodeAt(path, entry.origin) as Leaf;
    const result = leaf.check(entry.value, ctx);
    if (!result.ok) throw new ConfigError(`${key}: ${result.problem}${entry.origin}`, key);
    return result.value as T;
  };

  const server: ServerConfig = Object.freeze({
    host: get('server.host', DEFAULT_HOST),
    port: get('server.port', DEFAULT_PORT),
    logLevel: get<LogLevel>('server.log_level', DEFAULT_LOG_LEVEL),
  });

  const plugin = (name: PluginName): PluginConfig => {
    const key = (leaf: string) => `plugins.${name}.${leaf}`;
    return Object.freeze({
      name,
      enabled: get(key('enabled'), true),
      mount: get(key('mount'), DEFAULT_MOUNTS[name]),
      dynamicModelsEnabled: get(key('dynamic_models_enabled'), true),
      modelsSourceUrl: get<string | undefined>(key('models_source_url'), undefined),
      modelsCacheDir: get<string | undefined>(key('models_cache_dir'), undefined),
      modelsCacheTtlHours: get(key('models_cache_ttl_hours'), DEFAULT_CACHE_TTL_HOURS),
      modelsFetchTimeout: get(key('models_fetch_timeout'), DEFAULT_FETCH_TIMEOUT_SECONDS),
      modelsRefreshIntervalMinutes: get(
        key('models_refresh_interval_minutes'),
        DEFAULT_REFRESH_INTERVAL_MINUTES,
      ),
    });
  };
  const plugins = Object.freeze({ codex: plugin('codex'), claude_api: plugin('claude_api') });

  if (
    plugins.codex.enabled &&
    plugins.claude_api.enabled &&
    plugins.codex.mount === plugins.claude_api.mount
  ) {
    const origin =
      values.get('plugins.claude_api.mount')?.origin ?? values.get('plugins.codex.mount')?.origin ?? '';
    throw new ConfigError(
      `plugins.claude_api.mount: "${plugins.claude_api.mount}" is already the mount of plugins.codex; the two plugins need different mounts${origin}`,
      'plugins.claude_api.mount',
    );
  }

  return Object.freeze({ file, server, plugins });
}

/** Flattens the parsed document into dotted keys, rejecting keys the schema does not know. */
function collect(
  value: Record<string, unknown>,
  node: Table,
  path: readonly string[],
  where: string,
  out: Map<string, { value: unknown; origin: string }>,
): void {
  for (const [name, child] of Object.entries(value)) {
    const childPath = [...path, name];
    const key = childPath.join('.');
    const childNode = node.children[name];
    if (childNode === undefined) throw unknownKey(childPath, node, where);
    if (childNode.kind === 'table') {
      if (!isPlainTable(child)) {
        throw new ConfigError(`${key}: must be a table ([${key}]), got ${describe(child)}${where}`, key);
      }
      collect(child, childNode, childPath, where, out);
    } else {
      out.set(key, { value: child, origin: where });
    }
  }
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // smol-toml builds tables without a prototype; dates are TomlDate objects.
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

function nodeAt(path: readonly string[], origin: string): Node {
  let node: Node = SCHEMA;
  for (let i = 0; i < path.length; i++) {
    if (node.kind !== 'table') throw unknownKey(path.slice(0, i + 1), undefined, origin);
    const segment = path[i] as string;
    const next: Node | undefined = node.children[segment];
    if (next === undefined) throw unknownKey(path.slice(0, i + 1), node, origin);
    node = next;
  }
  return node;
}

function unknownKey(path: readonly string[], parent: Table | undefined, origin: string): ConfigError {
  const key = path.join('.');
  const name = path[path.length - 1] ?? '';
  const parentKey = path.slice(0, -1).join('.');
  if (parent === undefined) {
    return new ConfigError(`${key}: unknown key; ${parentKey} is a single value, not a table${origin}`, key);
  }
  const allowed = Object.keys(parent.children);
  const suggestion = closest(name, allowed);
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  const scope = parentKey === '' ? 'at the top level' : `in [${parentKey}]`;
  return new ConfigError(
    `${key}: unknown ${parent.childNoun}${hint}; allowed ${parent.childNoun}s ${scope}: ${allowed.join(', ')}${origin}`,
    key,
  );
}

/** The allowed name nearest to a typo, when it is near enough to be a useful hint. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  // A truncated or extended key (`models_cache_ttl`) is a likelier slip than an edit-distance neighbour.
  const prefixed = candidates.find(
    (candidate) => lower.length >= 4 && (candidate.startsWith(lower) || lower.startsWith(candidate)),
  );
  if (prefixed !== undefined) return prefixed;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * `SECTION__KEY[__KEY...]=value` for the top-level sections (`server`, `plugins`), any case.
 * Yields the lowercased path, the value parsed as a TOML scalar, and the variable's name.
 */
function* envOverrides(
  env: Readonly<Record<string, string | undefined>>,
): Generator<[string[], Scalar, string]> {
  const sections = Object.keys(SCHEMA.children);
  const names = Object.keys(env).sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || !name.includes('__')) continue;
    const path = name.toLowerCase().split('__');
    if (!sections.includes(path[0] ?? '')) continue;
    yield [path, parseScalar(raw), name];
  }
}

/** A value as TOML would read it on the right of `=`: `12`, `true`, `"x"`; anything else is a string. */
export function parseScalar(raw: string): Scalar {
  const trimmed = raw.trim();
  try {
    const value = (parseToml(`v = ${trimmed}`) as { v: unknown }).v;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  } catch {
    // Not a TOML literal: a bare word, URL or path.
  }
  return raw;
}

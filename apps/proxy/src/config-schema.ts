/**
 * The configuration file's shape as a JSON Schema: every key, its type, range and default. Ajv
 * checks a document against it (`config.ts`); the README's key table and config.example.toml are
 * checked against it by config.test.ts. A new section (e.g. `[cache]`) is a new entry in
 * `properties`, and `SECTION__KEY` environment overrides reach it with no other change.
 * `description` is what a string key accepts, as error messages say it.
 */

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
/** `availability.ttl`, in seconds: the package's default list TTL (10 minutes). */
export const DEFAULT_AVAILABILITY_TTL_SECONDS = 600;
/** `availability.format` of each plugin: the wire format of its provider's own model list. */
const AVAILABILITY_FORMATS: Readonly<Record<PluginName, string>> = Object.freeze({
  codex: 'openai',
  claude_api: 'anthropic',
});
/** `mount` of each plugin. */
const DEFAULT_MOUNTS: Readonly<Record<PluginName, string>> = Object.freeze({
  codex: '/codex/v1',
  claude_api: '/claude/v1',
});

/**
 * The subset of JSON Schema this file uses; `problem` (ours) says why a `pattern` failed, and
 * `fileOnly` (ours) marks a table no environment variable may set.
 */
export interface SchemaNode {
  readonly type: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  readonly description?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  /** `false`: a table of known keys; a schema: a map whose every value has it. */
  readonly additionalProperties?: false | SchemaNode;
  readonly items?: SchemaNode;
  readonly fileOnly?: true;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly allOf?: readonly { readonly pattern: string; readonly problem: string }[];
}

const table = (properties: Record<string, SchemaNode>): SchemaNode => ({
  type: 'object',
  properties,
  additionalProperties: false,
  default: {},
});
const root = (properties: Record<string, SchemaNode>): SchemaNode => {
  const { default: _, ...rest } = table(properties);
  return rest;
};
const integer = (minimum: number, maximum: number, fallback: number): SchemaNode => ({
  type: 'integer',
  minimum,
  maximum,
  default: fallback,
});
const boolean = (fallback: boolean): SchemaNode => ({ type: 'boolean', default: fallback });
const text = (description: string, extra: Partial<SchemaNode> = {}): SchemaNode => ({
  type: 'string',
  description,
  minLength: 1,
  ...extra,
});

const patterns = (what: string): SchemaNode => ({
  type: 'array',
  description: `an array of id patterns ${what}: exact ids, globs ("gpt-5*") or "/regex/flags"`,
  items: text('an id pattern: an exact id, a glob ("gpt-5*") or "/regex/flags"'),
  default: [],
});

/**
 * `[plugins.<name>.models]`: the operator's rules, handed to `modelsRouter` as written. Their
 * shape is checked here; what an override or a custom model may hold is the package's to check
 * (`config.ts` names its complaint by TOML key). Arrays and tables of models do not fit in one
 * environment variable, so the whole table is read from the file only.
 */
const rules = (name: PluginName): SchemaNode => ({
  ...table({
    include: patterns('to list (none: every model of the provider)'),
    exclude: patterns('never to list (beats include)'),
    overrides: {
      type: 'object',
      description: `a table of tables ([plugins.${name}.models.overrides."<id or pattern>"])`,
      additionalProperties: {
        type: 'object',
        description: `a table of card fields ([plugins.${name}.models.overrides."<id or pattern>"])`,
      },
      default: {},
    },
    extra: {
      type: 'array',
      description: `an array of tables ([[plugins.${name}.models.extra]]), each with an id`,
      items: { type: 'object', description: `a table ([[plugins.${name}.models.extra]]) with an id` },
      default: [],
    },
    aliases: {
      type: 'object',
      description: `a table of alias = "model id" ([plugins.${name}.models.aliases])`,
      additionalProperties: text('a model id'),
      default: {},
    },
  }),
  fileOnly: true,
});

const plugin = (name: PluginName): SchemaNode =>
  table({
    enabled: boolean(true),
    mount: text("a path starting with '/' (e.g. /codex/v1)", {
      default: DEFAULT_MOUNTS[name],
      allOf: [
        { pattern: '^/', problem: "does not start with '/'" },
        { pattern: '^[^\\s?#]*$', problem: "contains whitespace, '?' or '#'" },
      ],
    }),
    dynamic_models_enabled: boolean(true),
    // No default: the package's own (LiteLLM on GitHub, the XDG cache directory) applies.
    models_source_url: text('an http(s):// or file: URL, or a file path'),
    models_cache_dir: text('a directory path'),
    models_cache_ttl_hours: integer(1, 168, DEFAULT_CACHE_TTL_HOURS),
    models_fetch_timeout: integer(1, 300, DEFAULT_FETCH_TIMEOUT_SECONDS),
    models_refresh_interval_minutes: integer(0, 10_080, DEFAULT_REFRESH_INTERVAL_MINUTES),
    models: rules(name),
    // The provider's own model list: on when `url` is set (see config.ts).
    availability: table({
      url: text('an http:// or https:// URL', {
        allOf: [{ pattern: '^https?://', problem: 'is not an http:// or https:// URL' }],
      }),
      format: { type: 'string', enum: ['openai', 'anthropic', 'codex'], default: AVAILABILITY_FORMATS[name] },
      api_key_env: text('an environment variable name', {
        allOf: [{ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', problem: 'is not an environment variable name' }],
      }),
      ttl: integer(1, 86_400, DEFAULT_AVAILABILITY_TTL_SECONDS),
      keep_unlisted: boolean(false),
    }),
  });

export const CONFIG_SCHEMA: SchemaNode = root({
  server: table({
    host: text('a host name or IP address', {
      default: DEFAULT_HOST,
      allOf: [{ pattern: '^\\S*$', problem: 'contains whitespace' }],
    }),
    port: integer(0, 65_535, DEFAULT_PORT),
    log_level: { type: 'string', enum: LOG_LEVELS, default: DEFAULT_LOG_LEVEL },
  }),
  plugins: table(Object.fromEntries(PLUGIN_NAMES.map((name) => [name, plugin(name)]))),
  cache: table({
    // No default: each plugin's SQLite directory (models_cache_dir) serves one machine.
    redis_url: text('a redis:// or rediss:// URL', {
      allOf: [{ pattern: '^rediss?://\\S+$', problem: 'is not a redis:// or rediss:// URL' }],
    }),
  }),
});

/** The node of a child: a known key, a map's value, or an array's item. */
function childOf(node: SchemaNode | undefined, segment: string): SchemaNode | undefined {
  if (node?.properties !== undefined) return node.properties[segment];
  if (node?.type === 'object' && typeof node.additionalProperties === 'object')
    return node.additionalProperties;
  if (node?.type === 'array' && /^\d+$/.test(segment)) return node.items;
  return undefined;
}

/** The schema of a key's node, or `undefined` past a leaf or an unknown key. */
export function schemaAt(path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = CONFIG_SCHEMA;
  for (const segment of path) node = childOf(node, segment);
  return node;
}

/**
 * A key as messages name it: dotted, a map's key quoted as TOML quotes it, an array's index in
 * brackets (`plugins.codex.models.overrides."gpt-5"`, `plugins.codex.models.include[0]`).
 */
export function keyOf(path: readonly string[]): string {
  let key = '';
  let node: SchemaNode | undefined = CONFIG_SCHEMA;
  for (const segment of path) {
    if (node?.type === 'array') key += `[${segment}]`;
    else if (node !== undefined && node.properties === undefined && node.type === 'object')
      key += `.${JSON.stringify(segment)}`;
    else key += key === '' ? segment : `.${segment}`;
    node = childOf(node, segment);
  }
  return key;
}

/** What a leaf accepts, in words: "an integer from 1 to 168", "true or false", ... */
export function allowedOf(node: SchemaNode): string {
  if (node.type === 'integer') return `an integer from ${node.minimum} to ${node.maximum}`;
  if (node.type === 'boolean') return 'true or false';
  if (node.enum !== undefined) return `one of ${node.enum.join(', ')}`;
  return node.description ?? `a ${node.type}`;
}

import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SOURCE_URL } from '@ccproxy/models-middleware';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config.js';
import { parseScalar } from './config-env.js';
import { type ConfigError, isConfigError } from './config-error.js';
import { findConfigFile, invocationDir } from './config-file.js';
import {
  CONFIG_SCHEMA,
  DEFAULT_AVAILABILITY_TTL_SECONDS,
  DEFAULT_CACHE_TTL_HOURS,
  DEFAULT_FETCH_TIMEOUT_SECONDS,
  DEFAULT_HOST,
  DEFAULT_LOG_LEVEL,
  DEFAULT_PORT,
  DEFAULT_REFRESH_INTERVAL_MINUTES,
  PLUGIN_NAMES,
  type SchemaNode,
  schemaAt,
} from './config-schema.js';

const CTX = { env: {}, cwd: '/srv/proxy', homedir: '/home/user' };
const NO_RULES = { include: [], exclude: [], overrides: {}, extra: [], aliases: {} };

/** Runs `fn`, expects a ConfigError, and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('pins every default when there is no file and no environment', () => {
    const config = parseConfig('', CTX);
    expect(config).toEqual({
      file: null,
      server: { host: '127.0.0.1', port: 8000, logLevel: 'info' },
      cache: { redisUrl: undefined },
      plugins: {
        codex: {
          name: 'codex',
          enabled: true,
          mount: '/codex/v1',
          dynamicModelsEnabled: true,
          modelsSourceUrl: undefined,
          modelsCacheDir: undefined,
          modelsCacheTtlHours: 24,
          modelsFetchTimeout: 30,
          modelsRefreshIntervalMinutes: 0,
          models: NO_RULES,
        },
        claude_api: {
          name: 'claude_api',
          enabled: true,
          mount: '/claude/v1',
          dynamicModelsEnabled: true,
          modelsSourceUrl: undefined,
          modelsCacheDir: undefined,
          modelsCacheTtlHours: 24,
          modelsFetchTimeout: 30,
          modelsRefreshIntervalMinutes: 0,
          models: NO_RULES,
        },
      },
    });
    expect([DEFAULT_HOST, DEFAULT_PORT, DEFAULT_LOG_LEVEL]).toEqual(['127.0.0.1', 8000, 'info']);
    expect([
      DEFAULT_CACHE_TTL_HOURS,
      DEFAULT_FETCH_TIMEOUT_SECONDS,
      DEFAULT_REFRESH_INTERVAL_MINUTES,
      DEFAULT_AVAILABILITY_TTL_SECONDS,
    ]).toEqual([24, 30, 0, 600]);
  });

  it('config.example.toml is valid and shows exactly the defaults', () => {
    const example = readFileSync(new URL('../config.example.toml', import.meta.url), 'utf8');
    const parsed = parseConfig(example, CTX);
    const defaults = parseConfig('', CTX);
    const withUrl = (plugin: (typeof defaults.plugins)['codex']) => ({
      ...plugin,
      modelsSourceUrl: DEFAULT_SOURCE_URL,
    });
    expect(parsed).toEqual({
      ...defaults,
      plugins: { codex: withUrl(defaults.plugins.codex), claude_api: withUrl(defaults.plugins.claude_api) },
    });
  });

  it('config.example.toml names every key of the schema, with its range or values', () => {
    const example = readFileSync(new URL('../config.example.toml', import.meta.url), 'utf8');
    const sections = example.split(/^\[/m).slice(1);
    for (const [section, keys] of schemaTables()) {
      const body = sections.find((text) => text.startsWith(`${section}]`));
      expect(body, `[${section}] in config.example.toml`).toBeDefined();
      for (const [key, node] of keys) {
        expect(body, `${section}.${key}`).toMatch(new RegExp(`^(# )?${key} = `, 'm'));
        if (node.type === 'integer') expect(example).toContain(`${node.minimum}..${node.maximum}`);
        if (node.enum !== undefined) expect(example).toContain(node.enum.join(' | '));
      }
    }
  });

  it('the README’s key table lists every key of the schema with its default and range', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = new Map<string, { fallback: string; allowed: string }>();
    for (const [, key, fallback, allowed] of readme.matchAll(
      /^\| `([a-z_.<>|\\…]+)` \| (.+?) \| (.+) \|$/gm,
    )) {
      rows.set((key as string).replace(/<[^>]*>/, '*'), {
        fallback: fallback as string,
        allowed: allowed as string,
      });
    }
    const documented: string[] = [];
    for (const [section, keys] of schemaTables()) {
      // `plugins.codex.availability` is documented once as `plugins.*.availability`.
      const [top, plugin, ...tail] = section.split('.');
      const inPlugin = top === 'plugins';
      if (inPlugin && plugin !== PLUGIN_NAMES[0]) continue;
      const prefix = inPlugin ? ['plugins.*', ...tail].join('.') : section;
      for (const [key, node] of keys) {
        const name = `${prefix}.${key}`;
        documented.push(name);
        const row = rows.get(name);
        expect(row, `README row for ${name}`).toBeDefined();
        const defaults = PLUGIN_NAMES.map((each) => schemaAt(['plugins', each, ...tail, key])?.default);
        if (inPlugin && new Set(defaults.map((value) => JSON.stringify(value))).size > 1) {
          for (const value of defaults) expect(row?.fallback).toContain(`"${value}"`);
        } else if (node.default !== undefined) {
          expect(row?.fallback).toBe(`\`${JSON.stringify(node.default)}\``);
        }
        if (node.type === 'integer') expect(row?.allowed).toContain(`${node.minimum}..${node.maximum}`);
        if (node.enum !== undefined) expect(row?.allowed).toContain(node.enum.join(', '));
      }
    }
    expect([...rows.keys()].filter((key) => /^(server|plugins|cache)\./.test(key))).toEqual(documented);
  });

  it('returns a frozen configuration', () => {
    const config = parseConfig('', CTX);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.plugins.codex)).toBe(true);
  });
});

/** Each table of the schema (`server`, `plugins.codex`, ...) with its keys. */
function schemaTables(
  node: SchemaNode = CONFIG_SCHEMA,
  path: string[] = [],
): [string, [string, SchemaNode][]][] {
  const children = Object.entries(node.properties ?? {});
  // A map (`aliases`, `overrides`) is one key of its table, like an array.
  const isTable = (child: SchemaNode) => child.type === 'object' && child.properties !== undefined;
  const leaves = children.filter(([, child]) => !isTable(child));
  const here: [string, [string, SchemaNode][]][] = leaves.length > 0 ? [[path.join('.'), leaves]] : [];
  return here.concat(
    children
      .filter(([, child]) => isTable(child))
      .flatMap(([name, child]) => schemaTables(child, [...path, name])),
  );
}

describe('file values', () => {
  it('reads every key and normalises paths, URLs and mounts', () => {
    const config = parseConfig(
      `
[server]
host = "0.0.0.0"
port = 9000
log_level = "debug"

[plugins.codex]
enabled = true
mount = "/openai/v1/"
dynamic_models_enabled = false
models_source_url = "https://example.test/prices.json"
models_cache_dir = "~/cache/models"
models_cache_ttl_hours = 168
models_fetch_timeout = 1
models_refresh_interval_minutes = 30

[plugins.claude_api]
enabled = false
models_source_url = "fixtures/litellm.json"
models_cache_dir = "/var/cache/ccproxy"
`,
      { ...CTX, file: '/etc/ccproxy.toml' },
    );
    expect(config.file).toBe('/etc/ccproxy.toml');
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000, logLevel: 'debug' });
    expect(config.plugins.codex).toMatchObject({
      mount: '/openai/v1',
      dynamicModelsEnabled: false,
      modelsSourceUrl: 'https://example.test/prices.json',
      modelsCacheDir: '/home/user/cache/models',
      modelsCacheTtlHours: 168,
      modelsFetchTimeout: 1,
      modelsRefreshIntervalMinutes: 30,
    });
    expect(config.plugins.claude_api).toMatchObject({
      enabled: false,
      mount: '/claude/v1',
      modelsSourceUrl: '/srv/proxy/fixtures/litellm.json',
      modelsCacheDir: '/var/cache/ccproxy',
    });
  });

  it('accepts file: URLs and port 0 (any free port)', () => {
    const config = parseConfig(
      '[server]\nport = 0\n[plugins.codex]\nmodels_source_url = "file:///data/x.json"',
      CTX,
    );
    expect(config.server.port).toBe(0);
    expect(config.plugins.codex.modelsSourceUrl).toBe('file:///data/x.json');
  });

  it('lets a disabled plugin keep the other plugin’s mount', () => {
    const config = parseConfig('[plugins.claude_api]\nenabled = false\nmount = "/codex/v1"', CTX);
    expect(config.plugins.claude_api.mount).toBe('/codex/v1');
  });
});

describe('errors name the key and the allowed values', () => {
  it('unknown key, with a suggestion', () => {
    const error = configError(() =>
      parseConfig('[plugins.codex]\nmodels_cache_ttl = 12', { ...CTX, file: '/x.toml' }),
    );
    expect(error.key).toBe('plugins.codex.models_cache_ttl');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('plugins.codex.models_cache_ttl: unknown key');
    expect(error.message).toContain('did you mean models_cache_ttl_hours?');
    expect(error.message).toContain('models_fetch_timeout');
    expect(error.message).toContain('(in /x.toml)');
  });

  it('unknown section, unknown plugin', () => {
    expect(configError(() => parseConfig('[logging]\nlevel = "x"', CTX)).message).toMatch(
      /^logging: unknown key; allowed keys at the top level: server, plugins/,
    );
    const plugin = configError(() => parseConfig('[plugins.gemini]\nenabled = true', CTX));
    expect(plugin.key).toBe('plugins.gemini');
    expect(plugin.message).toContain('unknown plugin');
    expect(plugin.message).toContain('codex, claude_api');
  });

  it('wrong type', () => {
    const error = configError(() => parseConfig('[plugins.codex]\nmodels_cache_ttl_hours = "12"', CTX));
    expect(error.key).toBe('plugins.codex.models_cache_ttl_hours');
    expect(error.message).toBe(
      'plugins.codex.models_cache_ttl_hours: must be an integer from 1 to 168, got the string "12"',
    );
    expect(configError(() => parseConfig('[server]\nport = 80.5', CTX)).message).toContain(
      'server.port: must be an integer from 0 to 65535',
    );
    expect(configError(() => parseConfig('[plugins.claude_api]\nenabled = "yes"', CTX)).message).toBe(
      'plugins.claude_api.enabled: must be true or false, got the string "yes"',
    );
    expect(configError(() => parseConfig('server = 1', CTX)).message).toContain('server: must be a table');
    expect(configError(() => parseConfig('[server]\nhost = 1979-05-27', CTX)).message).toContain(
      'got a date',
    );
  });

  it('out of range', () => {
    const ttl = configError(() => parseConfig('[plugins.codex]\nmodels_cache_ttl_hours = 500', CTX));
    expect(ttl.key).toBe('plugins.codex.models_cache_ttl_hours');
    expect(ttl.message).toBe(
      'plugins.codex.models_cache_ttl_hours: 500 is out of range: must be an integer from 1 to 168',
    );
    expect(
      configError(() => parseConfig('[plugins.claude_api]\nmodels_fetch_timeout = 0', CTX)).message,
    ).toContain(
      'plugins.claude_api.models_fetch_timeout: 0 is out of range: must be an integer from 1 to 300',
    );
    expect(configError(() => parseConfig('[server]\nport = 65536', CTX)).key).toBe('server.port');
  });

  it('bad enum values, mounts and URLs', () => {
    expect(configError(() => parseConfig('[server]\nlog_level = "verbose"', CTX)).message).toBe(
      'server.log_level: must be one of fatal, error, warn, info, debug, trace, silent, got the string "verbose"',
    );
    expect(configError(() => parseConfig('[plugins.codex]\nmount = "codex/v1"', CTX)).message).toContain(
      'plugins.codex.mount: "codex/v1" does not start with \'/\'',
    );
    expect(
      configError(() => parseConfig('[plugins.codex]\nmodels_source_url = "ftp://x/y.json"', CTX)).message,
    ).toContain('plugins.codex.models_source_url: unsupported URL scheme "ftp:"');
    expect(configError(() => parseConfig('[plugins.codex]\nmodels_cache_dir = ""', CTX)).key).toBe(
      'plugins.codex.models_cache_dir',
    );
  });

  it('two enabled plugins on one mount', () => {
    const error = configError(() => parseConfig('[plugins.claude_api]\nmount = "/codex/v1/"', CTX));
    expect(error.key).toBe('plugins.claude_api.mount');
    expect(error.message).toContain('already the mount of plugins.codex');
  });

  it('bad TOML syntax, with line and column', () => {
    const error = configError(() => parseConfig('[server]\nport = \n', { ...CTX, file: '/etc/c.toml' }));
    expect(error.message).toMatch(/^Invalid TOML \(in \/etc\/c\.toml\) at line 2, column \d+: /);
    expect(error.cause).toBeDefined();
  });
});

describe('environment overrides', () => {
  it('SECTION__KEY, any case, values parsed as TOML scalars, over the file', () => {
    const config = parseConfig('[plugins.codex]\nmodels_cache_ttl_hours = 48', {
      ...CTX,
      env: {
        PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS: '12',
        SERVER__PORT: '9000',
        server__host: '0.0.0.0',
        Plugins__Claude_Api__Enabled: 'false',
        PLUGINS__CODEX__MODELS_SOURCE_URL: 'http://127.0.0.1:1234/prices.json',
        PLUGINS__CLAUDE_API__MOUNT: '"/anthropic/v1"',
        SERVER_SOFTWARE: 'ignored: single underscore',
        PATH__LIKE: 'ignored: not a section',
      },
    });
    expect(config.plugins.codex.modelsCacheTtlHours).toBe(12);
    expect(config.server).toMatchObject({ port: 9000, host: '0.0.0.0' });
    expect(config.plugins.claude_api.enabled).toBe(false);
    expect(config.plugins.claude_api.mount).toBe('/anthropic/v1');
    expect(config.plugins.codex.modelsSourceUrl).toBe('http://127.0.0.1:1234/prices.json');
  });

  it('PORT and LOG_LEVEL win over the file and SERVER__*', () => {
    const config = parseConfig('[server]\nport = 1234\nlog_level = "warn"', {
      ...CTX,
      env: { SERVER__PORT: '2345', PORT: '3456', LOG_LEVEL: 'debug' },
    });
    expect(config.server).toMatchObject({ port: 3456, logLevel: 'debug' });
  });

  it('errors name the key and the variable', () => {
    const wrongType = configError(() =>
      parseConfig('', { ...CTX, env: { PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS: 'twelve' } }),
    );
    expect(wrongType.key).toBe('plugins.codex.models_cache_ttl_hours');
    expect(wrongType.message).toBe(
      'plugins.codex.models_cache_ttl_hours: must be an integer from 1 to 168, got the string "twelve" (from environment variable PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS)',
    );
    const unknown = configError(() => parseConfig('', { ...CTX, env: { SERVER__PROT: '1' } }));
    expect(unknown.key).toBe('server.prot');
    expect(unknown.message).toContain('did you mean port?');
    expect(unknown.message).toContain('SERVER__PROT');
    expect(configError(() => parseConfig('', { ...CTX, env: { PORT: '99999' } })).message).toContain(
      '(from environment variable PORT)',
    );
    expect(configError(() => parseConfig('', { ...CTX, env: { PLUGINS__CODEX: '1' } })).key).toBe(
      'plugins.codex',
    );
    expect(configError(() => parseConfig('', { ...CTX, env: { SERVER__PORT__X: '1' } })).key).toBe(
      'server.port.x',
    );
  });

  it('[cache] redis_url: from the file or CACHE__REDIS_URL; anything but a redis(s) URL stops start-up naming the key', () => {
    expect(parseConfig('[cache]\nredis_url = "redis://10.0.0.5:6379/2"', CTX).cache).toEqual({
      redisUrl: 'redis://10.0.0.5:6379/2',
    });
    const fromEnv = parseConfig('', {
      ...CTX,
      env: { CACHE__REDIS_URL: 'rediss://user:pw@cache.internal:6380' },
    });
    expect(fromEnv.cache.redisUrl).toBe('rediss://user:pw@cache.internal:6380');
    const scheme = configError(() => parseConfig('[cache]\nredis_url = "http://cache:6379"', CTX));
    expect(scheme.key).toBe('cache.redis_url');
    expect(scheme.message).toMatch(/^cache\.redis_url: .*redis:\/\/ or rediss:\/\/ URL/);
    const broken = configError(() => parseConfig('', { ...CTX, env: { CACHE__REDIS_URL: 'redis://[::1' } }));
    expect(broken.key).toBe('cache.redis_url');
    expect(broken.message).toBe(
      'cache.redis_url: "redis://[::1" is not a valid URL: must be a redis:// or rediss:// URL (from environment variable CACHE__REDIS_URL)',
    );
    expect(configError(() => parseConfig('[cache]\nredis = "redis://x"', CTX)).key).toBe('cache.redis');
  });

  it('parseScalar reads numbers, booleans and quoted strings, else keeps the text', () => {
    expect(parseScalar('12')).toBe(12);
    expect(parseScalar('1_000')).toBe(1000);
    expect(parseScalar('true')).toBe(true);
    expect(parseScalar('"quoted"')).toBe('quoted');
    expect(parseScalar('127.0.0.1')).toBe('127.0.0.1');
    expect(parseScalar('https://x.test/a.json')).toBe('https://x.test/a.json');
    expect(parseScalar('2024-01-01')).toBe('2024-01-01');
    expect(parseScalar('[1, 2]')).toBe('[1, 2]');
  });
});

describe('lookup order', () => {
  let root: string;
  let cwd: string;
  let home: string;
  let xdg: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ccproxy-config-'));
    cwd = join(root, 'project');
    home = join(root, 'home');
    xdg = join(root, 'xdg');
    await Promise.all([
      mkdir(cwd, { recursive: true }),
      mkdir(join(home, '.config', 'ccproxy'), { recursive: true }),
      mkdir(join(xdg, 'ccproxy'), { recursive: true }),
    ]);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const port = (n: number) => `[server]\nport = ${n}\n`;

  it('--config, then CCPROXY_CONFIG, then ./.ccproxy.toml, ./ccproxy.toml, XDG, ~/.config', async () => {
    const flag = join(root, 'flag.toml');
    const named = join(root, 'named.toml');
    await Promise.all([
      writeFile(flag, port(1001)),
      writeFile(named, port(1002)),
      writeFile(join(cwd, '.ccproxy.toml'), port(1003)),
      writeFile(join(cwd, 'ccproxy.toml'), port(1004)),
      writeFile(join(xdg, 'ccproxy', 'config.toml'), port(1005)),
      writeFile(join(home, '.config', 'ccproxy', 'config.toml'), port(1006)),
    ]);
    const env = { CCPROXY_CONFIG: named, XDG_CONFIG_HOME: xdg };
    const load = (options: { configPath?: string; env: Record<string, string> }) =>
      loadConfig({ cwd, homedir: home, ...options });

    expect(load({ configPath: flag, env }).server.port).toBe(1001);
    expect(load({ env }).server.port).toBe(1002);
    expect(findConfigFile({ env, cwd, homedir: home })).toEqual({ path: named, via: 'CCPROXY_CONFIG' });

    const searchEnv = { XDG_CONFIG_HOME: xdg };
    expect(load({ env: searchEnv }).server.port).toBe(1003);
    await rm(join(cwd, '.ccproxy.toml'));
    expect(load({ env: searchEnv }).server.port).toBe(1004);
    await rm(join(cwd, 'ccproxy.toml'));
    expect(load({ env: searchEnv })).toMatchObject({
      file: join(xdg, 'ccproxy', 'config.toml'),
      server: { port: 1005 },
    });
    expect(load({ env: {} }).server.port).toBe(1006);
    await rm(join(home, '.config', 'ccproxy', 'config.toml'));
    expect(load({ env: {} })).toMatchObject({ file: null, server: { port: 8000 } });
  });

  it('looks in the directory pnpm was started from (INIT_CWD), not apps/proxy', () => {
    expect(invocationDir({ INIT_CWD: '/work/repo' })).toBe('/work/repo');
    expect(invocationDir({ INIT_CWD: '' })).toBe(process.cwd());
    expect(invocationDir({})).toBe(process.cwd());
  });

  it('relative --config paths resolve against the working directory', async () => {
    await writeFile(join(cwd, 'custom.toml'), port(1007));
    expect(loadConfig({ configPath: 'custom.toml', cwd, homedir: home, env: {} }).server.port).toBe(1007);
  });

  it('a missing explicit file is an error; a missing searched one is not', () => {
    const missing = join(root, 'nope.toml');
    const flag = configError(() => loadConfig({ configPath: missing, cwd, homedir: home, env: {} }));
    expect(flag.message).toBe(`Config file not found: ${missing} (named by --config)`);
    const env = configError(() => loadConfig({ cwd, homedir: home, env: { CCPROXY_CONFIG: missing } }));
    expect(env.message).toBe(`Config file not found: ${missing} (named by CCPROXY_CONFIG)`);
    expect(
      configError(() => loadConfig({ configPath: root, cwd, homedir: home, env: {} })).message,
    ).toContain('Config file not found');
    expect(loadConfig({ cwd, homedir: home, env: {} }).file).toBeNull();
  });

  it('reports a syntax error with the file name', async () => {
    const file = join(cwd, '.ccproxy.toml');
    await writeFile(file, '[server\nport = 1');
    expect(configError(() => loadConfig({ cwd, homedir: home, env: {} })).message).toContain(
      `(in ${file}) at line 1`,
    );
  });
});

describe('[plugins.*.availability]', () => {
  const TOML = `
[plugins.claude_api.availability]
url = "http://127.0.0.1:9/anthropic/v1/models"
api_key_env = "ANTHROPIC_API_KEY"
ttl = 120
`;

  it('is off without a url, on with one, the key left in its environment variable', () => {
    expect(parseConfig('', CTX).plugins.claude_api.availability).toBeUndefined();
    const config = parseConfig(TOML, { ...CTX, env: { ANTHROPIC_API_KEY: 'sk-ant-x' } });
    expect(config.plugins.claude_api.availability).toEqual({
      url: 'http://127.0.0.1:9/anthropic/v1/models',
      format: 'anthropic',
      apiKeyEnv: 'ANTHROPIC_API_KEY',
      ttlSeconds: 120,
      keepUnlisted: false,
    });
    expect(JSON.stringify(config)).not.toContain('sk-ant-x');
    expect(config.plugins.codex.availability).toBeUndefined();
  });

  it('takes environment overrides like any key', () => {
    const env = { PLUGINS__CODEX__AVAILABILITY__URL: 'http://127.0.0.1:9/openai/v1/models' };
    expect(parseConfig('', { ...CTX, env }).plugins.codex.availability).toMatchObject({
      url: 'http://127.0.0.1:9/openai/v1/models',
      format: 'openai',
      apiKeyEnv: undefined,
      ttlSeconds: 600,
    });
  });

  it('stops start-up naming the key', () => {
    const unset = configError(() => parseConfig(TOML, CTX));
    expect(unset.key).toBe('plugins.claude_api.availability.api_key_env');
    expect(unset.message).toContain('environment variable ANTHROPIC_API_KEY is not set');
    const noUrl = configError(() =>
      parseConfig('[plugins.codex.availability]\napi_key_env = "OPENAI_API_KEY"', CTX),
    );
    expect(noUrl.key).toBe('plugins.codex.availability.url');
    const cases: [string, string][] = [
      ['url = "ftp://x/models"', 'plugins.codex.availability.url'],
      ['url = "http://127.0.0.1:9/v1/models"\nformat = "gemini"', 'plugins.codex.availability.format'],
      [
        'url = "http://127.0.0.1:9/v1/models"\napi_key_env = "NOT-A-NAME"',
        'plugins.codex.availability.api_key_env',
      ],
      ['url = "http://127.0.0.1:9/v1/models"\nttl = 0', 'plugins.codex.availability.ttl'],
      ['url = "http://127.0.0.1:9/v1/models"\nkey = "sk"', 'plugins.codex.availability.key'],
    ];
    for (const [body, key] of cases) {
      const error = configError(() => parseConfig(`[plugins.codex.availability]\n${body}`, CTX));
      expect(error.message, body).toContain(key);
    }
  });
});

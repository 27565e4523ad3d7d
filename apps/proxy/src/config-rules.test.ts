import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { type ConfigError, isConfigError } from './config-error.js';

const FILE = { env: {}, cwd: '/srv/proxy', homedir: '/home/user', file: '/etc/ccproxy.toml' };
const IN_FILE = ' (in /etc/ccproxy.toml)';

function configError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, { ...FILE, env });
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('[plugins.<name>.models]', () => {
  it('reads every rule kind, for each plugin, as the router options', () => {
    const config = parseConfig(
      `
[plugins.codex.models]
include = ["gpt-5*", "/^o\\\\d/"]
exclude = ["*-preview"]

[plugins.codex.models.aliases]
fast = "gpt-5-mini"

[plugins.codex.models.overrides."gpt-5"]
max_input_tokens = 200000
deprecation_date = 2027-01-31

[plugins.codex.models.overrides."gpt-5".pricing]
prompt = "0.000001"

[[plugins.codex.models.extra]]
id = "house-coder"
display_name = "House Coder"
max_input_tokens = 64000

[[plugins.codex.models.extra]]
id = "house-chat"

[plugins.claude_api.models]
exclude = ["claude-3-*"]
aliases = { sonnet = "claude-sonnet-4-5" }
`,
      FILE,
    );
    expect(config.plugins.codex.models).toEqual({
      include: ['gpt-5*', '/^o\\d/'],
      exclude: ['*-preview'],
      aliases: { fast: 'gpt-5-mini' },
      // A TOML local date is read as the YYYY-MM-DD string the package takes.
      overrides: {
        'gpt-5': {
          max_input_tokens: 200_000,
          deprecation_date: '2027-01-31',
          pricing: { prompt: '0.000001' },
        },
      },
      extra: [
        { id: 'house-coder', display_name: 'House Coder', max_input_tokens: 64_000 },
        { id: 'house-chat' },
      ],
    });
    expect(config.plugins.claude_api.models).toEqual({
      include: [],
      exclude: ['claude-3-*'],
      overrides: {},
      extra: [],
      aliases: { sonnet: 'claude-sonnet-4-5' },
    });
    expect(Object.isFrozen(config.plugins.codex.models.overrides['gpt-5'])).toBe(true);
    expect(Object.isFrozen(config.plugins.codex.models.extra)).toBe(true);
  });

  it.each([
    [
      'include = "gpt-5"',
      'plugins.codex.models.include',
      'must be an array of id patterns to list (none: every model of the provider): exact ids, globs ("gpt-5*") or "/regex/flags", got the string "gpt-5"',
    ],
    [
      'include = ["gpt-5", ""]',
      'plugins.codex.models.include[1]',
      'must be an id pattern: an exact id, a glob ("gpt-5*") or "/regex/flags", got the string ""',
    ],
    ['exclude = [5]', 'plugins.codex.models.exclude[0]', 'must be an id pattern'],
    [
      'exclude = ["/[/"]',
      'plugins.codex.models.exclude[0]',
      'is not a valid pattern: Invalid regular expression: /[/: Unterminated character class',
    ],
    [
      'includes = []',
      'plugins.codex.models.includes',
      'unknown key (did you mean include?); allowed keys in [plugins.codex.models]: include, exclude, overrides, extra, aliases',
    ],
    [
      'aliases = ["x"]',
      'plugins.codex.models.aliases',
      'must be a table of alias = "model id" ([plugins.codex.models.aliases]), got an array',
    ],
    ['aliases = { fast = 1 }', 'plugins.codex.models.aliases."fast"', 'must be a model id, got the number 1'],
    ['aliases = { fast = "fast" }', 'plugins.codex.models.aliases."fast"', 'points at itself'],
    [
      'overrides = { "gpt-5" = 1 }',
      'plugins.codex.models.overrides."gpt-5"',
      'must be a table of card fields',
    ],
    ['overrides = 1', 'plugins.codex.models.overrides', 'must be a table of tables'],
    [
      'extra = [1]',
      'plugins.codex.models.extra[0]',
      'must be a table ([[plugins.codex.models.extra]]) with an id, got the number 1',
    ],
    ['extra = { id = "x" }', 'plugins.codex.models.extra', 'must be an array of tables'],
  ])('%s -> %s', (line, key, problem) => {
    const error = configError(`[plugins.codex.models]\n${line}`);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`${key}: ${problem}`);
    expect(error.message.endsWith(IN_FILE)).toBe(true);
  });

  it.each([
    [
      '[plugins.codex.models.overrides."gpt-5"]\nmax_input = 1',
      'plugins.codex.models.overrides."gpt-5".max_input',
      'is not a field a rule may set (known: context_length, max_input_tokens',
    ],
    [
      '[plugins.codex.models.overrides."gpt-5"]\nmax_input_tokens = "1"',
      'plugins.codex.models.overrides."gpt-5".max_input_tokens',
      'must be an integer',
    ],
    [
      '[plugins.codex.models.overrides."gpt-5*"]\nsupports_vision = "yes"',
      'plugins.codex.models.overrides."gpt-5*".supports_vision',
      'must be a boolean',
    ],
    [
      '[plugins.codex.models.overrides."/(/"]\ndescription = "x"',
      'plugins.codex.models.overrides."/(/"',
      'is not a valid pattern: Invalid regular expression',
    ],
    [
      '[plugins.codex.models.overrides."gpt-5".pricing]\nprompt = "cheap"',
      'plugins.codex.models.overrides."gpt-5".pricing.prompt',
      'must be USD per token, a number or a decimal string',
    ],
    [
      '[plugins.codex.models.overrides."gpt-5".pricing]\nper_request = 1',
      'plugins.codex.models.overrides."gpt-5".pricing.per_request',
      'is not a price (known: prompt, completion, input_cache_read, input_cache_write)',
    ],
    [
      '[plugins.codex.models.overrides."gpt-5"]\ndeprecation_date = 2027-01-31T00:00:00Z',
      'plugins.codex.models.overrides."gpt-5".deprecation_date',
      'must be a YYYY-MM-DD date or null',
    ],
    [
      '[[plugins.codex.models.extra]]\nname = "x"',
      'plugins.codex.models.extra[0].name',
      'is not a field a rule may set',
    ],
    [
      '[[plugins.codex.models.extra]]\ndisplay_name = "x"',
      'plugins.codex.models.extra[0].id',
      'must be a non-empty string',
    ],
    [
      '[[plugins.codex.models.extra]]\nid = "a"\n[[plugins.codex.models.extra]]\nid = "a"',
      'plugins.codex.models.extra[1].id',
      'repeats "a"',
    ],
    [
      '[[plugins.codex.models.extra]]\nid = "a"\ncreated = -1',
      'plugins.codex.models.extra[0].created',
      'must be >= 0, got -1',
    ],
    [
      '[plugins.claude_api.models.overrides."claude-*"]\nmax_tokens = 1.5',
      'plugins.claude_api.models.overrides."claude-*".max_tokens',
      'must be an integer',
    ],
  ])('the package refuses %j, named by its TOML key', (text, key, problem) => {
    const error = configError(text);
    expect(error.key).toBe(key);
    expect(error.message).toContain(`${key}: ${problem}`);
    expect(error.message.endsWith(IN_FILE)).toBe(true);
    // The package's own error is kept as the cause.
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toContain('@ccproxy/models-middleware: option `');
  });

  it('an alias to a model the list does not have is not a config error: the router reports it', () => {
    // A cycle (a -> b -> a) or a missing target depends on the catalog of the day, not on the file.
    const config = parseConfig('[plugins.codex.models.aliases]\na = "b"\nb = "a"\nc = "no-such-model"', FILE);
    expect(config.plugins.codex.models.aliases).toEqual({ a: 'b', b: 'a', c: 'no-such-model' });
  });

  it.each([
    ['PLUGINS__CODEX__MODELS__INCLUDE', '["gpt-5"]', 'plugins.codex.models.include', 'plugins.codex.models'],
    [
      'plugins__claude_api__models__aliases__fast',
      'claude-sonnet-4-5',
      'plugins.claude_api.models.aliases.fast',
      'plugins.claude_api.models',
    ],
    ['PLUGINS__CODEX__MODELS', 'x', 'plugins.codex.models', 'plugins.codex.models'],
  ])('cannot be set from the environment: %s', (name, value, key, table) => {
    const error = configError('', { [name]: value });
    expect(error.key).toBe(key);
    expect(error.message).toBe(
      `${key}: cannot be set from the environment; [${table}] is read from the config file only (from environment variable ${name})`,
    );
  });

  it('other keys of the plugin still come from the environment beside rules in the file', () => {
    const config = parseConfig('[plugins.codex.models]\ninclude = ["gpt-5"]', {
      ...FILE,
      env: { PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS: '12' },
    });
    expect(config.plugins.codex.modelsCacheTtlHours).toBe(12);
    expect(config.plugins.codex.models.include).toEqual(['gpt-5']);
  });

  it('every rule config.example.toml shows in a comment is valid once uncommented', () => {
    const example = readFileSync(new URL('../config.example.toml', import.meta.url), 'utf8');
    const shown = [...example.matchAll(/^\[(plugins\.\w+\.models)\]\n((?:#.*\n?)*)/gm)];
    expect(shown.map((match) => match[1])).toEqual(['plugins.codex.models', 'plugins.claude_api.models']);
    for (const [, table, body] of shown) {
      // The inline forms (`# include = [...]`), and the table forms that follow `# or as tables:`.
      const lines = (body ?? '').split('\n');
      const inline = lines
        .filter((line) => /^# (include|exclude|aliases|overrides|extra) = /.test(line))
        .map((line) => line.slice(2));
      expect(inline.map((line) => line.split(' ')[0]).sort()).toEqual([
        'aliases',
        'exclude',
        'extra',
        'include',
        'overrides',
      ]);
      const parsed = parseConfig(`[${table}]\n${inline.join('\n')}`, FILE);
      const name = (table ?? '').split('.')[1] as 'codex' | 'claude_api';
      const rules = parsed.plugins[name].models;
      for (const kind of ['include', 'exclude', 'extra'] as const)
        expect(rules[kind].length).toBeGreaterThan(0);
      for (const kind of ['overrides', 'aliases'] as const)
        expect(Object.keys(rules[kind]).length).toBeGreaterThan(0);
      // Each `# [table]` header with the `# key = value` lines right under it.
      const tables: string[] = [];
      let inTable = false;
      for (const line of lines) {
        if (line.startsWith('# [')) inTable = true;
        else if (!/^# \w+ = /.test(line)) inTable = false;
        if (inTable) tables.push(line.slice(2));
      }
      if (name === 'codex') {
        const fromTables = parseConfig(tables.join('\n'), FILE).plugins.codex.models;
        expect(fromTables.overrides['gpt-5']).toMatchObject({ pricing: { prompt: '0.000001' } });
        expect(fromTables.extra.map((model) => model.id)).toEqual(['house-coder']);
      }
    }
  });
});

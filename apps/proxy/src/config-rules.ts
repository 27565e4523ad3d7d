/**
 * `[plugins.<name>.models]`: the operator's rules as router options. The schema has checked
 * their shape; the package checks the rest (override fields, patterns, alias targets) with
 * `checkRouterOptions`, and its complaint, which names the option (`overrides["gpt-5"].x`),
 * becomes a ConfigError naming the TOML key (`plugins.codex.models.overrides."gpt-5".x`).
 */
import { checkRouterOptions, type ModelsRouterOptions } from '@ccproxy/models-middleware';
import { TomlDate } from 'smol-toml';
import { ConfigError } from './config-error.js';
import type { PluginName } from './config-schema.js';

/** The rule options of one plugin, exactly as `modelsRouter` takes them. */
export type PluginRules = Required<
  Pick<ModelsRouterOptions, 'include' | 'exclude' | 'overrides' | 'extra' | 'aliases'>
>;

/** `option \`<key>\` <problem>` in the package's messages. */
const OPTION_MESSAGE = /option `([^`]+)` ([\s\S]*)$/;
/** One step of the package's key: the option name, `["quoted"]`, `[0]` or `.field`. */
const KEY_STEP = /^[a-zA-Z_]+|\["(?:[^"\\]|\\.)*"\]|\[\d+\]|\.[a-zA-Z_]+/g;

/**
 * The plugin's rules from its validated `models` table, checked by the package for `provider`.
 * Throws {@link ConfigError} naming the TOML key; `origin` says where the table came from.
 */
export function pluginRules(
  name: PluginName,
  provider: string,
  table: Readonly<Record<string, unknown>>,
  origin: string,
): PluginRules {
  const rules = deepFreeze(withDates(table)) as PluginRules;
  try {
    checkRouterOptions({ provider, ...rules });
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const match = OPTION_MESSAGE.exec(error.message);
    const key = `plugins.${name}.models${match === null ? '' : tomlKey(match[1] as string)}`;
    const problem = match?.[2] ?? error.message;
    throw new ConfigError(`${key}: ${problem}${origin}`, key, { cause: error });
  }
  return rules;
}

/** `overrides["gpt-5"].max_tokens` -> `.overrides."gpt-5".max_tokens`; `extra[0].id` stays indexed. */
function tomlKey(optionKey: string): string {
  return (optionKey.match(KEY_STEP) ?? [optionKey])
    .map((step) => {
      if (step.startsWith('["')) return `.${step.slice(1, -1)}`;
      if (step.startsWith('[') || step.startsWith('.')) return step;
      return `.${step}`;
    })
    .join('');
}

/**
 * A TOML local date (`deprecation_date = 2026-01-01`) as the `YYYY-MM-DD` string the package
 * reads; other dates stay dates, for the package to refuse by name.
 */
function withDates(value: unknown): unknown {
  if (value instanceof TomlDate && value.isDate()) return value.toISOString();
  if (Array.isArray(value)) return value.map(withDates);
  if (typeof value === 'object' && value !== null && !(value instanceof Date))
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withDates(child)]));
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

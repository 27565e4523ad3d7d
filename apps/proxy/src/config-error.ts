/**
 * What a bad configuration says: one message naming the dotted key, what it accepts and where
 * the value came from, built from the first error Ajv reports against the schema.
 */
import type { ErrorObject } from 'ajv';
import { allowedOf, keyOf, type SchemaNode, schemaAt } from './config-schema.js';

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

/** A value as a message names it: `the string "12"`, `a date`, `a table`. */
function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return typeof value === 'object' && value !== null ? 'a table' : String(value);
}

/** `${key}: must be ..., got ...` for a value of the wrong type at a known key. */
export function wrongType(
  path: readonly string[],
  node: SchemaNode,
  value: unknown,
  origin: string,
): ConfigError {
  const key = keyOf(path);
  const allowed = node.type === 'object' ? (node.description ?? `a table ([${key}])`) : allowedOf(node);
  return new ConfigError(`${key}: must be ${allowed}, got ${describe(value)}${origin}`, key);
}

/** The ConfigError for Ajv's first error; `originOf` says where a dotted key's value came from. */
export function fromAjvError(error: ErrorObject, originOf: (key: string) => string): ConfigError {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'additionalProperties') {
    const name = (error.params as { additionalProperty: string }).additionalProperty;
    return unknownKey([...path, name], Object.keys(schemaAt(path)?.properties ?? {}), originOf);
  }
  const key = keyOf(path);
  const node = schemaAt(path) as SchemaNode;
  const origin = originOf(key);
  switch (error.keyword) {
    case 'minimum':
    case 'maximum':
      return new ConfigError(
        `${key}: ${error.data} is out of range: must be ${allowedOf(node)}${origin}`,
        key,
      );
    case 'pattern': {
      const problem = (error.parentSchema as { problem: string }).problem;
      const value = JSON.stringify(error.data);
      return new ConfigError(`${key}: ${value} ${problem}: must be ${allowedOf(node)}${origin}`, key);
    }
    default:
      // type, enum, minLength: the value is not one the key accepts.
      return wrongType(path, node, error.data, origin);
  }
}

/** An unknown key, with the allowed ones and, for a likely slip, the one that was meant. */
function unknownKey(
  path: readonly string[],
  allowed: readonly string[],
  originOf: (key: string) => string,
): ConfigError {
  const key = keyOf(path);
  const name = (path.at(-1) ?? '').toLowerCase();
  const parent = keyOf(path.slice(0, -1));
  const noun = parent === 'plugins' ? 'plugin' : 'key';
  // A truncated or extended key (`models_cache_ttl`) or two swapped letters (`prot`).
  const sorted = (word: string) => [...word].sort().join('');
  const meant = allowed.find(
    (candidate) =>
      (name.length >= 4 && (candidate.startsWith(name) || name.startsWith(candidate))) ||
      sorted(candidate) === sorted(name),
  );
  const hint = meant === undefined ? '' : ` (did you mean ${meant}?)`;
  const scope = parent === '' ? 'at the top level' : `in [${parent}]`;
  return new ConfigError(
    `${key}: unknown ${noun}${hint}; allowed ${noun}s ${scope}: ${allowed.join(', ')}${originOf(key)}`,
    key,
  );
}

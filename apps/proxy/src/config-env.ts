/**
 * Environment overrides, ccproxy style: `SECTION__KEY[__KEY...]=value` for every top-level
 * section of the schema, any case (`SERVER__PORT=9000`, `plugins__codex__enabled=false`), values
 * read as TOML scalars. Plain `PORT` and `LOG_LEVEL`, as most hosts set them, win over both.
 */
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { CONFIG_SCHEMA, schemaAt } from './config-schema.js';

type Scalar = string | number | boolean;
type Table = Record<string, unknown>;

const WINNERS = [
  ['PORT', ['server', 'port']],
  ['LOG_LEVEL', ['server', 'log_level']],
] as const;

/**
 * Writes the overrides into the parsed document (a later one wins) and returns, for each dotted
 * key it set, the message suffix naming the variable.
 */
export function applyEnv(
  document: Table,
  env: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const sections = Object.keys(CONFIG_SCHEMA.properties ?? {});
  const overrides: [readonly string[], string, string][] = [];
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    const path = name.toLowerCase().split('__');
    if (raw !== undefined && path.length > 1 && sections.includes(path[0] as string))
      overrides.push([path, raw, name]);
  }
  for (const [name, path] of WINNERS) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') overrides.push([path, raw, name]);
  }

  const origins = new Map<string, string>();
  for (const [path, raw, name] of overrides) {
    const key = path.join('.');
    const origin = ` (from environment variable ${name})`;
    for (let end = 1; end <= path.length; end++) {
      const node = schemaAt(path.slice(0, end));
      if (node?.fileOnly === true) {
        const table = path.slice(0, end).join('.');
        throw new ConfigError(
          `${key}: cannot be set from the environment; [${table}] is read from the config file only${origin}`,
          key,
        );
      }
      if (end === path.length) break;
      if (node !== undefined && node.type !== 'object') {
        const parent = path.slice(0, end).join('.');
        throw new ConfigError(`${key}: unknown key; ${parent} is a single value, not a table${origin}`, key);
      }
    }
    if (setAt(document, path, parseScalar(raw))) origins.set(key, origin);
  }
  return origins;
}

/** Sets a dotted key, creating tables on the way; a non-table in the way (`server = 1` in the file) is left for the schema check to report. */
function setAt(document: Table, path: readonly string[], value: unknown): boolean {
  let table = document;
  for (const segment of path.slice(0, -1)) {
    table[segment] ??= {};
    const next = table[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next) || next instanceof Date)
      return false;
    table = next as Table;
  }
  table[path.at(-1) as string] = value;
  return true;
}

/** A value as TOML would read it on the right of `=`: `12`, `true`, `"x"`; anything else is a string. */
export function parseScalar(raw: string): Scalar {
  try {
    const value = (parseToml(`v = ${raw.trim()}`) as { v: unknown }).v;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  } catch {
    // Not a TOML literal: a bare word, URL or path.
  }
  return raw;
}

/**
 * Where the configuration file is, found the way ccproxy finds its own, and where relative paths
 * start from.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir as osHomedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './config-error.js';

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

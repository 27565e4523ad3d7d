import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { type ProxyConfig, parseConfig } from '../../src/config.js';

/** Fresh temp directories; `cleanup()` removes every one made. */
export function tempDirs(): { make(): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'ccproxy-proxy-'));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** TOML for both plugins reading `url` and caching in `cacheDir`. */
function configToml(url: string, cacheDir: string): string {
  const plugin = (name: string) =>
    `[plugins.${name}]\nmodels_source_url = ${JSON.stringify(url)}\nmodels_cache_dir = ${JSON.stringify(cacheDir)}\n`;
  return `${plugin('codex')}\n${plugin('claude_api')}`;
}

/**
 * A validated configuration through the real parser; `env` adds `SECTION__KEY` overrides and
 * `toml` more tables after the plugins' (`[plugins.codex.models]`, ...).
 */
export function testConfig(
  url: string,
  cacheDir: string,
  env: Record<string, string> = {},
  toml = '',
): ProxyConfig {
  return parseConfig(`${configToml(url, cacheDir)}\n${toml}`, { env, file: null });
}

export async function writeConfigFile(
  dir: string,
  url: string,
  cacheDir: string,
  extra = '',
): Promise<string> {
  const file = join(dir, 'ccproxy.toml');
  await writeFile(file, `${extra}\n${configToml(url, cacheDir)}`);
  return file;
}

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A real pino logger whose lines are kept, parsed, for assertions. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: LogRecord[] } {
  const lines: LogRecord[] = [];
  const stream = {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line));
    },
  };
  return { logger: pino({ level }, stream), lines };
}

/** An environment for child processes that cannot reach a developer's own config or cache. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    ...extra,
  };
  return env;
}

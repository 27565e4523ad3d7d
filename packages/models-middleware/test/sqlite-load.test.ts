import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes } from './support/fixture.js';
import { tempDirs } from './support/tmp.js';
import { FakeUpstream } from './support/upstream.js';

const DIST = new URL('../dist/index.js', import.meta.url);
const PROBE = fileURLToPath(new URL('./support/sqlite-probe.mjs', import.meta.url));
const NO_SQLITE3 = fileURLToPath(new URL('./support/no-sqlite3.cjs', import.meta.url));
const run = promisify(execFile);

interface Probe {
  source: string;
  models: number;
  lines: Array<{ level: string; msg: string }>;
  disk: string;
  diskError: string | null;
  sqlite3Loaded: boolean;
}

/** Runs the probe in a fresh process: module caches, and a crash, are its own. */
async function probe(mode: 'sqlite' | 'map' | 'off', cacheDir: string, preload?: string): Promise<Probe> {
  const args = [...(preload ? ['--require', preload] : []), PROBE, DIST.href, upstream.url, mode, cacheDir];
  const { stdout } = await run(process.execPath, args, { timeout: 20_000 });
  return JSON.parse(stdout) as Probe;
}

let upstream: FakeUpstream;
const dirs = tempDirs();
beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
  await dirs.cleanup();
});

describe('sqlite3 is loaded only for the default store, and its absence is not a crash', () => {
  it('needs the built package (`tsc -b`)', () => {
    expect(existsSync(DIST)).toBe(true);
  });

  it('a missing native binary degrades to memory with one warning naming the fix', async () => {
    const result = await probe('sqlite', await dirs.make(), NO_SQLITE3);
    expect(result.source).toBe('upstream');
    expect(result.models).toBeGreaterThan(100);
    expect(result.disk).toBe('off');
    expect(result.diskError).toMatch(/Could not locate the bindings file/);
    const warnings = result.lines.filter((line) => line.level !== 'info');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/SQLite cannot load.*pnpm approve-builds.*npm rebuild sqlite3/);
  });

  it('the default store loads sqlite3 (the probe can tell)', async () => {
    const result = await probe('sqlite', await dirs.make());
    expect(result).toMatchObject({ source: 'upstream', disk: 'ok', sqlite3Loaded: true });
  });

  it.each(['map', 'off'] as const)('with store: %s, sqlite3 is never loaded', async (mode) => {
    const result = await probe(mode, await dirs.make());
    expect(result.source).toBe('upstream');
    expect(result.sqlite3Loaded).toBe(false);
  });
});

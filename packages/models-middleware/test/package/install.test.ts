import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { FakeUpstream } from '../support/upstream.js';
import { type LogLine, startApp } from './scratch.js';

const scratch = inject('scratch');
let upstream: FakeUpstream;
let home: string;

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
  home = mkdtempSync(join(tmpdir(), 'ccproxy-pkg-home-'));
});

afterAll(async () => {
  await upstream.stop();
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  readonly sources: (string | null)[];
  readonly count: number;
  readonly code: number | null;
  readonly warnings: LogLine[];
  readonly errors: LogLine[];
  readonly stderr: string;
  readonly sqliteLoaded: boolean;
}

/** Starts the README's app in `project`, asks for the list twice, stops it and reports what happened. */
async function runApp(project: string, name: string, store: 'default' | 'map' | 'none'): Promise<Run> {
  const tripwire = join(home, `${name}.sqlite3-loads`);
  const app = await startApp(project, {
    HOME: join(home, name),
    XDG_CACHE_HOME: join(home, name, 'cache'),
    MODELS_URL: upstream.url,
    FIXED_NOW: String(FIXED_NOW),
    SQLITE3_TRIPWIRE: tripwire,
    STORE: store,
  });
  const sources: (string | null)[] = [];
  let count = -1;
  const asked = (async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${app.base}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } });
      expect(res.status).toBe(200);
      sources.push(res.headers.get('x-models-source'));
      count = ((await res.json()) as { data: unknown[] }).data.length;
    }
  })();
  // Stopped whatever the requests did, so a failed assertion leaves no process behind.
  const failure = await asked.then(
    () => undefined,
    (error: unknown) => error,
  );
  const { code, lines, stderr } = await app.stop();
  if (failure !== undefined) {
    throw new Error(`asking ${name} for the list failed; the app exited with ${code}\n${stderr}`, {
      cause: failure,
    });
  }
  return {
    sources,
    count,
    code,
    warnings: lines.filter((line) => line.level === 'warn'),
    errors: lines.filter((line) => line.level === 'error'),
    stderr,
    sqliteLoaded: existsSync(tripwire) && readFileSync(tripwire, 'utf8').includes('sqlite3 loaded'),
  };
}

describe.each([
  ['Express 4', 'express4'],
  ['Express 5', 'express5'],
] as const)('the packed tarball in a %s project, sqlite3 installed but not built', (_, key) => {
  it('serves the list from memory and warns once, naming the fix', async () => {
    const run = await runApp(scratch[key], `${key}-default`, 'default');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.sources).toEqual(['upstream', 'memory']);
    expect(run.count).toBe(EXPECTED.anthropic);
    // The default store was tried: the tripwire can see a load (the next test relies on that).
    expect(run.sqliteLoaded).toBe(true);
    expect(run.errors).toEqual([]);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]?.msg).toMatch(/SQLite/);
    expect(run.warnings[0]?.msg).toContain('npm rebuild sqlite3');
    expect(run.warnings[0]?.msg).toContain('pnpm approve-builds');
  });

  it('with a Map store, never loads sqlite3 and says nothing', async () => {
    const run = await runApp(scratch[key], `${key}-map`, 'map');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.sources).toEqual(['upstream', 'memory']);
    expect(run.count).toBe(EXPECTED.anthropic);
    expect(run.sqliteLoaded).toBe(false);
    expect(run.warnings).toEqual([]);
    expect(run.errors).toEqual([]);
  });
});

describe('the packed tarball without the optional @keyv/sqlite peer', () => {
  it('installs no sqlite3 at all', () => {
    expect(existsSync(join(scratch.bare, 'node_modules', 'sqlite3'))).toBe(false);
    expect(existsSync(join(scratch.bare, 'node_modules', '@keyv', 'sqlite'))).toBe(false);
  });

  it('serves the list from memory and warns once, naming the package to install', async () => {
    const run = await runApp(scratch.bare, 'bare-default', 'default');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.sources).toEqual(['upstream', 'memory']);
    expect(run.count).toBe(EXPECTED.anthropic);
    expect(run.errors).toEqual([]);
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]?.msg).toContain('npm install @keyv/sqlite');
  });

  it('with cacheDir: false, says nothing', async () => {
    const run = await runApp(scratch.bare, 'bare-none', 'none');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.sources).toEqual(['upstream', 'memory']);
    expect(run.count).toBe(EXPECTED.anthropic);
    expect(run.warnings).toEqual([]);
    expect(run.errors).toEqual([]);
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listTarball, PKG_DIR, REPO_DIR, STALE_OUTPUT, sh } from './scratch.js';

const tarball = inject('tarball');
let files: Map<string, number>;
let unpacked: string;

beforeAll(async () => {
  files = await listTarball(tarball);
  unpacked = mkdtempSync(join(tmpdir(), 'ccproxy-pkg-unpacked-'));
  await sh('tar', ['-xzf', tarball, '-C', unpacked], { cwd: unpacked });
});

afterAll(() => rmSync(unpacked, { recursive: true, force: true }));

const read = (path: string): string => readFileSync(join(unpacked, 'package', path), 'utf8');

describe('the packed tarball', () => {
  it('carries the README, the LICENSE, the entry points, the worker and the snapshot', () => {
    for (const path of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/parse-worker.js',
      'snapshot/model_prices_and_context_window.json.gz',
    ]) {
      expect(files.has(`package/${path}`), path).toBe(true);
    }
  });

  it('has the same LICENSE as the repository, with LiteLLM notice for the snapshot', () => {
    expect(read('LICENSE')).toBe(readFileSync(join(REPO_DIR, 'LICENSE'), 'utf8'));
    expect(read('LICENSE')).toContain('Copyright (c) 2023 Berri AI');
  });

  it('has a README a registry reader can use: install, usage, options, failure behaviour', () => {
    const readme = read('README.md');
    for (const heading of ['## Install', '## Usage', '## Options', '## Failure behaviour']) {
      expect(readme).toContain(heading);
    }
    expect(readme).toContain("modelsRouter({ provider: 'anthropic'");
  });

  it('ships no source maps, and no file points at one', () => {
    const maps = [...files.keys()].filter((path) => path.endsWith('.map'));
    expect(maps).toEqual([]);
    const pointing = [...files.keys()]
      .filter((path) => /\.(js|d\.ts)$/.test(path))
      .filter((path) => read(path.slice('package/'.length)).includes('sourceMappingURL'));
    expect(pointing).toEqual([]);
  });

  it('holds only the build of current sources: no test, no stale output of a deleted file', () => {
    const built = [...files.keys()].filter((path) => path.startsWith('package/dist/'));
    expect(built.length).toBeGreaterThan(0);
    expect(files.has(`package/${STALE_OUTPUT}`)).toBe(false);
    const orphans = built.filter((path) => {
      const source = path.slice('package/dist/'.length).replace(/\.(js|d\.ts)$/, '.ts');
      return !existsSync(join(PKG_DIR, 'src', source));
    });
    expect(orphans).toEqual([]);
    expect(built.filter((path) => path.includes('.test.'))).toEqual([]);
    const outside = [...files.keys()].filter(
      (path) =>
        !/^package\/(dist|snapshot)\//.test(path) &&
        !['package/package.json', 'package/README.md', 'package/LICENSE'].includes(path),
    );
    expect(outside).toEqual([]);
  });

  it('declares SQLite as an optional peer, so installing the package builds nothing', () => {
    const manifest = JSON.parse(read('package.json')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('@keyv/sqlite');
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('sqlite3');
    expect(manifest.peerDependencies?.['@keyv/sqlite']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['@keyv/sqlite']?.optional).toBe(true);
  });
});

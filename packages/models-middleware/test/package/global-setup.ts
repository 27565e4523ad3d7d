import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { APP_SOURCE, armSqliteTripwire, installScratch, PKG_DIR, packTarball } from './scratch.js';

/** The consumer projects, one npm install each per run, shared by every test of this project. */
export interface ScratchProjects {
  /** Express 4, @keyv/sqlite installed, sqlite3 not built. */
  readonly express4: string;
  /** Express 5, @keyv/sqlite installed, sqlite3 not built. */
  readonly express5: string;
  /** Express 5 without the optional peer: no sqlite3 anywhere. */
  readonly bare: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    tarball: string;
    scratch: ScratchProjects;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  // Outside the workspace, so npm resolves nothing from it: a consumer's machine.
  const root = mkdtempSync(join(tmpdir(), 'ccproxy-pkg-'));
  const tarball = await packTarball(root);
  const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const sqlite = `@keyv/sqlite@${manifest.devDependencies['@keyv/sqlite']}`;
  const scratch: ScratchProjects = {
    express4: join(root, 'express4'),
    express5: join(root, 'express5'),
    bare: join(root, 'bare'),
  };
  await Promise.all([
    installScratch(scratch.express4, tarball, ['express@^4.21.0', sqlite]),
    installScratch(scratch.express5, tarball, ['express@^5.1.0', sqlite]),
    installScratch(scratch.bare, tarball, ['express@^5.1.0']),
  ]);
  for (const dir of Object.values(scratch)) writeFileSync(join(dir, 'app.mjs'), APP_SOURCE);
  armSqliteTripwire(scratch.express4);
  armSqliteTripwire(scratch.express5);
  project.provide('tarball', tarball);
  project.provide('scratch', scratch);
  return () => rmSync(root, { recursive: true, force: true });
}

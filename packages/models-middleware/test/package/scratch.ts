import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PKG_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_DIR = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs a command; a failure throws with its whole output, so an install problem is read, not guessed. */
export async function sh(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await run(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${options.cwd}\n${stdout}\n${stderr}`, {
      cause: error,
    });
  }
}

/** Planted in the staged `dist` before packing: `prepack` must leave it out of the tarball. */
export const STALE_OUTPUT = 'dist/output-of-a-deleted-source.js';

/**
 * `pnpm pack` of the package as publishing makes it: its `prepack` deletes `dist` and the build
 * info and builds again, so stale output of a deleted source cannot ship. That runs in a copy of
 * the package (with its build info, and a stale file planted in `dist`), not in place, because
 * other test projects import the built package from `dist` while this one runs.
 */
export async function packTarball(workDir: string): Promise<string> {
  const stage = join(workDir, 'stage');
  const stagePkg = join(stage, 'packages', 'models-middleware');
  const skip = new Set(['node_modules', 'dist'].map((name) => join(PKG_DIR, name)));
  cpSync(PKG_DIR, stagePkg, { recursive: true, filter: (source) => !skip.has(source.replace(/\/$/, '')) });
  mkdirSync(join(stagePkg, 'dist'));
  writeFileSync(join(stagePkg, STALE_OUTPUT), 'export {};\n');
  cpSync(join(REPO_DIR, 'tsconfig.base.json'), join(stage, 'tsconfig.base.json'));
  // The build needs the same type packages and compiler as the workspace: link, do not install.
  symlinkSync(join(PKG_DIR, 'node_modules'), join(stagePkg, 'node_modules'), 'dir');
  symlinkSync(join(REPO_DIR, 'node_modules'), join(stage, 'node_modules'), 'dir');
  const out = join(workDir, 'tarball');
  const env = { ...process.env, PATH: `${join(REPO_DIR, 'node_modules', '.bin')}:${process.env.PATH}` };
  await sh('pnpm', ['pack', '--pack-destination', out], { cwd: stagePkg, env });
  const { version } = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { version: string };
  return join(out, `ccproxy-models-middleware-${version}.tgz`);
}

/** Paths inside the tarball (`package/...`) with their sizes in bytes. */
export async function listTarball(tarball: string): Promise<Map<string, number>> {
  const listing = await sh('tar', ['-tvzf', tarball], { cwd: PKG_DIR });
  const files = new Map<string, number>();
  for (const line of listing.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 6 || !line.startsWith('-')) continue;
    files.set(fields.slice(5).join(' '), Number(fields[2]));
  }
  return files;
}

/**
 * A consumer's project outside the workspace, installed by npm from the tarball with install
 * scripts skipped (as pnpm 10 does by default, and npm with --ignore-scripts): sqlite3, when it is
 * installed at all, has no native binary.
 */
export async function installScratch(dir: string, tarball: string, specs: readonly string[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'scratch', private: true, type: 'module' }, null, 2)}\n`,
  );
  await sh(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...specs],
    { cwd: dir },
  );
}

/**
 * Makes sqlite3's entry module record that it ran, in the file named by SQLITE3_TRIPWIRE: a
 * module that is never loaded writes nothing, whichever loader (require or import) would load it.
 */
export function armSqliteTripwire(project: string): void {
  const entry = join(project, 'node_modules', 'sqlite3', 'lib', 'sqlite3.js');
  const source = readFileSync(entry, 'utf8');
  writeFileSync(
    entry,
    `require('node:fs').appendFileSync(process.env.SQLITE3_TRIPWIRE || '/dev/null', 'sqlite3 loaded\\n');\n${source}`,
  );
}

/** The README's snippet, with the upstream and the clock of the test, and a logger that prints JSON lines. */
export const APP_SOURCE = `import express from 'express';
import { modelsRouter } from '@ccproxy/models-middleware';

const line = (level) => (fields, msg) => process.stdout.write(JSON.stringify({ level, msg }) + '\\n');
const logger = { debug() {}, info: line('info'), warn: line('warn'), error: line('error') };
const extra = {};
if (process.env.STORE === 'map') extra.store = new Map();
if (process.env.STORE === 'none') extra.cacheDir = false;

const app = express();
app.use(
  '/v1',
  modelsRouter({
    provider: 'anthropic',
    url: process.env.MODELS_URL,
    clock: { now: () => Number(process.env.FIXED_NOW) },
    logger,
    ...extra,
  }),
);
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + '\\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly listening?: number;
}

export interface RunningApp {
  readonly base: string;
  /** Sends SIGTERM; resolves with the exit code and every line printed, once stdout has closed. */
  stop(): Promise<{ code: number | null; lines: LogLine[]; stderr: string }>;
}

/** Starts `app.mjs` in `project` and resolves once it listens; rejects when it exits first. */
export function startApp(project: string, env: Record<string, string>): Promise<RunningApp> {
  const child: ChildProcess = spawn(process.execPath, ['app.mjs'], {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.listening === undefined) return;
      resolve({
        base: `http://127.0.0.1:${line.listening}`,
        async stop() {
          child.kill('SIGTERM');
          const code = await exited;
          return { code, lines, stderr };
        },
      });
    });
    void exited.then((code) => reject(new Error(`app.mjs exited with ${code} before listening\n${stderr}`)));
  });
}

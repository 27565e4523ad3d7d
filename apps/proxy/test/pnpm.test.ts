/**
 * The root's `pnpm models` and `pnpm start`, run through pnpm itself as a user would: stdout of
 * `pnpm models ... --json` is JSON alone, and ^C on `pnpm start` (SIGINT to the whole process
 * group, as a terminal sends it) ends with the server's own lines and exit 0, no pnpm error.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDirs, writeConfigFile } from './support/env.js';
import { EXPECTED, fixtureBytes } from './support/fixture.js';
import { assertBuilt } from './support/process.js';
import { closedPortUrl, FakeUpstream } from './support/upstream.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Under `pnpm test` this is the pnpm that runs the suite; elsewhere, the one on PATH.
const PNPM = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, process.env.npm_execpath]
  : ['pnpm'];

let upstream: FakeUpstream;
const dirs = tempDirs();
const children: ChildProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
  }
  await dirs.cleanup();
});

async function envFor(url: string): Promise<NodeJS.ProcessEnv> {
  const home = await dirs.make();
  const file = await writeConfigFile(home, url, join(home, 'cache'));
  return isolatedEnv(home, { CCPROXY_CONFIG: file, PORT: '0', npm_config_update_notifier: 'false' });
}

describe('pnpm from the repository root', () => {
  it('pnpm models list --json prints JSON alone on stdout', async () => {
    const env = await envFor(upstream.url);
    const [command, ...prefix] = PNPM as [string, ...string[]];
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        command,
        [...prefix, 'models', 'list', '--provider', 'anthropic', '--json'],
        { cwd: ROOT, env, timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const cards = JSON.parse(result.stdout) as { owned_by: string }[];
    expect(cards).toHaveLength(EXPECTED.anthropic);
    expect(cards.every((card) => card.owned_by === 'anthropic')).toBe(true);
  });

  it('^C on pnpm start ends with the server’s own shutdown lines and exit 0', async () => {
    const env = await envFor(await closedPortUrl());
    const [command, ...prefix] = PNPM as [string, ...string[]];
    // A process group of its own, so the SIGINT below reaches pnpm and the server alike.
    const child = spawn(command, [...prefix, 'start'], { cwd: ROOT, env, detached: true });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('"msg":"models ready')) resolve();
      });
      child.once('exit', () => reject(new Error(`pnpm start exited first: ${stdout}${stderr}`)));
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await ready;
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });

    expect(`${stdout}${stderr}`).not.toMatch(/ERR_PNPM|ELIFECYCLE|Command failed/);
    const logs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; component?: string });
    expect(logs.slice(-2).map((line) => line.msg)).toEqual([
      'SIGINT received: shutting down',
      'server closed',
    ]);
    // pnpm's own `> ccproxy-models@ start` banner is the only other output.
    const other = stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'));
    expect(other.every((line) => line.startsWith('> '))).toBe(true);
  });
});

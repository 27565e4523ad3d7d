#!/usr/bin/env node
/**
 * The two programs the tests run that npm cannot install: Debian's `chromium` (the catalog page's
 * browser tests, apps/proxy/test/page.test.ts) and `redis-server` (the fleet suite,
 * packages/models-middleware/test/fleet). `pnpm test` runs this first. When both are there it says
 * nothing; when one is missing on a Debian or Ubuntu machine run as root, it installs the missing
 * packages with apt-get; otherwise it stops, naming what to install. The tests never skip for a
 * missing program: a suite that cannot run fails.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const TOOLS = [
  // Where the page tests look for it (CHROMIUM_PATH: another chromium build).
  {
    name: 'chromium',
    package: 'chromium',
    path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    for: 'the catalog page tests',
  },
  { name: 'redis-server', package: 'redis-server', path: undefined, for: 'the fleet tests' },
];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const onPath = (name) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));

const missing = TOOLS.filter((tool) =>
  tool.path === undefined ? !onPath(tool.name) : !executable(tool.path),
);
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.package);
const reasons = missing.map((tool) => `${tool.name} (${tool.for})`).join(', ');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !onPath('apt-get')) {
  console.error(
    `Missing ${reasons}. Install the Debian packages first: sudo apt-get install -y ${packages.join(' ')}` +
      (missing.some((tool) => tool.name === 'chromium')
        ? ' (or set CHROMIUM_PATH to a chromium binary)'
        : ''),
  );
  process.exit(1);
}

console.log(`Missing ${reasons}: installing the Debian packages ${packages.join(', ')} with apt-get`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...packages],
]) {
  const run = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (run.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
}

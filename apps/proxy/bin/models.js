#!/usr/bin/env node
/**
 * `pnpm models ...` from the repository root. There is deliberately no `models` script: pnpm
 * prints a `> pkg@ script` banner on stdout before running any script, and the only setting that
 * hides it (`reporter=silent`) also hides `pnpm install`'s errors. A command that is not a script
 * falls back to `pnpm exec`, which runs this bin (linked through the root's dev dependency on this
 * package) and prints nothing of its own, so stdout is the CLI's alone:
 * `pnpm models list --json | jq` works.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Build first, as `pnpm start` does. The compiler reports on stdout: send it to stderr instead.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0) process.exit(build.status ?? 1);
await import('../dist/cli.js');

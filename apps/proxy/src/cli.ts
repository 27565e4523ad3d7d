#!/usr/bin/env node
/** `pnpm models ...`: see `commands.ts`. Exit codes: 0 ok, 1 a refresh failed, 2 bad arguments or config. */
import { runCli } from './commands.js';
import { invocationDir } from './config-file.js';

function exit(code: number): void {
  // Let piped output drain before exiting: a large `--json` must not be cut short.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// A reader that stops early (`pnpm models list | head`) closes the pipe: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: invocationDir() }).then(
  exit,
  (error: unknown) => {
    process.stderr.write(
      `models: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    exit(1);
  },
);

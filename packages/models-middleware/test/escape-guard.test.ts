import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from './support/tmp.js';

const CONFIG = fileURLToPath(new URL('./fixtures/escape-guard/vitest.config.ts', import.meta.url));
const VITEST = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));

interface JsonReport {
  readonly testResults: ReadonlyArray<{
    readonly assertionResults: ReadonlyArray<{
      readonly title: string;
      readonly status: string;
      readonly failureMessages: readonly string[];
    }>;
  }>;
}

/** Runs Vitest on the fixture with the shared escape guard; resolves its exit code and JSON report. */
async function runFixture(dir: string): Promise<{ code: number; report: JsonReport }> {
  const outputFile = join(dir, 'report.json');
  const code = await new Promise<number>((resolve) => {
    execFile(
      process.execPath,
      [VITEST, 'run', '--config', CONFIG, '--reporter=json', `--outputFile=${outputFile}`],
      { env: { ...process.env, CI: '1', FORCE_COLOR: '0' } },
      (error) => resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1),
    );
  });
  return { code, report: JSON.parse(await readFile(outputFile, 'utf8')) as JsonReport };
}

describe('escape guard (scripts/escape-guard.ts)', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.cleanup());

  it('fails the test that leaks a rejection or throws into the event loop, by name, and only that test', async () => {
    const { code, report } = await runFixture(await dirs.make());
    expect(code).not.toBe(0);
    const results = report.testResults.flatMap((file) => file.assertionResults);
    const byTitle = new Map(results.map((r) => [r.title, r]));
    expect(byTitle.get('passes before any leak')?.status).toBe('passed');
    expect(byTitle.get('passes after the leaks')?.status).toBe('passed');

    const rejection = byTitle.get('leaks a rejection');
    expect(rejection?.status).toBe('failed');
    expect(rejection?.failureMessages.join('\n')).toMatch(
      /unhandledRejection during "escape guard fixture > leaks a rejection": Error: rejection leaked on purpose/,
    );
    const exception = byTitle.get('throws from a callback');
    expect(exception?.status).toBe('failed');
    expect(exception?.failureMessages.join('\n')).toMatch(
      /uncaughtException during "escape guard fixture > throws from a callback": Error: exception thrown on purpose/,
    );
  });
});

/**
 * Vitest setup file for every project (see vitest.workspace.ts): fails the test during which an
 * error escaped to the event loop (`unhandledRejection` or `uncaughtException`) and names it.
 * Vitest alone reports such errors for the whole run, after the fact and without failing the test
 * that caused them; a models endpoint that throws after the host answered must fail its own case.
 */
import { afterAll, afterEach, expect } from 'vitest';

type Kind = 'unhandledRejection' | 'uncaughtException';

interface Escaped {
  readonly kind: Kind;
  readonly error: unknown;
  /** The test running when it escaped (`undefined` between tests). */
  readonly during: string | undefined;
}

interface GuardState {
  readonly escaped: Escaped[];
}

// Listeners are added once per process (a worker may run several files); each file's hooks read
// the same record.
const KEY = Symbol.for('ccproxy.escape-guard');
const holder = globalThis as { [KEY]?: GuardState };
const state: GuardState = holder[KEY] ?? install();

function install(): GuardState {
  const created: GuardState = { escaped: [] };
  holder[KEY] = created;
  const record = (kind: Kind) => (error: unknown) => {
    created.escaped.push({ kind, error, during: expect.getState().currentTestName });
  };
  process.on('unhandledRejection', record('unhandledRejection'));
  process.on('uncaughtException', record('uncaughtException'));
  return created;
}

// Taken before any test can fake timers: the check must still get its turn of the event loop.
const nextTurn = globalThis.setImmediate;

/** One turn of the event loop, so a rejection left unhandled by the test is reported before the check. */
function settle(): Promise<void> {
  return new Promise((resolve) => nextTurn(resolve));
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function check(where: string): void {
  const found = state.escaped.splice(0);
  if (found.length === 0) return;
  const lines = found.map(
    (e) =>
      `${e.kind} during ${e.during === undefined ? 'no test' : `"${e.during}"`}: ${describeError(e.error)}`,
  );
  throw new Error(`${found.length} error(s) escaped to the event loop ${where}:\n${lines.join('\n')}`, {
    cause: found[0]?.error,
  });
}

afterEach(async () => {
  await settle();
  check('in this test');
});

afterAll(async () => {
  await settle();
  check('after the last test of this file');
});

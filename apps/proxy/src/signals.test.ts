import { describe, expect, it } from 'vitest';
import { onShutdownSignal, SAME_KEYPRESS_MS } from './signals.js';

function policy() {
  let time = 0;
  const calls: string[] = [];
  const listener = onShutdownSignal({
    shutdown: (signal) => calls.push(`shutdown ${signal}`),
    force: (signal) => calls.push(`force ${signal}`),
    now: () => time,
  });
  return { calls, listener, advance: (ms: number) => (time += ms) };
}

describe('onShutdownSignal', () => {
  it('one ^C delivered twice (by the terminal and by pnpm) shuts down once, gracefully', () => {
    const { calls, listener, advance } = policy();
    listener('SIGINT');
    advance(1);
    listener('SIGINT');
    advance(SAME_KEYPRESS_MS - 2);
    listener('SIGINT');
    expect(calls).toEqual(['shutdown SIGINT']);
  });

  it('a signal after the repeat window forces the exit, once', () => {
    const { calls, listener, advance } = policy();
    listener('SIGTERM');
    advance(SAME_KEYPRESS_MS);
    listener('SIGINT');
    advance(SAME_KEYPRESS_MS);
    listener('SIGINT');
    expect(calls).toEqual(['shutdown SIGTERM', 'force SIGINT']);
  });
});

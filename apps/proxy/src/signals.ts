/**
 * Which shutdown signal starts a graceful shutdown and which one forces the exit. A terminal's ^C
 * reaches every process of the foreground group, and pnpm (like npm) also forwards it to the
 * script it runs: one keypress reaches the server twice, under a millisecond apart. A repeat within
 * {@link SAME_KEYPRESS_MS} of the first signal is that same keypress and is ignored; a later one
 * is someone insisting, and exits at once.
 */

export const SAME_KEYPRESS_MS = 250;

export interface SignalPolicy {
  /** Starts the graceful shutdown (called once). */
  readonly shutdown: (signal: NodeJS.Signals) => void;
  /** Exits without waiting (called at most once, for a signal after the repeat window). */
  readonly force: (signal: NodeJS.Signals) => void;
  /** @default performance.now */
  readonly now?: () => number;
}

/** The listener to register for SIGINT and SIGTERM. */
export function onShutdownSignal(policy: SignalPolicy): (signal: NodeJS.Signals) => void {
  const now = policy.now ?? (() => performance.now());
  let first: number | undefined;
  let forced = false;
  return (signal) => {
    if (first === undefined) {
      first = now();
      policy.shutdown(signal);
    } else if (!forced && now() - first >= SAME_KEYPRESS_MS) {
      forced = true;
      policy.force(signal);
    }
  };
}

/** Milliseconds since the Unix epoch. Injected so tests move time instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

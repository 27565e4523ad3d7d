/** Up to this fraction is taken off a period, so processes that started together drift apart. */
const JITTER = 0.2;

/** `ms` shortened by a random share of up to 20 %: never longer, so a documented bound still holds. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ms * (1 - JITTER * random())));
}

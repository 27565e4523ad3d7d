import type { ModelCard } from '../types.js';

/**
 * `compute(card)`, kept as long as the card lives. Cards are immutable values, and a refresh
 * hands every card that did not change back as the very same object (the parse worker's delta),
 * so a new catalog version computes only what changed: at 30,000 models that is what keeps its
 * first answers from stalling the event loop. Keyed by the object, never by id, so a changed card
 * (a new object) is always computed afresh.
 */
export function perCard<T>(compute: (card: ModelCard) => T): (card: ModelCard) => T {
  const kept = new WeakMap<ModelCard, T>();
  return (card) => {
    const hit = kept.get(card);
    if (hit !== undefined || kept.has(card)) return hit as T;
    const value = compute(card);
    kept.set(card, value);
    return value;
  };
}

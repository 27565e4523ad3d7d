/**
 * An undated id (an alias such as `claude-opus-4-5`) and its dated twins (`claude-opus-4-5-20251101`):
 * the one rule by which an undated model borrows a release date, for the Anthropic order and for
 * the operator's aliases alike.
 */
import { stripDate } from './date-in-id.js';
import type { ModelCard } from './types.js';

/** A card's release time in Unix seconds, 0 when unknown. */
export function createdOf(card: ModelCard | undefined): number {
  return card !== undefined && Number.isFinite(card.created) && card.created > 0 ? card.created : 0;
}

/** For every undated id of the pool, its newest dated twin (`x` -> `x-20250101`). */
export function newestTwins(pool: readonly ModelCard[]): Map<string, ModelCard> {
  const twins = new Map<string, ModelCard>();
  for (const card of pool) {
    const group = stripDate(card.id);
    if (group === card.id || createdOf(card) === 0) continue;
    if (createdOf(card) > createdOf(twins.get(group))) twins.set(group, card);
  }
  return twins;
}

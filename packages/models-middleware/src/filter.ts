import type { ModelCard, ModelFilter, ModelSet } from './types.js';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of a moment, in UTC: the form of LiteLLM's `deprecation_date`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Is the card listed under this filter on this day? */
export function matches(card: ModelCard, filter: ModelFilter, today: string): boolean {
  if (filter.provider !== 'all' && card.owned_by !== filter.provider) return false;
  if (!filter.modes.includes(card.mode ?? 'chat')) return false;
  // Fine-tuning price templates, not ids anyone can call.
  if (card.id.startsWith('ft:')) return false;
  if (!filter.includeDeprecated && card.deprecation_date !== undefined && card.deprecation_date < today)
    return false;
  return true;
}

export interface Selection {
  readonly cards: readonly ModelCard[];
  /**
   * The first moment (ms) at which the same filter could select differently, because a listed
   * model reaches its deprecation date; `Infinity` when none will.
   */
  readonly validUntil: number;
}

/** The cards a filter lists at `nowMs`, in document order, and how long that answer holds. */
export function select(models: ModelSet, filter: ModelFilter, nowMs: number): Selection {
  const today = utcDay(nowMs);
  const cards: ModelCard[] = [];
  let validUntil = Number.POSITIVE_INFINITY;
  for (const card of models.cards) {
    if (!matches(card, filter, today)) continue;
    cards.push(card);
    if (!filter.includeDeprecated && card.deprecation_date !== undefined) {
      // Listed through its deprecation day, gone from the next midnight UTC.
      const until = Date.parse(`${card.deprecation_date}T00:00:00Z`) + DAY_MS;
      if (until < validUntil) validUntil = until;
    }
  }
  return { cards, validUntil };
}

/** The cards a filter lists at `nowMs`. */
export function selectModels(models: ModelSet, filter: ModelFilter, nowMs: number): ModelCard[] {
  return [...select(models, filter, nowMs).cards];
}

/** How many valid models each provider has, for the sanity check and status. */
export function countByProvider(models: ModelSet): Map<string, number> {
  const counts = new Map<string, number>();
  for (const card of models.cards) counts.set(card.owned_by, (counts.get(card.owned_by) ?? 0) + 1);
  return counts;
}

/**
 * Which cards a router lists: its provider and modes, never `ft:` price templates, and a model
 * whose LiteLLM `deprecation_date` has passed only when `includeDeprecated` says so. Each card's
 * lifecycle (Anthropic's `active` / `deprecated` / `retired`) is read from the same date.
 */
import type { ModelCard, ModelFilter, ModelSet } from '../types.js';

const DAY_MS = 86_400_000;

/** Anthropic's lifecycle stages, in the order the API documents them. */
export const LIFECYCLES = ['active', 'deprecated', 'retired'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

/** `YYYY-MM-DD` of a moment, in UTC: the form of LiteLLM's `deprecation_date`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * LiteLLM's `deprecation_date` is the day a model stops being served (Anthropic's retirement
 * date): none -> `active`; today or later -> `deprecated`; passed -> `retired`.
 */
export function lifecycleOf(card: ModelCard, today: string): Lifecycle {
  if (card.deprecation_date === undefined) return 'active';
  return card.deprecation_date < today ? 'retired' : 'deprecated';
}

/** Is the card one of the provider's callable models in the listed modes, whatever its date? */
export function isCandidate(card: ModelCard, filter: ModelFilter): boolean {
  if (filter.provider !== 'all' && card.owned_by !== filter.provider) return false;
  if (!filter.modes.includes(card.mode ?? 'chat')) return false;
  // Fine-tuning price templates, not ids anyone can call.
  return !card.id.startsWith('ft:');
}

export interface Selection {
  /** The listed cards, in document order. */
  readonly cards: readonly ModelCard[];
  /** Candidates left out only because they are retired (empty under `includeDeprecated`). */
  readonly retired: readonly ModelCard[];
  /**
   * The first moment (ms) at which a selected card's lifecycle changes (it reaches the end of its
   * deprecation day), so the same filter could answer differently; `Infinity` when none will.
   */
  readonly validUntil: number;
}

/** The cards a filter lists at `nowMs`, in document order, and how long that answer holds. */
export function select(models: ModelSet, filter: ModelFilter, nowMs: number): Selection {
  return selectFrom(models.cards, (card) => isCandidate(card, filter), filter.includeDeprecated, nowMs);
}

/** The same over any cards and candidate test (the operator's rules make their own). */
export function selectFrom(
  all: readonly ModelCard[],
  candidate: (card: ModelCard) => boolean,
  includeDeprecated: boolean,
  nowMs: number,
): Selection {
  const today = utcDay(nowMs);
  const cards: ModelCard[] = [];
  const retired: ModelCard[] = [];
  let validUntil = Number.POSITIVE_INFINITY;
  for (const card of all) {
    if (!candidate(card)) continue;
    const stage = lifecycleOf(card, today);
    if (stage === 'retired' && !includeDeprecated) retired.push(card);
    else cards.push(card);
    if (stage === 'deprecated') {
      // Deprecated through its day, retired from the next midnight UTC.
      const until = Date.parse(`${card.deprecation_date}T00:00:00Z`) + DAY_MS;
      if (until < validUntil) validUntil = until;
    }
  }
  return { cards, retired, validUntil };
}

/** The cards a filter lists at `nowMs`. */
export function selectModels(models: ModelSet, filter: ModelFilter, nowMs: number): ModelCard[] {
  return [...select(models, filter, nowMs).cards];
}

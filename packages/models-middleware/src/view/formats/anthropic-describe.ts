/**
 * The `description` Claude Code's picker shows beside `display_name`. An alias and its dated twin
 * share a name (Anthropic names them alike), so the description is what tells the rows apart: how
 * the id relates to its twin, the lifecycle, the window, what LiteLLM says the model does.
 */

import type { ModelCard } from '../../types.js';
import { lifecycleOf } from '../select.js';
import type { Ordered } from './anthropic-order.js';
import { cardClaudeParts, cardDisplayName } from './display-name.js';

/** What each line is for, in Anthropic's words for it; lines not named here get nothing. */
const STRENGTHS: ReadonlyMap<string, string> = new Map([
  ['opus', 'most capable'],
  ['sonnet', 'balance of speed and capability'],
  ['haiku', 'fastest'],
]);

const SEPARATOR = ' · ';

/** A description per entry, each unique among `entries`. */
export function describeAll(entries: readonly Ordered[], today: string): Map<string, string> {
  const aliasOf = new Map<string, string>();
  for (const entry of entries) if (entry.twin !== undefined) aliasOf.set(entry.twin.id, entry.id);
  const descriptions = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const text = describe(entry, aliasOf.get(entry.id), today);
    descriptions.set(entry.id, text);
    const row = `${cardDisplayName(entry.card)}\u0000${text}`;
    seen.set(row, (seen.get(row) ?? 0) + 1);
  }
  // Two ids LiteLLM knows nothing apart about (`claude-4-opus-20250514`, `claude-opus-4-20250514`):
  // the id itself keeps the rows apart.
  for (const entry of entries) {
    const text = descriptions.get(entry.id) ?? '';
    if ((seen.get(`${cardDisplayName(entry.card)}\u0000${text}`) ?? 0) > 1) {
      descriptions.set(entry.id, `${text}${SEPARATOR}${entry.id}`);
    }
  }
  return descriptions;
}

function describe(entry: Ordered, alias: string | undefined, today: string): string {
  return [
    lifecycleText(entry.card, today),
    relation(entry, alias),
    windowText(entry.card),
    strength(entry.card),
    features(entry.card),
  ]
    .filter((part) => part !== '')
    .join(SEPARATOR);
}

function relation(entry: Ordered, alias: string | undefined): string {
  if (entry.twin !== undefined) return `Alias of ${entry.twin.id}`;
  if (entry.card.created > 0) {
    const snapshot = `Snapshot of ${day(entry.card.created)}`;
    return alias === undefined ? snapshot : `${snapshot}, alias ${alias}`;
  }
  if (entry.after !== undefined) return `Release date unknown, newer than ${cardDisplayName(entry.after)}`;
  return 'Release date unknown';
}

function lifecycleText(card: ModelCard, today: string): string {
  const stage = lifecycleOf(card, today);
  if (stage === 'active') return '';
  return stage === 'deprecated'
    ? `Deprecated, retires ${card.deprecation_date}`
    : `Retired ${card.deprecation_date}`;
}

function windowText(card: ModelCard): string {
  const input = card.max_input_tokens ?? card.context_length;
  const output = card.max_output_tokens ?? card.max_tokens;
  const parts = [];
  if (input !== undefined && input > 0) parts.push(`${tokens(input)} context`);
  if (output !== undefined && output > 0) parts.push(`${tokens(output)} output`);
  return parts.join(', ');
}

function strength(card: ModelCard): string {
  const family = cardClaudeParts(card)?.family;
  return family === undefined ? '' : (STRENGTHS.get(family) ?? '');
}

function features(card: ModelCard): string {
  const list: string[] = [];
  if (card.supports_vision === true) list.push('vision');
  if (card.supports_pdf_input === true) list.push('PDF');
  if (card.supports_adaptive_thinking === true) list.push('adaptive thinking');
  else if (card.supports_reasoning === true) list.push('extended thinking');
  if (card.supports_output_config === true) list.push(`effort up to ${topEffort(card)}`);
  if (card.supports_web_search === true) list.push('web search');
  if (card.supports_native_structured_output === true) list.push('structured outputs');
  return list.join(', ');
}

function topEffort(card: ModelCard): string {
  if (card.supports_xhigh_reasoning_effort === true) return 'xhigh';
  return card.supports_max_reasoning_effort === true ? 'max' : 'high';
}

/** `1000000` -> `1M`, `200000` -> `200K`, `4096` -> `4K`. */
function tokens(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  return count >= 1000 ? `${Math.round(count / 1000)}K` : String(count);
}

function day(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

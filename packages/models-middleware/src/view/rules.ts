/**
 * The operator's rules over one catalog version, applied before the view selects and serialises:
 * overrides merged over LiteLLM's cards, then the router's filter, `include` / `exclude` (exclude
 * wins), the custom models, and the aliases. Done once per view, so bodies are still built once
 * per catalog version (and day) and rule set.
 */

import { createdOf, newestTwins } from '../dated-twins.js';
import { modelsOf } from '../model-set.js';
import type { ModelRules } from '../rule-options.js';
import type { ModelCard, ModelFilter, ModelSet } from '../types.js';
import { matchesAny } from './id-pattern.js';
import { perCard } from './per-card.js';
import { isCandidate } from './select.js';

/** What a card owes to the rules, for the CLI's marks and `status()`. */
export type RuleMark = 'override' | 'custom' | 'alias';

export interface RuledModels {
  /** Every card the view may show, in document order, then custom models, then aliases. */
  readonly cards: readonly ModelCard[];
  readonly byId: ReadonlyMap<string, ModelCard>;
  /** Is the card one the router lists (whatever its lifecycle)? */
  candidate(card: ModelCard): boolean;
  /** Cards changed or added by a rule. */
  readonly marks: ReadonlyMap<string, RuleMark>;
  /** Aliases whose target is not listed: reported, not served. */
  readonly unresolved: readonly string[];
}

export function applyRules(models: ModelSet, filter: ModelFilter, rules: ModelRules): RuledModels {
  if (rules.empty) {
    // A router of one provider reads only that provider's cards: on a cold start only those are
    // built before the first answer.
    const scope = filter.provider === 'all' ? models : modelsOf(models, filter.provider);
    return {
      cards: scope.cards,
      byId: scope.byId,
      candidate: (card) => isCandidate(card, filter),
      marks: new Map(),
      unresolved: [],
    };
  }
  const marks = new Map<string, RuleMark>();
  const listed = new Set<string>();
  const byId = new Map<string, ModelCard>();
  const extraIds = new Set(rules.extra.map((card) => card.id));
  const kept = outcomesUnder(rules);
  for (const original of models.cards) {
    if (extraIds.has(original.id) || rules.aliases.has(original.id)) continue;
    const outcome = kept(original);
    const { card } = outcome;
    if (card !== original) marks.set(card.id, 'override');
    byId.set(card.id, card);
    if (outcome.allowed && isCandidate(card, filter)) listed.add(card.id);
  }
  for (const card of rules.extra) {
    const withOverrides = overridden(card, rules);
    byId.set(card.id, withOverrides);
    listed.add(card.id);
    marks.set(card.id, 'custom');
  }
  const unresolved: string[] = [];
  // Built once, and only when an alias points at an undated model.
  let twinMap: Map<string, ModelCard> | undefined;
  const twins = (): Map<string, ModelCard> => (twinMap ??= newestTwins(models.cards));
  for (const [alias, target] of rules.aliases) {
    const card = listed.has(target) ? byId.get(target) : undefined;
    if (card === undefined) {
      unresolved.push(alias);
      continue;
    }
    byId.set(alias, aliasCard(alias, card, twins));
    listed.add(alias);
    marks.set(alias, 'alias');
  }
  return {
    cards: [...byId.values()],
    byId,
    candidate: (card) => listed.has(card.id) && byId.get(card.id) === card,
    marks,
    unresolved,
  };
}

/** What one rule set makes of one catalog card: the card with its overrides, and whether include / exclude let it through. */
interface RuleOutcome {
  readonly card: ModelCard;
  readonly allowed: boolean;
}

/**
 * Each catalog card's outcome per rule set, kept per card (see perCard) as long as the rule set
 * lives: a new catalog version runs the patterns (dozens of globs and regexes per card) only over
 * the cards that changed, and an overridden card stays the same object from one version to the
 * next, so its serialised bytes are kept too (formats/openai.ts).
 */
const outcomes = new WeakMap<ModelRules, (card: ModelCard) => RuleOutcome>();

function outcomesUnder(rules: ModelRules): (card: ModelCard) => RuleOutcome {
  let kept = outcomes.get(rules);
  if (kept === undefined) {
    kept = perCard((original) => {
      const card = overridden(original, rules);
      return { card, allowed: allowed(card.id, rules) };
    });
    outcomes.set(rules, kept);
  }
  return kept;
}

/** `include` / `exclude` on one id: listed when some include matches (or none is set) and no exclude does. */
export const allowed = (id: string, rules: ModelRules): boolean =>
  (rules.include.length === 0 || matchesAny(rules.include, id)) && !matchesAny(rules.exclude, id);

/** The card with every matching override merged over it in option order; the same object when none match. */
function overridden(card: ModelCard, rules: ModelRules): ModelCard {
  let merged: Record<string, unknown> | undefined;
  for (const rule of rules.overrides) {
    if (!rule.matches(card.id)) continue;
    merged ??= { ...card };
    const { pricing, ...fields } = rule.patch;
    Object.assign(merged, fields);
    if (pricing !== undefined)
      merged.pricing = { ...(merged.pricing as object | undefined), ...(pricing as object) };
  }
  if (merged === undefined) return card;
  for (const [field, value] of Object.entries(merged)) if (value === undefined) delete merged[field];
  return Object.freeze(merged) as unknown as ModelCard;
}

/**
 * The target's metadata under the alias's id, saying what it points at. Its release date is the
 * target's, or, for an undated target (`claude-sonnet-4-5`), that of its newest dated twin
 * (`claude-sonnet-4-5-20250929`), so an alias sorts and reads as new as what it points at.
 */
function aliasCard(alias: string, target: ModelCard, twins: () => ReadonlyMap<string, ModelCard>): ModelCard {
  return Object.freeze({
    ...target,
    id: alias,
    created: createdOf(target) || createdOf(twins().get(target.id)),
    description: target.description ?? `Alias of ${target.id}`,
  });
}

/**
 * Which of the Codex source's slugs a request sees: the operator's `include` / `exclude` (the same
 * rule as the other dialects' lists) and, when the provider's own list is in force, only the slugs
 * it names. Codex shows every entry it gets in its picker, so a model the account cannot call or
 * the operator left out must not reach it. One filter per list version, so the dialect can keep
 * one prepared body per filter.
 */
import type { AvailableList } from '../availability/upstream-list.js';
import type { ModelRules } from '../rule-options.js';
import { allowed } from '../view/rules.js';

export interface SlugFilter {
  /** The same filter object for the same slugs: the dialect keys its prepared bodies on it. */
  keeps(slug: string): boolean;
}

/** The filter for a request, given the provider's list in force for it (`undefined`: none, or not loaded). */
export type SlugFilters = (list: AvailableList | undefined) => SlugFilter | undefined;

export function createSlugFilters(rules: ModelRules): SlugFilters {
  const ruled = rules.include.length > 0 || rules.exclude.length > 0;
  const byRules: SlugFilter | undefined = ruled ? { keeps: (slug) => allowed(slug, rules) } : undefined;
  const byList = new WeakMap<AvailableList, SlugFilter>();
  return (list) => {
    if (list === undefined) return byRules;
    let filter = byList.get(list);
    if (filter === undefined) {
      const callable = new Set(list.models.map((model) => model.id));
      filter = { keeps: (slug) => callable.has(slug) && (!ruled || allowed(slug, rules)) };
      byList.set(list, filter);
    }
    return filter;
  };
}

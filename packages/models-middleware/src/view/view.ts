/**
 * The view: for one catalog version on one day, the listing a router shows and every body it
 * sends, serialised once with its ETag. Bodies are kept in one bounded LRU (lists by the
 * dialect's list key and by raw query, retrieves by id); errors are never kept. Raw queries asking
 * for the same list (`supports=a,b` and `supports=b,a`) share its one body, hence its ETag. A new catalog version, or the day a listed model
 * changes lifecycle, gets a new view.
 */
import { LRUCache } from 'lru-cache';
import { type AvailableInput, mergeAvailable } from '../availability/merge.js';
import type { AvailableList } from '../availability/upstream-list.js';
import type { ModelRules } from '../rule-options.js';
import type { ModelFilter, ModelSet } from '../types.js';
import { DIALECTS, type DialectName } from './dialects.js';
import { MAX_KEPT_QUERY_LENGTH } from './list-filter.js';
import type { DialectSettings, DialectView, Listing } from './listing.js';
import { isErrorReply, type PreparedBody, type Reply } from './prepared.js';
import { applyRules, type RuledModels } from './rules.js';
import { lifecycleOf, selectFrom, utcDay } from './select.js';

/** Prepared bodies kept per view: every retrieve of a large catalog, plus pages and queries. */
const MAX_PREPARED_BODIES = 4096;

export interface View {
  /** The catalog's model set the view was built for (also when it shows the fallback cards). */
  readonly models: ModelSet;
  /** The view was built from the router's `fallback` cards. */
  readonly fallback: boolean;
  /** When the view stops holding (ms): a listed model's lifecycle changes then. */
  readonly validUntil: number;
  readonly listing: Listing;
  /** The catalog's models after the operator's rules (marks, unresolved aliases). */
  readonly ruled: RuledModels;
  /** The provider's own list the view was built with, if any. */
  readonly available: AvailableList | undefined;
  /** The list (`id` undefined) or one model, in a dialect. */
  reply(dialect: DialectName, id: string | undefined, query: string): Reply;
}

/** What a router fixes once for all its views. */
export interface ViewSettings extends DialectSettings {
  readonly filter: ModelFilter;
  /** The router's `fallback` cards. */
  readonly fallback: ModelSet;
  readonly rules: ModelRules;
}

/**
 * The view of the catalog's models under the router's filter, with the provider's own list merged
 * in when there is one, or of the fallback set when it lists none.
 */
export function createView(
  models: ModelSet,
  nowMs: number,
  settings: ViewSettings,
  available?: AvailableInput,
): View {
  const { filter, fallback, rules } = settings;
  const shown = available === undefined ? models : mergeAvailable(models, available);
  const ruled = applyRules(shown, filter, rules);
  const selection = selectFrom(ruled.cards, ruled.candidate, filter.includeDeprecated, nowMs);
  const today = utcDay(nowMs);
  if (selection.cards.length === 0) {
    const listing: Listing = {
      cards: fallback.cards,
      retired: [],
      today,
      find: (id) => fallback.byId.get(id),
    };
    return viewOf(models, true, Number.POSITIVE_INFINITY, listing, ruled, settings, available?.list);
  }
  const listing: Listing = {
    cards: selection.cards,
    retired: selection.retired,
    today,
    find(id, withRetired) {
      const card = ruled.byId.get(id);
      if (card === undefined || !ruled.candidate(card)) return undefined;
      const shown = withRetired || filter.includeDeprecated || lifecycleOf(card, today) !== 'retired';
      return shown ? card : undefined;
    },
  };
  return viewOf(models, false, selection.validUntil, listing, ruled, settings, available?.list);
}

function viewOf(
  models: ModelSet,
  fallback: boolean,
  validUntil: number,
  listing: Listing,
  ruled: RuledModels,
  settings: DialectSettings,
  available: AvailableList | undefined,
): View {
  const bodies = new LRUCache<string, PreparedBody>({ max: MAX_PREPARED_BODIES });
  const dialects = new Map<DialectName, DialectView>();
  return {
    models,
    fallback,
    validUntil,
    listing,
    ruled,
    available,
    reply(dialect, id, query) {
      const key = id === undefined ? `${dialect}?${query}` : `${dialect}/${id}`;
      const cached = bodies.get(key);
      if (cached !== undefined) return cached;
      let answers = dialects.get(dialect);
      if (answers === undefined) {
        answers = DIALECTS[dialect].create(listing, settings);
        dialects.set(dialect, answers);
      }
      if (id !== undefined) {
        const reply = answers.one(id);
        if (!isErrorReply(reply)) bodies.set(key, reply);
        return reply;
      }
      const listKey = answers.listKey(query);
      if (typeof listKey !== 'string') return listKey;
      const shared = `${dialect}?${listKey}`;
      let body = shared === key ? undefined : bodies.get(shared);
      if (body === undefined) {
        const reply = answers.list(listKey);
        if (isErrorReply(reply)) return reply;
        body = reply;
        bodies.set(shared, body);
      }
      // The raw query names the body too, so the next request finds it in one lookup.
      if (shared !== key && query.length <= MAX_KEPT_QUERY_LENGTH) bodies.set(key, body);
      return body;
    },
  };
}

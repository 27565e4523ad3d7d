/**
 * Filters on the OpenAI-format list, read from its query string: `supports` (comma list of
 * capabilities, all required), `min_context` (context window of at least n tokens), `mode`
 * (LiteLLM's mode) and, on a router serving `provider: 'all'`, `provider`. Filters AND together.
 *
 * A query is read once per distinct query string (a bounded cache per router) into a normalized
 * query string: sorted, deduplicated, ignored parameters left out, so every way of asking for the
 * same list names one prepared body (and one ETag). Parameters other clients send to the same
 * route (`IGNORED_PARAMETERS`) are ignored; any other name is refused, so a typo never quietly
 * serves the whole list. Pure apart from the cache: reports what is wrong, never throws.
 */
import { LRUCache } from 'lru-cache';
import { CARD_FLAGS } from '../card.js';
import type { ModelCard } from '../types.js';

type CardFlag = (typeof CARD_FLAGS)[number];

/** What a filtered list keeps; an absent field does not filter. */
export interface ListFilter {
  /** Card flags that must be `true`, sorted. */
  readonly supports: readonly CardFlag[];
  /** Smallest `max_input_tokens` (else `context_length`); a card with neither is left out. */
  readonly minContext?: number;
  /** LiteLLM's mode; a card without one counts as `chat`. */
  readonly mode?: string;
  /** The card's `owned_by` (its LiteLLM provider). */
  readonly provider?: string;
}

/** A read query: the normalized query string (`''` for the plain list) and its filter, or what is wrong. */
export type ReadListQuery =
  | { readonly ok: true; readonly key: string; readonly filter: ListFilter | undefined }
  | { readonly ok: false; readonly param: string; readonly message: string; readonly code: string };

/** Reads a raw query string (without `?`). */
export type ListQueryReader = (query: string) => ReadListQuery;

export interface ListQuerySettings {
  /** The router's provider: `provider` is a filter only under `all`. */
  readonly provider: string;
  /** Modes a listed card can have (the router's `modes`, custom and fallback models' modes). */
  readonly modes: Iterable<string>;
}

/**
 * Query parameters that clients of the same route send and that are not filters, so they are
 * ignored rather than refused: Anthropic's paging and lifecycle (`limit`, `after_id`, `before_id`,
 * `lifecycle`, as a router in `format: 'openai'` gets them from Claude Code), Codex's
 * `client_version`, and Azure OpenAI's `api-version`.
 */
export const IGNORED_PARAMETERS: ReadonlySet<string> = new Set([
  'limit',
  'after_id',
  'before_id',
  'lifecycle',
  'lifecycle[]',
  'client_version',
  'api-version',
]);

/** Distinct query strings remembered per router (errors included: a bad query is read once too). */
const MAX_READ_QUERIES = 512;
/** Longer query strings are read every time rather than kept, so the cache stays small. */
export const MAX_KEPT_QUERY_LENGTH = 1024;
const FILTERS = ['supports', 'min_context', 'mode', 'provider'] as const;
const CAPABILITIES: ReadonlyMap<string, CardFlag> = new Map(
  CARD_FLAGS.map((flag) => [flag.slice('supports_'.length), flag]),
);
const PLAIN: ReadListQuery = Object.freeze({ ok: true, key: '', filter: undefined });

const quoted = (values: Iterable<string>): string => [...values].map((value) => `'${value}'`).join(', ');

export function createListQueryReader(settings: ListQuerySettings): ListQueryReader {
  const allProviders = settings.provider === 'all';
  const modes: ReadonlySet<string> = new Set(settings.modes);
  const read = new LRUCache<string, ReadListQuery>({ max: MAX_READ_QUERIES });
  return function readListQuery(query) {
    if (query === '') return PLAIN;
    let result = read.get(query);
    if (result === undefined) {
      result = parse(query, allProviders, settings.provider, modes);
      if (query.length <= MAX_KEPT_QUERY_LENGTH) read.set(query, result);
      // The normalized query is read next (the view builds the body by it).
      if (result.ok && result.key !== query && result.key !== '') read.set(result.key, result);
    }
    return result;
  };
}

const fail = (param: string, message: string, code = 'invalid_value'): ReadListQuery => ({
  ok: false,
  param,
  message,
  code,
});

function parse(
  query: string,
  allProviders: boolean,
  provider: string,
  modes: ReadonlySet<string>,
): ReadListQuery {
  const supports = new Set<CardFlag>();
  const single = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === '' || IGNORED_PARAMETERS.has(name)) continue;
    if (name === 'supports') {
      for (const item of value.split(',')) {
        const flag = CAPABILITIES.get(item);
        if (flag === undefined) {
          return fail(
            'supports',
            `Invalid value for 'supports': '${item}' is not a capability; expected a comma-separated list of ${quoted(CAPABILITIES.keys())}.`,
          );
        }
        supports.add(flag);
      }
      continue;
    }
    if (!(FILTERS as readonly string[]).includes(name)) {
      return fail(
        name,
        `Unrecognized query parameter: '${name}'. The list takes ${quoted(FILTERS.filter((f) => allProviders || f !== 'provider'))}.`,
        'unknown_parameter',
      );
    }
    if (name === 'provider' && !allProviders) {
      return fail(
        'provider',
        `Unrecognized query parameter: 'provider'. This endpoint lists only '${provider}' models.`,
        'unknown_parameter',
      );
    }
    if (single.has(name)) return fail(name, `Query parameter '${name}' may be given only once.`);
    single.set(name, value);
  }
  const filter: { -readonly [K in keyof ListFilter]: ListFilter[K] } = {
    supports: [...supports].sort(),
  };
  const parts: string[] = [];
  const minContext = single.get('min_context');
  if (minContext !== undefined) {
    const n = /^\d{1,16}$/.test(minContext) ? Number(minContext) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      return fail(
        'min_context',
        `Invalid value for 'min_context': expected a non-negative integer (tokens), got '${minContext}'.`,
      );
    }
    filter.minContext = n;
    parts.push(`min_context=${n}`);
  }
  const mode = single.get('mode');
  if (mode !== undefined) {
    if (!modes.has(mode)) {
      return fail('mode', `Invalid value for 'mode': '${mode}'; this endpoint lists ${quoted(modes)}.`);
    }
    filter.mode = mode;
    parts.push(`mode=${encodeURIComponent(mode)}`);
  }
  const owner = single.get('provider');
  if (owner !== undefined) {
    if (owner === '')
      return fail('provider', "Invalid value for 'provider': expected a LiteLLM provider name.");
    filter.provider = owner;
    parts.push(`provider=${encodeURIComponent(owner)}`);
  }
  if (filter.supports.length > 0)
    parts.push(`supports=${filter.supports.map((flag) => flag.slice('supports_'.length)).join(',')}`);
  if (parts.length === 0) return PLAIN;
  return Object.freeze({ ok: true, key: parts.join('&'), filter: Object.freeze(filter) });
}

/** The cards `filter` keeps, in their order; the same array when no filter is given. */
export function filterCards(
  cards: readonly ModelCard[],
  filter: ListFilter | undefined,
): readonly ModelCard[] {
  if (filter === undefined) return cards;
  return cards.filter((card) => keeps(card, filter));
}

function keeps(card: ModelCard, filter: ListFilter): boolean {
  for (const flag of filter.supports) if (card[flag] !== true) return false;
  if (filter.minContext !== undefined) {
    const window = card.max_input_tokens ?? card.context_length;
    if (window === undefined || !(window >= filter.minContext)) return false;
  }
  if (filter.mode !== undefined && (card.mode ?? 'chat') !== filter.mode) return false;
  return filter.provider === undefined || card.owned_by === filter.provider;
}

/**
 * The contract between the view and its wire formats: what one catalog version lists (a
 * `Listing`), and what a dialect makes of it. A dialect is a row of `dialects.ts`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ModelCard } from '../types.js';
import type { ListQueryReader } from './list-filter.js';
import type { ErrorReply, Reply } from './prepared.js';

/** The cards one router shows for one catalog version on one day. */
export interface Listing {
  /** Listed cards, in document order. */
  readonly cards: readonly ModelCard[];
  /** Cards left out only for being retired; a dialect may show them when asked (Anthropic's `lifecycle`). */
  readonly retired: readonly ModelCard[];
  /** `YYYY-MM-DD` (UTC) the lifecycles are judged on. */
  readonly today: string;
  /** The card of a listed id, or of a retired one when `withRetired`; undefined otherwise. */
  find(id: string, withRetired: boolean): ModelCard | undefined;
}

/** One dialect's answers over one listing. Bodies are cached by the view, not here. */
export interface DialectView {
  /**
   * The list a raw query string (without `?`) asks for, as a query string that is equal for every
   * query asking for the same list (the view keeps one body per key), or the 4xx of a bad query.
   */
  listKey(query: string): string | ErrorReply;
  /** The list a key from `listKey` names. */
  list(key: string): Reply;
  one(id: string): Reply;
}

/** What a router fixes once for all its views. */
export interface DialectSettings {
  /** Reads the OpenAI list's filters (list-filter.ts). */
  readonly listQuery: ListQueryReader;
}

/** What `auto` looks at to choose a dialect. */
export interface RequestFacts {
  readonly headers: IncomingHttpHeaders;
  /** Raw query string without `?`. */
  readonly query: string;
}

export interface Dialect {
  /** Does an `auto` router answer this request in this dialect? Rows are tried in table order. */
  detect(request: RequestFacts): boolean;
  /** The request headers `detect` reads, for `Vary`. */
  readonly vary: readonly string[];
  create(listing: Listing, settings: DialectSettings): DialectView;
}

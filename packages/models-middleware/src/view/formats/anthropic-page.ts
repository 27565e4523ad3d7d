/**
 * Anthropic's list query and cursor pagination: `limit`, `after_id`, `before_id` and the
 * `lifecycle` filter. Pure: reports what is wrong with a query, never throws.
 */
import { LIFECYCLES, type Lifecycle } from '../select.js';

export interface PageQuery {
  /** Items per page, 1..`MAX_PAGE_LIMIT`. */
  limit: number;
  /** Return the items after this id (the previous page's `last_id`). */
  afterId?: string;
  /** Return the items before this id (the next page's `first_id`). */
  beforeId?: string;
  /** Stages to list (`lifecycle`, or `lifecycle[]` as the SDKs send it); absent: the router's default. */
  lifecycle?: readonly Lifecycle[];
}

interface Page<T> {
  data: T[];
  /** More items exist beyond this page: after it, or before it when paging with `beforeId`. */
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };
export type PageResult<T> = { ok: true; page: Page<T> } | { ok: false; message: string };

/** Anthropic's default `limit`. */
export const DEFAULT_PAGE_LIMIT = 20;
/** Anthropic's largest allowed `limit` (what Claude Code asks for). */
export const MAX_PAGE_LIMIT = 1000;
/** `lifecycle` takes up to this many values (one per stage). */
const MAX_LIFECYCLE_VALUES = LIFECYCLES.length;

const NOT_AN_INTEGER = 'limit: Input should be a valid integer';
const BOTH_CURSORS = 'after_id, before_id: only one of the two may be given';
const BAD_LIFECYCLE = `lifecycle: Input should be ${LIFECYCLES.map((stage) => `'${stage}'`).join(', ')}`;

/**
 * Reads `limit`, `after_id` and `before_id` from a parsed query string. Rejects what Anthropic
 * rejects (400 `invalid_request_error`), with messages that name the parameter. Arrays (a repeated
 * parameter) and objects (`limit[a]=1` under qs) are rejected rather than guessed at; only
 * `lifecycle` may repeat. Other parameters are ignored. Never throws.
 */
export function parsePageQuery(query: Record<string, unknown>): ParseResult<PageQuery> {
  const params: object = typeof query === 'object' && query !== null ? query : {};
  const limit = parseLimit(ownValue(params, 'limit'));
  if (!limit.ok) return limit;
  const afterId = parseCursor('after_id', ownValue(params, 'after_id'));
  if (!afterId.ok) return afterId;
  const beforeId = parseCursor('before_id', ownValue(params, 'before_id'));
  if (!beforeId.ok) return beforeId;
  if (afterId.value !== undefined && beforeId.value !== undefined) {
    return { ok: false, message: BOTH_CURSORS };
  }
  const lifecycle = parseLifecycle([ownValue(params, 'lifecycle'), ownValue(params, 'lifecycle[]')]);
  if (!lifecycle.ok) return lifecycle;
  const value: PageQuery = { limit: limit.value };
  if (afterId.value !== undefined) value.afterId = afterId.value;
  if (beforeId.value !== undefined) value.beforeId = beforeId.value;
  if (lifecycle.value !== undefined) value.lifecycle = lifecycle.value;
  return { ok: true, value };
}

/** Own properties only: a query object must not pick up `Object.prototype` members. */
function ownValue(params: object, key: string): unknown {
  return Object.hasOwn(params, key) ? (params as Record<string, unknown>)[key] : undefined;
}

/** Accepts a decimal string (`'20'`, also `'020'`) or, for programmatic callers, an integer. */
function parseLimit(raw: unknown): ParseResult<number> {
  if (raw === undefined) return { ok: true, value: DEFAULT_PAGE_LIMIT };
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || Number.isNaN(value)) return { ok: false, message: NOT_AN_INTEGER };
  // Range before integrality, so a 400-digit string (Infinity) reads as too large, not as garbage.
  if (value > MAX_PAGE_LIMIT) {
    return { ok: false, message: `limit: Input should be less than or equal to ${MAX_PAGE_LIMIT}` };
  }
  if (value < 1) return { ok: false, message: 'limit: Input should be greater than or equal to 1' };
  if (!Number.isInteger(value)) return { ok: false, message: NOT_AN_INTEGER };
  return { ok: true, value };
}

/** `lifecycle` values from the plain and the bracketed key, each a string or a repeat of them. */
function parseLifecycle(raws: readonly unknown[]): ParseResult<readonly Lifecycle[] | undefined> {
  const given = raws.flatMap((raw) => (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]));
  if (given.length === 0) return { ok: true, value: undefined };
  if (given.length > MAX_LIFECYCLE_VALUES) {
    return { ok: false, message: `lifecycle: List should have at most ${MAX_LIFECYCLE_VALUES} items` };
  }
  const known: readonly unknown[] = LIFECYCLES;
  if (!given.every((value) => known.includes(value))) return { ok: false, message: BAD_LIFECYCLE };
  return { ok: true, value: given as Lifecycle[] };
}

function parseCursor(name: string, raw: unknown): ParseResult<string | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  if (typeof raw !== 'string') return { ok: false, message: `${name}: Input should be a valid string` };
  if (raw === '') return { ok: false, message: `${name}: String should have at least 1 character` };
  return { ok: true, value: raw };
}

/**
 * One page of `items` (already in list order), with Anthropic's semantics: no cursor gives the
 * first `limit` items; `afterId` the `limit` items strictly after that id (`has_more`: items remain
 * after the page); `beforeId` the `limit` items immediately before that id (`has_more`: items
 * remain before the page). Ids are expected to be unique; a cursor matches its first occurrence.
 * An unknown cursor is an error naming it, not an empty page, so a client notices a stale cursor.
 */
export function paginate<T extends { id: string }>(items: readonly T[], q: PageQuery): PageResult<T> {
  if (!Number.isSafeInteger(q.limit) || q.limit < 1) {
    return { ok: false, message: 'limit: Input should be an integer greater than or equal to 1' };
  }
  if (q.afterId !== undefined && q.beforeId !== undefined) return { ok: false, message: BOTH_CURSORS };
  if (q.beforeId !== undefined) {
    const end = items.findIndex((item) => item.id === q.beforeId);
    if (end < 0) return unknownCursor('before_id', q.beforeId);
    const start = Math.max(0, end - q.limit);
    return { ok: true, page: pageOf(items.slice(start, end), start > 0) };
  }
  let start = 0;
  if (q.afterId !== undefined) {
    const at = items.findIndex((item) => item.id === q.afterId);
    if (at < 0) return unknownCursor('after_id', q.afterId);
    start = at + 1;
  }
  const end = start + q.limit;
  return { ok: true, page: pageOf(items.slice(start, end), end < items.length) };
}

function unknownCursor(name: string, id: string): { ok: false; message: string } {
  return { ok: false, message: `${name}: no model with id '${id}' in this list` };
}

function pageOf<T extends { id: string }>(data: T[], hasMore: boolean): Page<T> {
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

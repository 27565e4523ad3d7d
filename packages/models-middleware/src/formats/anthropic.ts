/**
 * Anthropic's `/v1/models` shapes: `ModelInfo`, newest-first ordering, cursor pagination
 * (`limit`, `after_id`, `before_id`) and the error envelope. Pure: the router decides status
 * codes, these functions only build bodies and report what is wrong with a query.
 */
import type { ModelCard } from '../types.js';
import { displayName, stripDate } from './display-name.js';

export interface CapabilitySupport {
  supported: boolean;
}

/**
 * `image_input`, `pdf_input`, `thinking` and `structured_outputs` are Anthropic's own names.
 * `tool_use`, `computer_use` and `prompt_caching` are not in Anthropic's schema; clients ignore
 * unknown keys, and these carry what LiteLLM knows.
 */
export interface AnthropicCapabilities {
  image_input?: CapabilitySupport;
  pdf_input?: CapabilitySupport;
  thinking?: CapabilitySupport;
  structured_outputs?: CapabilitySupport;
  tool_use?: CapabilitySupport;
  computer_use?: CapabilitySupport;
  prompt_caching?: CapabilitySupport;
}

export interface AnthropicModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  /** RFC 3339 (`2025-09-29T00:00:00Z`); the epoch when the release date is unknown. */
  created_at: string;
  /** Context window in tokens. */
  max_input_tokens?: number;
  /** Largest `max_tokens` a request may ask for. */
  max_tokens?: number;
  /** Present only when the card has at least one of the mapped `supports_*` flags. */
  capabilities?: AnthropicCapabilities;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export interface PageQuery {
  /** Items per page, 1..`MAX_PAGE_LIMIT`. */
  limit: number;
  /** Return the items after this id (the previous page's `last_id`). */
  afterId?: string;
  /** Return the items before this id (the next page's `first_id`). */
  beforeId?: string;
}

export interface Page<T> {
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

const EPOCH_SECONDS_MAX = 253_402_300_799; // 9999-12-31T23:59:59Z: later years are not RFC 3339
const NOT_AN_INTEGER = 'limit: Input should be a valid integer';
const BOTH_CURSORS = 'after_id, before_id: only one of the two may be given';

const CAPABILITY_FLAGS = [
  ['image_input', 'supports_vision'],
  ['pdf_input', 'supports_pdf_input'],
  ['thinking', 'supports_reasoning'],
  ['structured_outputs', 'supports_response_schema'],
  ['tool_use', 'supports_function_calling'],
  ['computer_use', 'supports_computer_use'],
  ['prompt_caching', 'supports_prompt_caching'],
] as const satisfies readonly (readonly [keyof AnthropicCapabilities, keyof ModelCard])[];

export function anthropicModel(card: ModelCard): AnthropicModelInfo {
  const info: AnthropicModelInfo = {
    type: 'model',
    id: card.id,
    display_name: displayName(card.id),
    created_at: rfc3339(card.created),
  };
  const maxInput = firstPositive(card.max_input_tokens, card.context_length);
  const maxTokens = firstPositive(card.max_output_tokens, card.max_tokens);
  const capabilities = capabilitiesOf(card);
  if (maxInput !== undefined) info.max_input_tokens = maxInput;
  if (maxTokens !== undefined) info.max_tokens = maxTokens;
  if (capabilities !== undefined) info.capabilities = capabilities;
  return info;
}

/** LiteLLM writes 0 for limits it does not know; a client would read 0 as "nothing allowed". */
function firstPositive(...values: (number | undefined)[]): number | undefined {
  return values.find((value) => value !== undefined && Number.isFinite(value) && value > 0);
}

function capabilitiesOf(card: ModelCard): AnthropicCapabilities | undefined {
  const capabilities: AnthropicCapabilities = {};
  for (const [name, flag] of CAPABILITY_FLAGS) {
    const supported = card[flag];
    if (typeof supported === 'boolean') capabilities[name] = { supported };
  }
  return Object.keys(capabilities).length > 0 ? capabilities : undefined;
}

function rfc3339(seconds: number): string {
  const known = Number.isFinite(seconds) && seconds > 0 && seconds <= EPOCH_SECONDS_MAX;
  return new Date(known ? Math.floor(seconds) * 1000 : 0).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Newest first, as Anthropic lists models. `created` comes from the date in an id, so an alias
 * (`claude-sonnet-4-5`) has `created` 0; it borrows the newest `created` of the ids that only add
 * a date to it (`claude-sonnet-4-5-20250929`). Ties, in order:
 * 1. by the id without its date, descending in natural order (`claude-opus-4-10` before
 *    `claude-opus-4-9`), which for models of unknown date usually puts the newer version first;
 * 2. by id in code-unit order, so the result never depends on the input order. An alias is a
 *    prefix of its dated twin, so it lands right before it: the alias is what people type.
 */
export function newestFirst(cards: readonly ModelCard[]): ModelCard[] {
  const newestOfGroup = new Map<string, number>();
  for (const card of cards) {
    const group = stripDate(card.id);
    newestOfGroup.set(group, Math.max(newestOfGroup.get(group) ?? 0, createdOf(card)));
  }
  return cards
    .map((card) => {
      const group = stripDate(card.id);
      const own = createdOf(card);
      return { card, group, own, effective: own > 0 ? own : (newestOfGroup.get(group) ?? 0) };
    })
    .sort(
      (a, b) =>
        b.effective - a.effective ||
        naturalCompare(b.group, a.group) ||
        compareCodeUnits(a.card.id, b.card.id),
    )
    .map(({ card }) => card);
}

function createdOf(card: ModelCard): number {
  return Number.isFinite(card.created) && card.created > 0 ? card.created : 0;
}

const DIGIT_RUNS = /(\d+)/;

/** Compares digit runs by value, so `4-10` sorts after `4-9`; falls back to code units. */
function naturalCompare(a: string, b: string): number {
  const xs = a.split(DIGIT_RUNS);
  const ys = b.split(DIGIT_RUNS);
  const shared = Math.min(xs.length, ys.length);
  for (let i = 0; i < shared; i += 1) {
    const x = xs[i] ?? '';
    const y = ys[i] ?? '';
    // `split` with a capturing group alternates text (even) and digit runs (odd).
    const order = i % 2 === 1 ? compareDigits(x, y) : compareCodeUnits(x, y);
    if (order !== 0) return order;
  }
  return xs.length - ys.length || compareCodeUnits(a, b);
}

/** Digit runs can exceed `Number.MAX_SAFE_INTEGER`, so compare them as strings. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  return a.length - b.length || compareCodeUnits(a, b);
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Reads `limit`, `after_id` and `before_id` from a parsed query string. Rejects what Anthropic
 * rejects (400 `invalid_request_error`), with messages that name the parameter. Arrays (a repeated
 * parameter) and objects (`limit[a]=1` under qs) are rejected rather than guessed at. Other
 * parameters are ignored. Never throws.
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
  const value: PageQuery = { limit: limit.value };
  if (afterId.value !== undefined) value.afterId = afterId.value;
  if (beforeId.value !== undefined) value.beforeId = beforeId.value;
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

export function anthropicError(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } };
}

/** The body Anthropic sends with its 404 for an unknown model (minus `request_id`). */
export function anthropicNotFound(id: string): AnthropicErrorBody {
  return anthropicError('not_found_error', `model: ${id}`);
}

/**
 * Human-readable model names for Anthropic's `display_name`, derived from the id alone because
 * LiteLLM's data has no name field. Names are cosmetic: a surprising id must degrade to a plain
 * title-cased name or to the id itself, never to an exception or an empty string.
 *
 * Rules, in order:
 * - Only the last `/` segment names the model; earlier segments are routing (`openrouter/...`).
 * - A trailing release date (`-20250929`, `-2025-08-07`, Vertex's `@20240620`) is dropped: the
 *   date is already in `created_at`, and the alias and its dated twin should read the same.
 * - Claude ids follow Anthropic's own naming, family before version whatever the id order:
 *   `claude-3-5-sonnet-20241022` and `claude-sonnet-3-5` both read `Claude Sonnet 3.5`.
 * - `gpt-*` and `chatgpt-*` keep OpenAI's brand spelling (`GPT-5.1 Codex`, `ChatGPT-4o Latest`).
 * - o-series ids stay as OpenAI writes them, lowercase and hyphenated (`o3-mini`).
 * - Anything else is title-cased word by word (`gemini-2.5-pro` -> `Gemini 2.5 Pro`).
 */

import { stripDate } from '../../date-in-id.js';
import { perCard } from '../per-card.js';

/** Returned only for an id that is empty or not a string, where the id cannot stand in. */
export const UNKNOWN_MODEL_NAME = 'Unknown model';

/** Bedrock's revision suffix (`-v2:0`) sits after the date and would hide it. */
const BEDROCK_REVISION = /-v\d+(?::\d+)?$/;
/** `claude` at the start or after a vendor prefix such as `anthropic.` or `us.anthropic.`. */
const CLAUDE_PREFIX = /(?:^|\.)claude(?=-|$)/i;
const VERSION_PART = /^\d{1,2}(?:\.\d{1,2})*$/;
const O_SERIES = /^o\d/;
const ACRONYMS: ReadonlySet<string> = new Set(['api', 'gpt', 'oss']);
const BRANDS: ReadonlyMap<string, string> = new Map([
  ['gpt', 'GPT'],
  ['chatgpt', 'ChatGPT'],
]);

export function displayName(id: string): string {
  if (typeof id !== 'string' || id === '') return UNKNOWN_MODEL_NAME;
  const name = nameOf(lastSegment(id)).trim();
  return name === '' ? id : name;
}

/**
 * `displayName(card.id)` and `claudeParts(card.id)`, kept per card (see perCard): for a router
 * listing every provider (30,000 models at 10x) naming them all again after each refresh stalled
 * the event loop for ~100 ms.
 */
export const cardDisplayName = perCard((card) => displayName(card.id));
export const cardClaudeParts = perCard((card) => claudeParts(card.id));

function lastSegment(id: string): string {
  const segments = id.split('/').filter((part) => part !== '');
  return segments.at(-1) ?? id;
}

function nameOf(segment: string): string {
  const claude = claudeParts(segment);
  if (claude !== undefined) return claudeName(claude);
  const base = stripDate(segment);
  if (O_SERIES.test(base)) return base;
  return genericName(words(base));
}

function words(text: string): string[] {
  return text.split(/[-_]+/).filter((word) => word !== '');
}

/** A Claude id in Anthropic's terms: `claude-3-5-sonnet-20241022` is family `sonnet`, version 3.5. */
export interface ClaudeParts {
  /** Everything before `claude` (`us.anthropic.`, `vertex_ai/`): models of one line share it. */
  readonly namespace: string;
  /** `opus`, `sonnet`, `haiku`, ... in lower case; `''` for a bare `claude-2`. */
  readonly family: string;
  /** `[3, 5]` for 3.5; empty when the id has no version. */
  readonly version: readonly number[];
  /** Words after the family and version (`latest`, `instant`). */
  readonly others: readonly string[];
}

/** The parts of a Claude id, or undefined for an id that is not one. */
function claudeParts(id: string): ClaudeParts | undefined {
  if (typeof id !== 'string') return undefined;
  const segment = lastSegment(id);
  const claude = CLAUDE_PREFIX.exec(segment);
  if (claude === null) return undefined;
  const rest = segment.slice(claude.index + claude[0].length);
  const tokens = words(stripDate(rest.replace(BEDROCK_REVISION, '')));
  const start = tokens.findIndex(isVersionPart);
  const end = start < 0 ? start : runEnd(tokens, start);
  const version =
    start < 0
      ? []
      : tokens
          .slice(start, end)
          .flatMap((t) => t.split('.'))
          .map(Number);
  const others = start < 0 ? [...tokens] : [...tokens.slice(0, start), ...tokens.slice(end)];
  const familyAt = others.findIndex((token) => !isVersionPart(token));
  const family = familyAt < 0 ? '' : (others.splice(familyAt, 1)[0] ?? '').toLowerCase();
  const namespace = id.slice(0, id.length - segment.length) + segment.slice(0, claude.index);
  return { namespace, family, version, others };
}

function claudeName(parts: ClaudeParts): string {
  return ['Claude', titleCase(parts.family), parts.version.join('.'), ...parts.others.map(titleCase)]
    .filter((part) => part !== '')
    .join(' ');
}

function isVersionPart(token: string): boolean {
  return VERSION_PART.test(token);
}

/** End (exclusive) of the run of version parts starting at `start`: `3-5` in `3-5-sonnet`. */
function runEnd(tokens: readonly string[], start: number): number {
  let end = start;
  while (end < tokens.length && isVersionPart(tokens[end] ?? '')) end += 1;
  return end;
}

function genericName(tokens: readonly string[]): string {
  const [first, ...rest] = tokens;
  if (first === undefined) return '';
  const brand = BRANDS.get(first.toLowerCase());
  if (brand === undefined) return tokens.map(titleCase).join(' ');
  const [next, ...tail] = rest;
  // OpenAI hyphenates the brand to its version (`GPT-4o`) but not to a word (`GPT Audio`).
  if (next !== undefined && /^\d/.test(next)) return [`${brand}-${next}`, ...tail.map(titleCase)].join(' ');
  return [brand, ...rest.map(titleCase)].join(' ');
}

function titleCase(word: string): string {
  if (ACRONYMS.has(word.toLowerCase())) return word.toUpperCase();
  return word.charAt(0).toUpperCase() + word.slice(1);
}

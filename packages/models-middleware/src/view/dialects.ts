/**
 * The wire formats, one row each. `auto` tries the rows in order and the last one (OpenAI)
 * claims everything else. Adding a format: its file under `formats/` exporting a `Dialect`, and
 * one row here; `format` accepts the new name and `Vary` names the headers it detects by.
 *
 * Codex is the one dialect outside the table: its entries come from a Codex source, not from the
 * catalog's view (src/codex/), so it is detected first and answered by the handler's Codex path.
 */
import { CODEX_VARY_HEADER, isCodexRequest } from '../codex/codex-request.js';
import { anthropicDialect } from './formats/anthropic-list.js';
import { openaiDialect } from './formats/openai.js';
import type { Dialect, RequestFacts } from './listing.js';

export const DIALECTS = {
  anthropic: anthropicDialect,
  openai: openaiDialect,
} as const satisfies Record<string, Dialect>;

export type DialectName = keyof typeof DIALECTS;

/** Every dialect a request can get: a row of the table, or Codex's. */
export type AnswerDialect = DialectName | 'codex';

/** The `format` option: a dialect, or `auto` to choose one per request. */
export type ResponseFormat = 'auto' | AnswerDialect;

const NAMES = Object.keys(DIALECTS) as DialectName[];
export const FORMATS: readonly ResponseFormat[] = Object.freeze(['auto', ...NAMES, 'codex']);

/** The dialect a request gets under `format`. */
export function dialectFor(format: ResponseFormat, request: RequestFacts): AnswerDialect {
  if (format !== 'auto') return format;
  if (isCodexRequest(request.headers, request.query)) return 'codex';
  return NAMES.find((name) => DIALECTS[name].detect(request)) ?? 'openai';
}

/** `Vary` of an `auto` router: every header a row (and Codex) detects by. */
export function varyFor(format: ResponseFormat): string | undefined {
  if (format !== 'auto') return undefined;
  return [...NAMES.flatMap((name) => DIALECTS[name].vary), CODEX_VARY_HEADER].join(', ');
}

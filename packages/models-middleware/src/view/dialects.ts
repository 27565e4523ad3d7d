/**
 * The wire formats, one row each. `auto` tries the rows in order and the last one (OpenAI)
 * claims everything else. Adding a format: its file under `formats/` exporting a `Dialect`, and
 * one row here; `format` accepts the new name and `Vary` names the headers it detects by.
 */
import { anthropicDialect } from './formats/anthropic-list.js';
import { openaiDialect } from './formats/openai.js';
import type { Dialect, RequestFacts } from './listing.js';

export const DIALECTS = {
  anthropic: anthropicDialect,
  openai: openaiDialect,
} as const satisfies Record<string, Dialect>;

export type DialectName = keyof typeof DIALECTS;

/** The `format` option: a dialect, or `auto` to choose one per request. */
export type ResponseFormat = 'auto' | DialectName;

const NAMES = Object.keys(DIALECTS) as DialectName[];
export const FORMATS: readonly ResponseFormat[] = Object.freeze(['auto', ...NAMES]);

/** The dialect a request gets under `format`. */
export function dialectFor(format: ResponseFormat, request: RequestFacts): DialectName {
  if (format !== 'auto') return format;
  return NAMES.find((name) => DIALECTS[name].detect(request)) ?? 'openai';
}

/** `Vary` of an `auto` router: every header a row detects by (`undefined` when none). */
export function varyFor(format: ResponseFormat): string | undefined {
  if (format !== 'auto') return undefined;
  const headers = NAMES.flatMap((name) => DIALECTS[name].vary);
  return headers.length === 0 ? undefined : headers.join(', ');
}

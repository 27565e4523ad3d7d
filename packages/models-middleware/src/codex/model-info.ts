/**
 * Codex's `ModelInfo` (`codex-rs/protocol/src/openai_models.rs` in openai/codex): what an entry
 * must hold for Codex to decode the whole `{"models": [...]}` body. Codex decodes the list as one
 * value, so a single bad entry would make it drop every entry: entries are checked one by one and
 * a bad one is left out, never served.
 *
 * Only the structure is checked. Values that keep growing upstream (reasoning efforts gained
 * `max` and `ultra`) are checked as strings; the enums that have stayed put (visibility, shell
 * type, truncation mode, input modality) are checked by value.
 */

import { InvalidDocumentError } from '../errors.js';

/** A Codex model entry as read from the source. Fields this package never reads stay opaque. */
export interface CodexModelInfo {
  readonly slug: string;
  readonly display_name: string;
  /** Absent in what Codex 0.171 writes to its cache: it keeps them in `model_messages.instructions_template`. */
  readonly base_instructions?: string;
  readonly context_window?: number | null;
  readonly input_modalities?: readonly string[];
  readonly [field: string]: unknown;
}

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === 'string';
const isBoolean: Check = (v) => typeof v === 'boolean';
const isInt: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const isI32: Check = (v) => isInt(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const arrayOf =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(item);
const nullable =
  (check: Check): Check =>
  (v) =>
    v === null || check(v);

const isEffortPreset: Check = (v) =>
  isObject(v) &&
  isString((v as Record<string, unknown>).effort) &&
  isString((v as Record<string, unknown>).description);
const isTruncationPolicy: Check = (v) =>
  isObject(v) &&
  oneOf('bytes', 'tokens')((v as Record<string, unknown>).mode) &&
  isInt((v as Record<string, unknown>).limit);

/** Codex's input modalities; LiteLLM's `supports_vision` maps onto them. */
const INPUT_MODALITIES = ['text', 'image'] as const;

/**
 * Fields Codex requires: neither `Option` nor given a serde default, so a missing one fails the
 * decode of the whole list.
 */
export const REQUIRED_FIELDS: Readonly<Record<string, Check>> = Object.freeze({
  slug: (v: unknown) => isString(v) && v !== '',
  display_name: isString,
  supported_reasoning_levels: arrayOf(isEffortPreset),
  shell_type: oneOf('default', 'local', 'unified_exec', 'disabled', 'shell_command'),
  visibility: oneOf('list', 'hide', 'none'),
  supported_in_api: isBoolean,
  priority: isI32,
  support_verbosity: isBoolean,
  truncation_policy: isTruncationPolicy,
  experimental_supported_tools: arrayOf(isString),
});

/** Optional fields whose type is checked when present (a wrong type fails Codex's decode too). */
const OPTIONAL_FIELDS: Readonly<Record<string, Check>> = Object.freeze({
  base_instructions: isString,
  // Codex 0.171 writes its cache without these two (it has `default_reasoning_summary`) and reads
  // that cache back: they have defaults there, so an entry may lack them.
  supports_reasoning_summaries: isBoolean,
  supports_parallel_tool_calls: isBoolean,
  description: nullable(isString),
  default_reasoning_level: nullable(isString),
  upgrade: nullable(isObject),
  model_messages: nullable(isObject),
  default_verbosity: nullable(isString),
  apply_patch_tool_type: nullable(isString),
  context_window: nullable(isInt),
  auto_compact_token_limit: nullable(isInt),
  effective_context_window_percent: isInt,
  input_modalities: arrayOf(oneOf(...INPUT_MODALITIES)),
});

/** Why an entry cannot be served to Codex, or `undefined` when it can. */
export function checkModelInfo(value: unknown): string | undefined {
  if (!isObject(value)) return 'not an object';
  const entry = value as Record<string, unknown>;
  for (const [field, check] of Object.entries(REQUIRED_FIELDS)) {
    if (!(field in entry)) return `missing \`${field}\``;
    if (!check(entry[field])) return `bad \`${field}\``;
  }
  for (const [field, check] of Object.entries(OPTIONAL_FIELDS)) {
    if (entry[field] !== undefined && !check(entry[field])) return `bad \`${field}\``;
  }
  // Codex's system prompt for the model: an entry with neither would replace it with nothing.
  if (entry.base_instructions === undefined && !hasInstructionsTemplate(entry.model_messages)) {
    return 'no instructions (neither `base_instructions` nor `model_messages.instructions_template`)';
  }
  return undefined;
}

/** `model_messages.instructions_template`: where Codex 0.171 keeps the instructions it caches. */
function hasInstructionsTemplate(messages: unknown): boolean {
  return isObject(messages) && isString((messages as Record<string, unknown>).instructions_template);
}

/** A validated Codex list: the entries that can be served, and why the others were left out. */
export interface CodexModelList {
  readonly entries: readonly CodexModelInfo[];
  readonly rejected: readonly { readonly slug: string | null; readonly reason: string }[];
}

/**
 * Reads `{"models": [ModelInfo...]}`: the body of Codex's `/models` and the shape of its
 * `models_cache.json` (which adds `fetched_at`, `etag`, `client_version` beside `models`).
 * Entries are kept as parsed, key order and values untouched. A slug seen twice keeps its first
 * entry, so the served list never holds two entries Codex would have to choose between.
 * Throws {@link InvalidDocumentError} when the bytes are not such a document at all.
 */
export function parseCodexModels(bytes: Buffer, url: string): CodexModelList {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidDocumentError(url, 'not JSON', { cause: error });
  }
  const models = isObject(document) ? (document as Record<string, unknown>).models : undefined;
  if (!Array.isArray(models)) throw new InvalidDocumentError(url, 'no `models` array');
  const entries: CodexModelInfo[] = [];
  const rejected: { slug: string | null; reason: string }[] = [];
  const seen = new Set<string>();
  for (const model of models) {
    const slug = isObject(model) && isString(model.slug) ? (model.slug as string) : null;
    const reason = checkModelInfo(model) ?? (seen.has(slug as string) ? 'duplicate `slug`' : undefined);
    if (reason !== undefined) {
      rejected.push({ slug, reason });
      continue;
    }
    seen.add(slug as string);
    entries.push(Object.freeze(model) as CodexModelInfo);
  }
  return { entries: Object.freeze(entries), rejected: Object.freeze(rejected) };
}

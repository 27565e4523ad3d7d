/**
 * The Codex dialect's body: `{"models": [ModelInfo...]}` (`ModelsResponse` in openai/codex).
 *
 * Every entry is the source's entry as it was read, keys in their order and values untouched,
 * above all `base_instructions` and `model_messages`, which become Codex's system prompt. LiteLLM
 * fills only fields the entry lacks (absent or `null`), appended after the entry's own keys; it
 * never supplies instructions, so no entry is ever made from LiteLLM alone.
 */
import type { ModelCard } from '../types.js';
import type { CodexModelInfo } from './model-info.js';

export interface CodexModelsBody {
  readonly models: readonly CodexModelInfo[];
}

/** What LiteLLM may fill, and from which card field (documented in the README's fields table). */
export const LITELLM_FILLS: Readonly<Record<string, (card: ModelCard) => unknown>> = Object.freeze({
  // Codex sizes its auto-compaction from this (90 %); LiteLLM's input window is the same number.
  context_window: (card: ModelCard) => card.max_input_tokens,
  // Without it Codex assumes text and images; LiteLLM knows when a model takes no images.
  input_modalities: (card: ModelCard) =>
    card.supports_vision === undefined ? undefined : card.supports_vision ? ['text', 'image'] : ['text'],
});

/** The LiteLLM card for a Codex slug: OpenAI's keys are bare (`gpt-5-codex`), some are prefixed. */
export function cardForSlug(byId: ReadonlyMap<string, ModelCard>, slug: string): ModelCard | undefined {
  return byId.get(slug) ?? byId.get(`openai/${slug}`);
}

/** One served entry: the source's entry, plus what LiteLLM knows and the entry lacks. */
export function codexEntry(entry: CodexModelInfo, card: ModelCard | undefined): CodexModelInfo {
  if (card === undefined) return entry;
  let filled: Record<string, unknown> | undefined;
  for (const [field, fill] of Object.entries(LITELLM_FILLS)) {
    if (entry[field] !== undefined && entry[field] !== null) continue;
    const value = fill(card);
    if (value === undefined) continue;
    filled ??= { ...entry };
    filled[field] = value;
  }
  return (filled ?? entry) as CodexModelInfo;
}

/**
 * The list body in the source's order (Codex sorts by `priority` itself). `byId` is LiteLLM's
 * whole catalog, or an empty map when it is not loaded: the entries are served either way.
 */
export function codexBody(
  entries: readonly CodexModelInfo[],
  byId: ReadonlyMap<string, ModelCard>,
): CodexModelsBody {
  return { models: entries.map((entry) => codexEntry(entry, cardForSlug(byId, entry.slug))) };
}

/** No source: Codex keeps its built-in list and prompts when the catalog is empty. */
export const EMPTY_CODEX_BODY: CodexModelsBody = Object.freeze({ models: Object.freeze([]) });

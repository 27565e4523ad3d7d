/**
 * Cards each plugin lists when LiteLLM's catalog is off (`dynamic_models_enabled = false`) or
 * has nothing for its provider. Limits as LiteLLM published them in mid 2026; only `id` is
 * required, the router completes `object`, `created` and `owned_by`.
 */
import type { FallbackModel } from '@ccproxy/models-middleware';

const FULL_SUPPORT = {
  supports_vision: true,
  supports_function_calling: true,
  supports_prompt_caching: true,
  supports_reasoning: true,
} as const;

function card(id: string, mode: 'chat' | 'responses', maxInput: number, maxOutput: number): FallbackModel {
  return Object.freeze({
    id,
    mode,
    context_length: maxInput,
    max_input_tokens: maxInput,
    max_output_tokens: maxOutput,
    max_tokens: maxOutput,
    ...FULL_SUPPORT,
  });
}

/** The Codex plugin (`provider: 'openai'`): the Codex models are `responses`-mode in LiteLLM. */
export const CODEX_FALLBACK_MODELS: readonly FallbackModel[] = Object.freeze([
  card('gpt-5.3-codex', 'responses', 272_000, 128_000),
  card('gpt-5.2-codex', 'responses', 272_000, 128_000),
  card('gpt-5.1-codex-max', 'responses', 272_000, 128_000),
  card('gpt-5.1-codex', 'responses', 272_000, 128_000),
  card('gpt-5.1-codex-mini', 'responses', 272_000, 128_000),
  card('gpt-5-codex', 'responses', 272_000, 128_000),
  card('codex-mini-latest', 'responses', 200_000, 100_000),
  card('gpt-5.2', 'chat', 272_000, 128_000),
  card('gpt-5.1', 'chat', 272_000, 128_000),
  card('gpt-5', 'chat', 272_000, 128_000),
]);

/** The Claude API plugin (`provider: 'anthropic'`): aliases and their dated ids. */
export const CLAUDE_FALLBACK_MODELS: readonly FallbackModel[] = Object.freeze([
  card('claude-opus-4-6', 'chat', 1_000_000, 128_000),
  card('claude-sonnet-4-6', 'chat', 1_000_000, 64_000),
  card('claude-opus-4-5', 'chat', 200_000, 64_000),
  card('claude-opus-4-5-20251101', 'chat', 200_000, 64_000),
  card('claude-haiku-4-5', 'chat', 200_000, 64_000),
  card('claude-haiku-4-5-20251001', 'chat', 200_000, 64_000),
  card('claude-sonnet-4-5', 'chat', 200_000, 64_000),
  card('claude-sonnet-4-5-20250929', 'chat', 200_000, 64_000),
  card('claude-opus-4-1', 'chat', 200_000, 32_000),
  card('claude-opus-4-1-20250805', 'chat', 200_000, 32_000),
]);

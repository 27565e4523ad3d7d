import { createdFromId } from './date-in-id.js';
import { pricingOf } from './pricing.js';
import type { LiteLLMEntry } from './schema.js';
import type { ModelCard } from './types.js';

/** The `supports_*` flags a card carries, in the order cards list them. */
export const CARD_FLAGS = [
  'supports_vision',
  'supports_function_calling',
  'supports_parallel_function_calling',
  'supports_tool_choice',
  'supports_response_schema',
  'supports_prompt_caching',
  'supports_system_messages',
  'supports_assistant_prefill',
  'supports_computer_use',
  'supports_pdf_input',
  'supports_reasoning',
  // Read by the Anthropic capabilities (effort levels, adaptive thinking, native structured
  // outputs, the web search server tool); LiteLLM sets them on Claude models and a few others.
  'supports_web_search',
  'supports_native_structured_output',
  'supports_adaptive_thinking',
  'supports_output_config',
  'supports_max_reasoning_effort',
  'supports_xhigh_reasoning_effort',
] as const;

/** Turns a validated LiteLLM entry into a card. Only known values are set. */
export function toCard(id: string, entry: LiteLLMEntry): ModelCard {
  const card: Record<string, unknown> = {
    id,
    object: 'model',
    created: createdFromId(id),
    owned_by: entry.litellm_provider,
  };
  if (entry.max_input_tokens !== undefined) card.context_length = entry.max_input_tokens;
  if (entry.max_input_tokens !== undefined) card.max_input_tokens = entry.max_input_tokens;
  if (entry.max_output_tokens !== undefined) card.max_output_tokens = entry.max_output_tokens;
  if (entry.max_tokens !== undefined) card.max_tokens = entry.max_tokens;
  for (const flag of CARD_FLAGS) {
    const value = entry[flag];
    if (value !== undefined) card[flag] = value;
  }
  card.mode = entry.mode ?? 'chat';
  card.litellm_provider = entry.litellm_provider;
  if (entry.deprecation_date !== undefined) card.deprecation_date = entry.deprecation_date;
  const pricing = pricingOf(entry);
  if (pricing !== undefined) card.pricing = pricing;
  return card as unknown as ModelCard;
}

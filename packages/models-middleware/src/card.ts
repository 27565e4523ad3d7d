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

/** Each flag's place in CARD_FLAGS. */
const FLAG_INDEX: ReadonlyMap<string, number> = new Map(CARD_FLAGS.map((flag, index) => [flag, index]));

/** Turns a validated LiteLLM entry into a card. Only known values are set. */
export function toCard(id: string, entry: LiteLLMEntry): ModelCard {
  // One pass over the entry's keys (~12) instead of a lookup for every field a card may carry
  // (~25): entries come in ~700 shapes, so every lookup by name is megamorphic, and the first
  // parse of a document runs this cold (toCard 25 % faster on the fixture, fresh processes).
  let maxInput: number | undefined;
  let maxOutput: number | undefined;
  let maxTokens: number | undefined;
  let mode: string | undefined;
  let deprecation: string | undefined;
  let flags: (boolean | undefined)[] | undefined;
  for (const key in entry) {
    const value = entry[key as keyof LiteLLMEntry];
    if (value === undefined) continue;
    switch (key) {
      case 'max_input_tokens':
        maxInput = value as number;
        break;
      case 'max_output_tokens':
        maxOutput = value as number;
        break;
      case 'max_tokens':
        maxTokens = value as number;
        break;
      case 'mode':
        mode = value as string;
        break;
      case 'deprecation_date':
        deprecation = value as string;
        break;
      default: {
        const index = FLAG_INDEX.get(key);
        if (index !== undefined) {
          flags ??= new Array(CARD_FLAGS.length);
          flags[index] = value as boolean;
        }
      }
    }
  }
  // The card's fields in their fixed order, whatever the entry's.
  const card: Record<string, unknown> = {
    id,
    object: 'model',
    created: createdFromId(id),
    owned_by: entry.litellm_provider,
  };
  if (maxInput !== undefined) {
    card.context_length = maxInput;
    card.max_input_tokens = maxInput;
  }
  if (maxOutput !== undefined) card.max_output_tokens = maxOutput;
  if (maxTokens !== undefined) card.max_tokens = maxTokens;
  if (flags !== undefined) {
    for (let index = 0; index < CARD_FLAGS.length; index++) {
      const value = flags[index];
      if (value !== undefined) card[CARD_FLAGS[index] as string] = value;
    }
  }
  card.mode = mode ?? 'chat';
  card.litellm_provider = entry.litellm_provider;
  if (deprecation !== undefined) card.deprecation_date = deprecation;
  const pricing = pricingOf(entry);
  if (pricing !== undefined) card.pricing = pricing;
  return card as unknown as ModelCard;
}

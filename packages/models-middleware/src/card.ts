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
] as const;

// A release date inside an id: `-20250929` or `-2025-08-07`, not followed by another digit, so
// that version numbers such as `-0613` or `-001` are never read as dates.
const DATE_IN_ID =
  /(?:^|[^\d])(20\d{2})(?:(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])|-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))(?!\d)/g;

/** Unix seconds of the last valid date in the id, or 0 when it has none. */
export function createdFromId(id: string): number {
  let created = 0;
  for (const match of id.matchAll(DATE_IN_ID)) {
    const year = Number(match[1]);
    const month = Number(match[2] ?? match[4]);
    const day = Number(match[3] ?? match[5]);
    const ms = Date.UTC(year, month - 1, day);
    // Date.UTC rolls 2025-02-31 over into March; such an id holds no real date.
    if (new Date(ms).getUTCDate() === day) created = ms / 1000;
  }
  return created;
}

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
  return card as unknown as ModelCard;
}

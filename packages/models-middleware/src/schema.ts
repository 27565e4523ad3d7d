import type { ValidateFunction } from 'ajv';
import { CARD_FLAGS } from './card.js';
import { validate as generatedValidate } from './entry-validator.generated.js';

/**
 * The fields of a LiteLLM entry this package reads, with the types real data has. Unknown fields
 * are allowed: LiteLLM adds new ones every few weeks. Prices are checked because a proxy may
 * bill from them; a wrong type anywhere we read makes the whole entry invalid, never half-used.
 */
const tokenCount = { type: 'integer', minimum: 0 } as const;
const price = { type: 'number', minimum: 0 } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

/** The card's flags, and a few more whose types are checked because proxies read them too. */
const SUPPORT_FLAGS = [
  ...CARD_FLAGS,
  'supports_web_search',
  'supports_audio_input',
  'supports_audio_output',
] as const;

export const entrySchema = {
  type: 'object',
  required: ['litellm_provider'],
  properties: {
    litellm_provider: { type: 'string', pattern: '\\S' },
    mode: { type: 'string', pattern: '\\S' },
    max_input_tokens: tokenCount,
    max_output_tokens: tokenCount,
    max_tokens: tokenCount,
    input_cost_per_token: price,
    output_cost_per_token: price,
    cache_read_input_token_cost: price,
    cache_creation_input_token_cost: price,
    deprecation_date: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' },
    supported_endpoints: stringList,
    supported_modalities: stringList,
    supported_output_modalities: stringList,
    ...Object.fromEntries(SUPPORT_FLAGS.map((flag) => [flag, { type: 'boolean' }])),
  },
} as const;

/** The entry as far as the schema guarantees it. */
export interface LiteLLMEntry {
  readonly litellm_provider: string;
  readonly mode?: string;
  readonly max_input_tokens?: number;
  readonly max_output_tokens?: number;
  readonly max_tokens?: number;
  readonly deprecation_date?: string;
  readonly input_cost_per_token?: number;
  readonly output_cost_per_token?: number;
  readonly cache_read_input_token_cost?: number;
  readonly cache_creation_input_token_cost?: number;
  readonly [flag: `supports_${string}`]: boolean | undefined;
}

// Ajv compiled `entrySchema` ahead of time (scripts/generate-validator.mjs; a test keeps the two
// in step), so neither a process start nor a parse worker pays for Ajv's code generation.
const validate = generatedValidate as ValidateFunction<LiteLLMEntry>;

/** Does a plain object read from the document match the schema? */
export function isValidEntry(value: unknown): value is LiteLLMEntry {
  return validate(value);
}

/**
 * OpenAI's `/v1/models` bodies. OpenAI's `Model` is only `id`, `object`, `created`, `owned_by`;
 * the card's other fields ride along because every client we know of tolerates extra fields and
 * several read window sizes (`context_length`, `max_input_tokens`) from them.
 */
import type { ModelCard } from '../../types.js';
import { filterCards, type ReadListQuery } from '../list-filter.js';
import type { Dialect } from '../listing.js';
import { perCard } from '../per-card.js';
import { type ErrorReply, prepareJson } from '../prepared.js';

/** A `ModelCard` as it goes on the wire: OpenAI's four fields first, then what LiteLLM knows. */
export interface OpenAIModel extends ModelCard {}

export interface OpenAIModelList {
  object: 'list';
  data: OpenAIModel[];
}

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}

/**
 * Field order on the wire. Typed as a full record so a field added to `ModelCard` fails to
 * compile here instead of silently never reaching clients.
 */
const FIELD_ORDER = Object.keys({
  id: true,
  object: true,
  created: true,
  owned_by: true,
  display_name: true,
  description: true,
  context_length: true,
  max_input_tokens: true,
  max_output_tokens: true,
  max_tokens: true,
  supports_vision: true,
  supports_function_calling: true,
  supports_parallel_function_calling: true,
  supports_tool_choice: true,
  supports_response_schema: true,
  supports_prompt_caching: true,
  supports_system_messages: true,
  supports_assistant_prefill: true,
  supports_computer_use: true,
  supports_pdf_input: true,
  supports_reasoning: true,
  supports_web_search: true,
  supports_native_structured_output: true,
  supports_adaptive_thinking: true,
  supports_output_config: true,
  supports_max_reasoning_effort: true,
  supports_xhigh_reasoning_effort: true,
  mode: true,
  litellm_provider: true,
  deprecation_date: true,
  pricing: true,
  available: true,
} satisfies Record<keyof ModelCard, true>) as (keyof ModelCard)[];

/**
 * The card's known fields in `FIELD_ORDER`, so equal cards serialise to equal bytes (ETags depend
 * on it). Absent fields stay absent; properties outside `ModelCard` are not copied.
 */
export function openaiModel(card: ModelCard): OpenAIModel {
  const model: Partial<Record<keyof ModelCard, unknown>> = {};
  for (const field of FIELD_ORDER) {
    if (card[field] !== undefined) model[field] = card[field];
  }
  return model as OpenAIModel;
}

/** The list body, in the order given: ordering and filtering are the caller's policy. */
export function openaiList(cards: readonly ModelCard[]): OpenAIModelList {
  return { object: 'list', data: cards.map((card) => openaiModel(card)) };
}

/** Each card's wire JSON (`JSON.stringify(openaiModel(card))`), kept per card (see perCard). */
const openaiModelJson = perCard((card) => JSON.stringify(openaiModel(card)));

/** The bytes `JSON.stringify(openaiList(cards))` gives, joined from each card's kept JSON. */
export function openaiListJson(cards: readonly ModelCard[]): string {
  let data = '';
  for (let i = 0; i < cards.length; i++) {
    data += i === 0 ? openaiModelJson(cards[i] as ModelCard) : `,${openaiModelJson(cards[i] as ModelCard)}`;
  }
  return `{"object":"list","data":[${data}]}`;
}

export function openaiError(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

/** The body OpenAI sends with its 404 for an unknown model. */
export function openaiModelNotFound(id: string): OpenAIErrorBody {
  return openaiError(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found');
}

/** The OpenAI dialect: the default, answering whatever no other row claims. */
export const openaiDialect: Dialect = {
  detect: () => true,
  vary: [],
  create(listing, { listQuery }) {
    return {
      listKey(query) {
        const read = listQuery(query);
        return read.ok ? read.key : rejected(read);
      },
      list(key) {
        const read = listQuery(key);
        return read.ok
          ? prepareJson(openaiListJson(filterCards(listing.cards, read.filter)))
          : rejected(read);
      },
      one(id) {
        const card = listing.find(id, false);
        return card === undefined
          ? { status: 404, error: openaiModelNotFound(id) }
          : prepareJson(openaiModelJson(card));
      },
    };
  },
};

/** A query the list filters refuse: OpenAI's 400, naming the parameter. */
function rejected(read: Extract<ReadListQuery, { ok: false }>): ErrorReply {
  return { status: 400, error: openaiError(read.message, 'invalid_request_error', read.param, read.code) };
}

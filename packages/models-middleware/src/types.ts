/**
 * A model as `/v1/models` lists it: the OpenAI `Model` object (ccproxy's `ModelCard`) plus what
 * LiteLLM knows about it. Fields LiteLLM does not know are absent, never `null`.
 */
export interface ModelCard {
  /** The LiteLLM key, which is the id clients send. */
  readonly id: string;
  readonly object: 'model';
  /** Release time in Unix seconds, read from a date in the id (`-20250929`, `-2025-08-07`); 0 when unknown. */
  readonly created: number;
  /** The LiteLLM provider (`openai`, `anthropic`, ...). */
  readonly owned_by: string;
  /** Set by an operator's override or custom model; the Anthropic format derives one otherwise. */
  readonly display_name?: string;
  /** Set by an override, a custom model or an alias (`Alias of <id>`). */
  readonly description?: string;
  /** Same as `max_input_tokens`: the name many OpenAI-compatible clients read. */
  readonly context_length?: number;
  readonly max_input_tokens?: number;
  readonly max_output_tokens?: number;
  readonly max_tokens?: number;
  readonly supports_vision?: boolean;
  readonly supports_function_calling?: boolean;
  readonly supports_parallel_function_calling?: boolean;
  readonly supports_tool_choice?: boolean;
  readonly supports_response_schema?: boolean;
  readonly supports_prompt_caching?: boolean;
  readonly supports_system_messages?: boolean;
  readonly supports_assistant_prefill?: boolean;
  readonly supports_computer_use?: boolean;
  readonly supports_pdf_input?: boolean;
  readonly supports_reasoning?: boolean;
  readonly supports_web_search?: boolean;
  readonly supports_native_structured_output?: boolean;
  readonly supports_adaptive_thinking?: boolean;
  /** Anthropic's `output_config` (where the `effort` parameter goes). */
  readonly supports_output_config?: boolean;
  readonly supports_max_reasoning_effort?: boolean;
  readonly supports_xhigh_reasoning_effort?: boolean;
  /** LiteLLM's mode (`chat`, `responses`, ...); a missing mode is reported as `chat`. */
  readonly mode?: string;
  readonly litellm_provider?: string;
  /** `YYYY-MM-DD`. */
  readonly deprecation_date?: string;
  /** USD per token, present when LiteLLM has at least one of the costs. */
  readonly pricing?: ModelPricing;
  /**
   * `false` on a LiteLLM model the provider's own list does not serve, listed only because the
   * router's `availability.keepUnlisted` asks for it; absent otherwise.
   */
  readonly available?: boolean;
}

/**
 * Prices in OpenRouter's shape: USD per token as decimal strings (`"0.000003"`). A key LiteLLM
 * has no cost for is absent.
 */
export interface ModelPricing {
  /** LiteLLM's `input_cost_per_token`. */
  readonly prompt?: string;
  /** LiteLLM's `output_cost_per_token`. */
  readonly completion?: string;
  /** LiteLLM's `cache_read_input_token_cost`. */
  readonly input_cache_read?: string;
  /** LiteLLM's `cache_creation_input_token_cost`. */
  readonly input_cache_write?: string;
}

/** Where a catalog answer came from, fastest tier first. */
export type CatalogSource = 'memory' | 'disk' | 'upstream' | 'snapshot' | 'fallback';

/**
 * A validated LiteLLM document, turned into cards. Immutable: a parsed document checks and builds
 * each provider's cards on first read (see `model-set.ts`), the same cards whatever reads first.
 */
export interface ModelSet {
  /** Every valid model entry of the document, in document order (all providers, all modes). */
  readonly cards: readonly ModelCard[];
  readonly byId: ReadonlyMap<string, ModelCard>;
  /** Entries dropped because they failed validation. */
  readonly invalid: number;
  /** A content hash of the cards: equal sets have equal versions. */
  readonly version: string;
}

/** Which cards a list shows. */
export interface ModelFilter {
  /** A `litellm_provider` value, or `all`. */
  readonly provider: string;
  /** Modes to list; an entry without a mode counts as `chat`. */
  readonly modes: readonly string[];
  /** List models whose `deprecation_date` has passed. */
  readonly includeDeprecated: boolean;
}

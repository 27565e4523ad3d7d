/**
 * Anthropic's `ModelInfo` (the fields of `@anthropic-ai/sdk` 1.12's type, all of them always
 * present) and its error envelope, built from a LiteLLM card. Capabilities LiteLLM records nothing
 * about are `supported: false`: a client may try a feature we cannot vouch for, but must not be
 * told it exists. Order and paging live in `anthropic-order.ts` and `anthropic-page.ts`.
 */

import type { ModelCard } from '../../types.js';
import { type Lifecycle, lifecycleOf } from '../select.js';
import { cardClaudeParts, cardDisplayName } from './display-name.js';

interface CapabilitySupport {
  supported: boolean;
}

/** Anthropic's capability keys, then three LiteLLM extras (clients ignore unknown keys). */
export interface AnthropicCapabilities {
  batch: CapabilitySupport;
  citations: CapabilitySupport;
  code_execution: CapabilitySupport;
  context_management: CapabilitySupport & {
    clear_thinking_20251015: CapabilitySupport | null;
    clear_tool_uses_20250919: CapabilitySupport | null;
    compact_20260112: CapabilitySupport | null;
  };
  effort: CapabilitySupport & {
    low: CapabilitySupport;
    medium: CapabilitySupport;
    high: CapabilitySupport;
    max: CapabilitySupport;
    xhigh: CapabilitySupport | null;
  };
  image_input: CapabilitySupport;
  pdf_input: CapabilitySupport;
  server_tools: CapabilitySupport & { code_execution: CapabilitySupport; web_search: CapabilitySupport };
  structured_outputs: CapabilitySupport;
  thinking: CapabilitySupport & {
    types: {
      adaptive: CapabilitySupport;
      between_tools: CapabilitySupport;
      disabled: CapabilitySupport;
      enabled: CapabilitySupport;
    };
  };
  /** LiteLLM's `supports_function_calling`, when it says. */
  tool_use?: CapabilitySupport;
  /** LiteLLM's `supports_computer_use`, when it says. */
  computer_use?: CapabilitySupport;
  /** LiteLLM's `supports_prompt_caching`, when it says. */
  prompt_caching?: CapabilitySupport;
}

/** The Claude lines of the SDK's `ModelLine`; a family outside it gets `line: null`. */
const LINES = ['haiku', 'sonnet', 'opus', 'fable', 'mythos'] as const;
type ModelLine = (typeof LINES)[number];

export interface AnthropicModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  /** Not in Anthropic's schema: what Claude Code's picker shows beside the name. */
  description: string;
  /** RFC 3339 (`2025-09-29T00:00:00Z`); the epoch only when nothing is known (see anthropic-order). */
  created_at: string;
  lifecycle: Lifecycle;
  /** LiteLLM records when a model stops, not when it was deprecated: always `null`. */
  deprecated_at: string | null;
  /** LiteLLM's `deprecation_date`, the day it stops being served; `null` for an active model. */
  retires_at: string | null;
  /** Read from the id (the data has no line field); `null` outside the SDK's lines. */
  line: ModelLine | null;
  /** Context window in tokens. */
  max_input_tokens: number | null;
  /** Largest `max_tokens` a request may ask for. */
  max_tokens: number | null;
  capabilities: AnthropicCapabilities;
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** What the list knows beyond the card: the day, the release time it shows, the description. */
export interface InfoContext {
  /** `YYYY-MM-DD` (UTC) the lifecycle is judged on. */
  readonly today: string;
  /** Release time in Unix seconds as the list orders it. @default card.created */
  readonly created?: number;
  /** @default '' */
  readonly description?: string;
}

const EPOCH_SECONDS_MAX = 253_402_300_799; // 9999-12-31T23:59:59Z: later years are not RFC 3339

export function anthropicModel(card: ModelCard, context: InfoContext): AnthropicModelInfo {
  const lifecycle = lifecycleOf(card, context.today);
  const family = cardClaudeParts(card)?.family;
  return {
    type: 'model',
    id: card.id,
    display_name: card.display_name ?? cardDisplayName(card),
    description: card.description ?? context.description ?? '',
    created_at: rfc3339(context.created ?? card.created),
    lifecycle,
    deprecated_at: null,
    retires_at: lifecycle === 'active' ? null : `${card.deprecation_date}T00:00:00Z`,
    line: LINES.find((line) => line === family) ?? null,
    max_input_tokens: firstPositive(card.max_input_tokens, card.context_length) ?? null,
    max_tokens: firstPositive(card.max_output_tokens, card.max_tokens) ?? null,
    capabilities: capabilitiesOf(card),
  };
}

/** LiteLLM writes 0 for limits it does not know; a client would read 0 as "nothing allowed". */
function firstPositive(...values: (number | undefined)[]): number | undefined {
  return values.find((value) => value !== undefined && Number.isFinite(value) && value > 0);
}

const yes = (flag: boolean | undefined): CapabilitySupport => ({ supported: flag === true });
const NO: CapabilitySupport = Object.freeze({ supported: false });

/**
 * From LiteLLM's flags: `image_input` <- `supports_vision`; `pdf_input` <- `supports_pdf_input`;
 * `structured_outputs` <- `supports_native_structured_output` (Anthropic's own JSON outputs, not
 * LiteLLM's tool-call emulation `supports_response_schema`); `thinking` and `thinking.types.enabled`
 * <- `supports_reasoning`, `adaptive` <- `supports_adaptive_thinking`, `disabled` always true (every
 * Messages model runs without thinking); `effort` <- `supports_output_config` (the parameter lives
 * there) with low/medium/high, `max` and `xhigh` <- their `supports_*_reasoning_effort` flags;
 * `server_tools.web_search` <- `supports_web_search`. LiteLLM records nothing about batch,
 * citations, code execution, context management or between-tools thinking: false.
 */
function capabilitiesOf(card: ModelCard): AnthropicCapabilities {
  const effort = card.supports_output_config === true;
  const capabilities: AnthropicCapabilities = {
    batch: NO,
    citations: NO,
    code_execution: NO,
    context_management: {
      supported: false,
      clear_thinking_20251015: NO,
      clear_tool_uses_20250919: NO,
      compact_20260112: NO,
    },
    effort: {
      supported: effort,
      low: yes(effort),
      medium: yes(effort),
      high: yes(effort),
      max: yes(effort && card.supports_max_reasoning_effort),
      xhigh: yes(effort && card.supports_xhigh_reasoning_effort),
    },
    image_input: yes(card.supports_vision),
    pdf_input: yes(card.supports_pdf_input),
    server_tools: {
      supported: card.supports_web_search === true,
      code_execution: NO,
      web_search: yes(card.supports_web_search),
    },
    structured_outputs: yes(card.supports_native_structured_output),
    thinking: {
      supported: card.supports_reasoning === true,
      types: {
        adaptive: yes(card.supports_adaptive_thinking),
        between_tools: NO,
        disabled: { supported: true },
        enabled: yes(card.supports_reasoning),
      },
    },
  };
  if (card.supports_function_calling !== undefined)
    capabilities.tool_use = yes(card.supports_function_calling);
  if (card.supports_computer_use !== undefined) capabilities.computer_use = yes(card.supports_computer_use);
  if (card.supports_prompt_caching !== undefined)
    capabilities.prompt_caching = yes(card.supports_prompt_caching);
  return capabilities;
}

function rfc3339(seconds: number): string {
  const known = Number.isFinite(seconds) && seconds > 0 && seconds <= EPOCH_SECONDS_MAX;
  return new Date(known ? Math.floor(seconds) * 1000 : 0).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function anthropicError(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message } };
}

/** The body Anthropic sends with its 404 for an unknown model (minus `request_id`). */
export function anthropicNotFound(id: string): AnthropicErrorBody {
  return anthropicError('not_found_error', `model: ${id}`);
}

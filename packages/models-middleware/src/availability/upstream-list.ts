/**
 * What a provider's own model list says, read into one shape whatever the wire format: the ids
 * the credentials can call, and per id the fields the provider knows better than LiteLLM
 * (`wins`) or only as a fallback (`fills`). Pure: bytes in, a list out; a page that is not the
 * format's list throws InvalidDocumentError, a bad entry is left out.
 */
import { parseCodexModels } from '../codex/model-info.js';
import { InvalidDocumentError } from '../errors.js';
import type { ModelCard } from '../types.js';
import type { Lifecycle } from '../view/select.js';

/** The wire formats an upstream model list can speak. */
export const AVAILABILITY_FORMATS = ['openai', 'anthropic', 'codex'] as const;
export type AvailabilityFormat = (typeof AVAILABILITY_FORMATS)[number];

/** Card fields an upstream may set: the metadata, never the id, `object` or `owned_by`. */
type UpstreamFields = Partial<Omit<ModelCard, 'id' | 'object' | 'owned_by' | 'pricing'>>;

export interface AvailableModel {
  readonly id: string;
  /** Replace LiteLLM's values. */
  readonly wins: UpstreamFields;
  /** Used only where LiteLLM has no value. */
  readonly fills: UpstreamFields;
  /** Anthropic's lifecycle: `active` clears LiteLLM's `deprecation_date`. */
  readonly lifecycle?: Lifecycle;
}

export interface AvailableList {
  /** In the upstream's order, each id once. */
  readonly models: readonly AvailableModel[];
}

/** One page of a paginated list, and where the next one starts. */
export interface ListPage {
  readonly models: readonly AvailableModel[];
  /** The `after_id` of the next page; `undefined` on the last one. */
  readonly next: string | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const positiveInt = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function json(bytes: Buffer, url: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidDocumentError(url, 'model list is not JSON', { cause: error });
  }
}

function dataOf(document: unknown, url: string): unknown[] {
  const data = isObject(document) ? document.data : undefined;
  if (!Array.isArray(data)) throw new InvalidDocumentError(url, 'model list has no `data` array');
  return data;
}

/** Drops undefined fields, so "absent" stays absent (the card convention). */
function defined(fields: Record<string, unknown>): UpstreamFields {
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return Object.freeze(fields) as UpstreamFields;
}

/** OpenAI's `{"object": "list", "data": [{id, created, owned_by}]}`: the id and its creation time. */
export function parseOpenAIList(bytes: Buffer, url: string): AvailableList {
  const models: AvailableModel[] = [];
  for (const item of dataOf(json(bytes, url), url)) {
    const id = isObject(item) ? text(item.id) : undefined;
    if (id === undefined || !isObject(item)) continue;
    models.push({ id, wins: defined({ created: positiveInt(item.created) }), fills: {} });
  }
  return unique(models);
}

/** One page of Anthropic's list (`data`, `has_more`, `last_id`). */
export function parseAnthropicPage(bytes: Buffer, url: string): ListPage {
  const document = json(bytes, url);
  const data = dataOf(document, url);
  const record = document as Record<string, unknown>;
  if (typeof record.has_more !== 'boolean')
    throw new InvalidDocumentError(url, 'model list page has no boolean `has_more`');
  const next = record.has_more ? text(record.last_id) : undefined;
  if (record.has_more && next === undefined)
    throw new InvalidDocumentError(url, 'model list page has `has_more` but no `last_id`');
  const models: AvailableModel[] = [];
  for (const item of data) {
    const model = isObject(item) ? anthropicModel(item) : undefined;
    if (model !== undefined) models.push(model);
  }
  return { models, next };
}

const LIFECYCLE_VALUES: ReadonlySet<string> = new Set(['active', 'deprecated', 'retired']);

/** Anthropic's `ModelInfo`: dates, name, limits, lifecycle and capabilities win over LiteLLM's. */
function anthropicModel(item: Record<string, unknown>): AvailableModel | undefined {
  const id = text(item.id);
  if (id === undefined) return undefined;
  const createdMs = typeof item.created_at === 'string' ? Date.parse(item.created_at) : Number.NaN;
  const retires = typeof item.retires_at === 'string' ? item.retires_at.slice(0, 10) : undefined;
  const lifecycle =
    typeof item.lifecycle === 'string' && LIFECYCLE_VALUES.has(item.lifecycle)
      ? (item.lifecycle as Lifecycle)
      : undefined;
  const input = positiveInt(item.max_input_tokens);
  const caps = isObject(item.capabilities) ? item.capabilities : {};
  const effort = caps.effort;
  const thinking = caps.thinking;
  const thinkingTypes = isObject(thinking) ? thinking.types : undefined;
  const serverTools = caps.server_tools;
  const wins = defined({
    // The epoch means "release date unknown": LiteLLM's (or the id's) date stays.
    created: Number.isFinite(createdMs) && createdMs > 0 ? Math.floor(createdMs / 1000) : undefined,
    display_name: text(item.display_name),
    max_input_tokens: input,
    context_length: input,
    max_output_tokens: positiveInt(item.max_tokens),
    deprecation_date: retires !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(retires) ? retires : undefined,
    supports_vision: supported(caps.image_input),
    supports_pdf_input: supported(caps.pdf_input),
    supports_native_structured_output: supported(caps.structured_outputs),
    supports_reasoning: supported(thinking),
    supports_adaptive_thinking: isObject(thinkingTypes) ? supported(thinkingTypes.adaptive) : undefined,
    supports_output_config: supported(effort),
    supports_max_reasoning_effort: isObject(effort) ? supported(effort.max) : undefined,
    supports_xhigh_reasoning_effort: isObject(effort) ? supported(effort.xhigh) : undefined,
    supports_web_search: isObject(serverTools) ? supported(serverTools.web_search) : undefined,
  });
  return lifecycle === undefined ? { id, wins, fills: {} } : { id, wins, fills: {}, lifecycle };
}

function supported(capability: unknown): boolean | undefined {
  return isObject(capability) && typeof capability.supported === 'boolean' ? capability.supported : undefined;
}

/** Codex's `{"models": [ModelInfo]}` (entries Codex could not decode are left out): name and description win. */
export function parseCodexList(bytes: Buffer, url: string): AvailableList {
  const models = parseCodexModels(bytes, url).entries.map(
    (entry): AvailableModel => ({
      id: entry.slug,
      wins: defined({ display_name: text(entry.display_name), description: text(entry.description) }),
      fills: defined({
        context_length: positiveInt(entry.context_window),
        max_input_tokens: positiveInt(entry.context_window),
        supports_vision: Array.isArray(entry.input_modalities)
          ? entry.input_modalities.includes('image')
          : undefined,
      }),
    }),
  );
  return unique(models);
}

/** Each id once, the first occurrence kept (a page boundary can repeat one). */
export function unique(models: readonly AvailableModel[]): AvailableList {
  const seen = new Set<string>();
  const kept = models.filter((model) => !seen.has(model.id) && seen.add(model.id) !== undefined);
  return Object.freeze({ models: Object.freeze(kept) });
}

const FIELD_TYPES: Readonly<Record<string, 'string' | 'number' | 'boolean'>> = {
  created: 'number',
  display_name: 'string',
  description: 'string',
  context_length: 'number',
  max_input_tokens: 'number',
  max_output_tokens: 'number',
  deprecation_date: 'string',
  supports_vision: 'boolean',
  supports_pdf_input: 'boolean',
  supports_native_structured_output: 'boolean',
  supports_reasoning: 'boolean',
  supports_adaptive_thinking: 'boolean',
  supports_output_config: 'boolean',
  supports_max_reasoning_effort: 'boolean',
  supports_xhigh_reasoning_effort: 'boolean',
  supports_web_search: 'boolean',
};

/** A list read back from the store, checked like any input; `undefined` when it is not one. */
export function reviveList(value: unknown): AvailableList | undefined {
  if (!isObject(value) || !Array.isArray(value.models)) return undefined;
  const models: AvailableModel[] = [];
  for (const item of value.models) {
    if (!isObject(item)) return undefined;
    const id = text(item.id);
    const wins = fieldsOf(item.wins);
    const fills = fieldsOf(item.fills);
    if (id === undefined || wins === undefined || fills === undefined) return undefined;
    const lifecycle =
      typeof item.lifecycle === 'string' && LIFECYCLE_VALUES.has(item.lifecycle)
        ? (item.lifecycle as Lifecycle)
        : undefined;
    models.push(lifecycle === undefined ? { id, wins, fills } : { id, wins, fills, lifecycle });
  }
  return unique(models);
}

function fieldsOf(value: unknown): UpstreamFields | undefined {
  if (!isObject(value)) return undefined;
  const fields: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (FIELD_TYPES[key] === undefined || typeof field !== FIELD_TYPES[key]) return undefined;
    fields[key] = field;
  }
  return Object.freeze(fields) as UpstreamFields;
}

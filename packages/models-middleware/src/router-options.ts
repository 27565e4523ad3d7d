/**
 * The router's own options, validated once in the factory: a bad one throws TypeError /
 * RangeError naming it. Catalog options are the catalog's to validate.
 */

import {
  type ResolvedAvailabilityOptions,
  resolveAvailabilityOptions,
} from './availability/availability-options.js';
import { createdFromId } from './date-in-id.js';
import { createModelSet } from './model-set.js';
import {
  CATALOG_OPTION_KEYS,
  checkBoolean,
  checkInteger,
  checkObject,
  checkOneOf,
  checkString,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MODES,
} from './options.js';
import { PACKAGE_NAME } from './package-name.js';
import { type ModelRules, RULE_OPTION_KEYS, resolveRules } from './rule-options.js';
import type { ModelCard, ModelFilter, ModelSet } from './types.js';
import { FORMATS, type ResponseFormat } from './view/dialects.js';
import { createListQueryReader, type ListQueryReader } from './view/list-filter.js';

const ROUTER_OPTION_KEYS: ReadonlySet<string> = new Set([
  'provider',
  'fallback',
  'catalog',
  'format',
  'modes',
  'includeDeprecated',
  'maxAgeSeconds',
  'codex',
  'availability',
  ...RULE_OPTION_KEYS,
]);
export const ALL_ROUTER_KEYS: ReadonlySet<string> = new Set([...ROUTER_OPTION_KEYS, ...CATALOG_OPTION_KEYS]);

/** The router options with every default applied. */
export interface ResolvedRouterOptions {
  readonly provider: string;
  readonly format: ResponseFormat;
  readonly filter: ModelFilter;
  readonly cacheControl: string;
  /** The `fallback` cards as a model set. */
  readonly fallback: ModelSet;
  /** The operator's include / exclude / overrides / extra / aliases. */
  readonly rules: ModelRules;
  /** Reads the OpenAI list's filters (`?supports=`, ...), once per distinct query string. */
  readonly listQuery: ListQueryReader;
  /** The provider's own model list, when one is configured. */
  readonly availability: ResolvedAvailabilityOptions | undefined;
}

export function resolveRouterOptions(o: Record<string, unknown>): ResolvedRouterOptions {
  const provider = checkString('provider', o.provider);
  const maxAge =
    o.maxAgeSeconds === undefined
      ? DEFAULT_MAX_AGE_SECONDS
      : checkInteger('maxAgeSeconds', o.maxAgeSeconds, 0, 31_536_000);
  const modes = o.modes === undefined ? DEFAULT_MODES : checkModes(o.modes);
  const fallback = createModelSet(checkFallback(o.fallback, provider), 0);
  const rules = resolveRules(o, provider);
  // A listed card's mode: one the router lists, a custom or fallback model's own, or an override's.
  const listedModes = new Set([
    ...modes,
    ...[...rules.extra, ...fallback.cards].map((card) => card.mode ?? 'chat'),
    ...rules.overrides.flatMap((rule) => (typeof rule.patch.mode === 'string' ? [rule.patch.mode] : [])),
  ]);
  return Object.freeze({
    provider,
    format: o.format === undefined ? 'auto' : checkOneOf('format', o.format, FORMATS),
    filter: Object.freeze({
      provider,
      modes,
      includeDeprecated:
        o.includeDeprecated === undefined ? false : checkBoolean('includeDeprecated', o.includeDeprecated),
    }),
    cacheControl: maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`,
    fallback,
    rules,
    listQuery: createListQueryReader({ provider, modes: listedModes }),
    availability: resolveAvailabilityOptions(o.availability, provider),
  });
}

function checkModes(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((m) => typeof m === 'string' && m !== '')) {
    throw new TypeError(`${PACKAGE_NAME}: option \`modes\` must be a non-empty array of mode names`);
  }
  return Object.freeze([...value]);
}

function checkFallback(value: unknown, provider: string): ModelCard[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new TypeError(`${PACKAGE_NAME}: option \`fallback\` must be an array of models`);
  return value.map((item: unknown, i) => {
    const model = checkObject(item, `fallback[${i}]`);
    const id = checkString(`fallback[${i}].id`, model.id);
    const ownedBy = provider === 'all' ? String(model.owned_by ?? 'fallback') : provider;
    return Object.freeze({
      ...model,
      id,
      object: 'model',
      created: typeof model.created === 'number' ? model.created : createdFromId(id),
      owned_by: typeof model.owned_by === 'string' ? model.owned_by : ownedBy,
    }) as ModelCard;
  });
}

/**
 * The operator's rules (`include`, `exclude`, `overrides`, `extra`, `aliases`), validated once in
 * the factory like every router option: a bad one throws TypeError / RangeError naming its key,
 * down to the field (`overrides["gpt-5"].max_input_tokens`). Applied by `view/rules.ts`.
 */
import { CARD_FLAGS } from './card.js';
import { createdFromId } from './date-in-id.js';
import { PACKAGE_NAME } from './package-name.js';
import { decimalString } from './pricing.js';
import type { ModelCard, ModelPricing } from './types.js';
import { compileIdPattern, type IdMatcher } from './view/id-pattern.js';

/** Fields an override or a custom model may set; everything else is refused by name. */
const INTEGER_FIELDS = ['context_length', 'max_input_tokens', 'max_output_tokens', 'max_tokens'] as const;
const STRING_FIELDS = ['display_name', 'description', 'mode'] as const;
const PRICING_KEYS = ['prompt', 'completion', 'input_cache_read', 'input_cache_write'] as const;
const OVERRIDE_FIELDS: ReadonlySet<string> = new Set([
  ...INTEGER_FIELDS,
  ...STRING_FIELDS,
  ...CARD_FLAGS,
  'deprecation_date',
  'pricing',
]);
/** A custom model may also say who owns it and when it was released. */
const EXTRA_FIELDS: ReadonlySet<string> = new Set([...OVERRIDE_FIELDS, 'id', 'owned_by', 'created']);

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A price as the operator writes it: USD per token, a number or a decimal string. */
type PriceInput = number | string;

/**
 * A partial card merged over LiteLLM's: limits, flags, name, description, mode, lifecycle
 * (`deprecation_date`, `null` to clear it) and prices (merged key by key).
 */
export type ModelOverride = {
  readonly [K in (typeof INTEGER_FIELDS)[number]]?: number;
} & {
  readonly [K in (typeof STRING_FIELDS)[number]]?: string;
} & {
  readonly [K in (typeof CARD_FLAGS)[number]]?: boolean;
} & {
  readonly deprecation_date?: string | null;
  readonly pricing?: { readonly [K in (typeof PRICING_KEYS)[number]]?: PriceInput };
};

/** A model LiteLLM does not know: an id and whatever an override may set. */
export type CustomModel = ModelOverride & {
  readonly id: string;
  /** @default the router's provider (`custom` under `all`) */
  readonly owned_by?: string;
  /** Unix seconds. @default from a date in the id, else 0 */
  readonly created?: number;
};

/** A validated override: the patch to merge, with what it matches. */
interface OverrideRule {
  readonly pattern: string;
  readonly matches: IdMatcher;
  /** Card fields to set (`undefined` clears one); `pricing` holds only the keys to replace. */
  readonly patch: Readonly<Record<string, unknown>>;
}

export interface ModelRules {
  readonly include: readonly IdMatcher[];
  readonly exclude: readonly IdMatcher[];
  readonly overrides: readonly OverrideRule[];
  readonly extra: readonly ModelCard[];
  /** alias -> target id, in option order. */
  readonly aliases: ReadonlyMap<string, string>;
  /** No rule at all: the view skips them. */
  readonly empty: boolean;
}

export const RULE_OPTION_KEYS = ['include', 'exclude', 'overrides', 'extra', 'aliases'] as const;

const fail = (key: string, message: string): never => {
  throw new TypeError(`${PACKAGE_NAME}: option \`${key}\` ${message}`);
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function resolveRules(o: Record<string, unknown>, provider: string): ModelRules {
  const include = patternsOf('include', o.include);
  const exclude = patternsOf('exclude', o.exclude);
  const overrides = overridesOf(o.overrides);
  const extra = extraOf(o.extra, provider);
  const aliases = aliasesOf(o.aliases);
  return Object.freeze({
    include,
    exclude,
    overrides,
    extra,
    aliases,
    empty: include.length + exclude.length + overrides.length + extra.length === 0 && aliases.size === 0,
  });
}

function patternsOf(key: string, value: unknown): readonly IdMatcher[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(key, 'must be an array of id patterns');
  return Object.freeze(value.map((pattern, i) => compile(`${key}[${i}]`, pattern)));
}

function compile(key: string, pattern: unknown): IdMatcher {
  if (typeof pattern !== 'string' || pattern === '') return fail(key, 'must be a non-empty string');
  try {
    return compileIdPattern(pattern);
  } catch (error) {
    throw new TypeError(
      `${PACKAGE_NAME}: option \`${key}\` is not a valid pattern: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

function overridesOf(value: unknown): readonly OverrideRule[] {
  if (value === undefined) return [];
  if (!isRecord(value)) return fail('overrides', 'must be an object of id pattern -> partial model');
  return Object.freeze(
    Object.entries(value).map(([pattern, patch]) => {
      const key = `overrides[${JSON.stringify(pattern)}]`;
      return Object.freeze({
        pattern,
        matches: compile(key, pattern),
        patch: patchOf(key, patch, OVERRIDE_FIELDS),
      });
    }),
  );
}

function extraOf(value: unknown, provider: string): readonly ModelCard[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail('extra', 'must be an array of models');
  const seen = new Set<string>();
  return Object.freeze(
    value.map((item: unknown, i) => {
      const key = `extra[${i}]`;
      const patch = patchOf(key, item, EXTRA_FIELDS);
      const id = patch.id;
      if (typeof id !== 'string' || id.trim() === '') return fail(`${key}.id`, 'must be a non-empty string');
      if (seen.has(id)) return fail(`${key}.id`, `repeats ${JSON.stringify(id)}`);
      seen.add(id);
      const { pricing, ...fields } = patch;
      const card: Record<string, unknown> = {
        id,
        object: 'model',
        created: createdFromId(id),
        owned_by: provider === 'all' ? 'custom' : provider,
        mode: 'chat',
        ...fields,
      };
      if (pricing !== undefined) card.pricing = pricing;
      for (const [field, v] of Object.entries(card)) if (v === undefined) delete card[field];
      return Object.freeze(card) as unknown as ModelCard;
    }),
  );
}

function aliasesOf(value: unknown): ReadonlyMap<string, string> {
  const aliases = new Map<string, string>();
  if (value === undefined) return aliases;
  if (!isRecord(value)) return fail('aliases', 'must be an object of alias -> model id');
  for (const [alias, target] of Object.entries(value)) {
    const key = `aliases[${JSON.stringify(alias)}]`;
    if (alias.trim() === '') fail('aliases', 'has an empty alias');
    if (typeof target !== 'string' || target.trim() === '') fail(key, 'must be a model id');
    if (target === alias) fail(key, 'points at itself');
    aliases.set(alias, target as string);
  }
  return aliases;
}

/** Checks every field of a partial model and returns the card fields it sets. */
function patchOf(key: string, value: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (!isRecord(value)) return fail(key, 'must be an object');
  const patch: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    const name = `${key}.${field}`;
    if (!allowed.has(field)) fail(name, `is not a field a rule may set (known: ${[...allowed].join(', ')})`);
    if ((INTEGER_FIELDS as readonly string[]).includes(field) || field === 'created') {
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(name, 'must be an integer');
      if ((v as number) < 0)
        throw new RangeError(`${PACKAGE_NAME}: option \`${name}\` must be >= 0, got ${v}`);
    } else if ((CARD_FLAGS as readonly string[]).includes(field)) {
      if (typeof v !== 'boolean') fail(name, 'must be a boolean');
    } else if (field === 'deprecation_date') {
      if (v !== null && (typeof v !== 'string' || !DATE.test(v)))
        fail(name, 'must be a YYYY-MM-DD date or null');
    } else if (field === 'pricing') {
      patch.pricing = pricingPatch(name, v);
      continue;
    } else if (typeof v !== 'string' || v.trim() === '') {
      fail(name, 'must be a non-empty string');
    }
    patch[field] = v === null ? undefined : v;
  }
  // One fact, two names: clients read the window from either.
  if (patch.max_input_tokens !== undefined && patch.context_length === undefined)
    patch.context_length = patch.max_input_tokens;
  if (patch.context_length !== undefined && patch.max_input_tokens === undefined)
    patch.max_input_tokens = patch.context_length;
  return patch;
}

function pricingPatch(key: string, value: unknown): ModelPricing {
  if (!isRecord(value)) return fail(key, 'must be an object');
  const pricing: Record<string, string> = {};
  for (const [field, v] of Object.entries(value)) {
    const name = `${key}.${field}`;
    if (!(PRICING_KEYS as readonly string[]).includes(field))
      fail(name, `is not a price (known: ${PRICING_KEYS.join(', ')})`);
    const cost = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    if (typeof cost !== 'number' || !Number.isFinite(cost))
      fail(name, 'must be USD per token, a number or a decimal string');
    if ((cost as number) < 0)
      throw new RangeError(`${PACKAGE_NAME}: option \`${name}\` must be >= 0, got ${v}`);
    pricing[field] = decimalString(cost as number);
  }
  return pricing;
}

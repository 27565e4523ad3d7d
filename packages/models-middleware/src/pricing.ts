/**
 * Prices on a card, in OpenRouter's shape: USD per token as decimal strings, so a client never
 * meets float noise or exponent notation (`"0.000003"`, not `3e-6`). Keys LiteLLM has no cost
 * for are left out; a card without any cost has no `pricing`.
 */
import type { LiteLLMEntry } from './schema.js';
import type { ModelPricing } from './types.js';

/** LiteLLM's cost field behind each pricing key. */
const COST_FIELDS = {
  prompt: 'input_cost_per_token',
  completion: 'output_cost_per_token',
  input_cache_read: 'cache_read_input_token_cost',
  input_cache_write: 'cache_creation_input_token_cost',
} as const satisfies Record<keyof ModelPricing, keyof LiteLLMEntry>;

// Listed once, not per card: parsing calls pricingOf for every entry of the document. Two arrays
// walked by index, not pairs destructured in a for-of: the first parse of a document runs this
// code cold, where that iterator protocol doubled the cost of pricing (26 -> 13 ms on the fixture).
const PRICING_KEYS = Object.keys(COST_FIELDS) as (keyof ModelPricing)[];
const PRICING_FIELDS = PRICING_KEYS.map((key) => COST_FIELDS[key]);

/** The pricing of an entry, or undefined when LiteLLM has none of its costs. */
export function pricingOf(entry: LiteLLMEntry): ModelPricing | undefined {
  let pricing: Partial<Record<keyof ModelPricing, string>> | undefined;
  for (let i = 0; i < PRICING_FIELDS.length; i++) {
    const cost = entry[PRICING_FIELDS[i] as keyof LiteLLMEntry];
    if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) {
      pricing ??= {};
      pricing[PRICING_KEYS[i] as keyof ModelPricing] = priceText(cost);
    }
  }
  return pricing as ModelPricing | undefined;
}

// A document has ~6,000 prices but only a few hundred distinct ones: printing a number is the
// costly part of a card, so each is printed once. Bounded, so no document can grow it unchecked.
const PRINTED = new Map<number, string>();
const PRINTED_MAX = 4096;

function priceText(cost: number): string {
  let text = PRINTED.get(cost);
  if (text === undefined) {
    if (PRINTED.size >= PRINTED_MAX) PRINTED.clear();
    text = decimalString(cost);
    PRINTED.set(cost, text);
  }
  return text;
}

/** A non-negative finite number in plain decimal notation: `3e-7` -> `"0.0000003"`, `1e21` -> `"1000000000000000000000"`. */
export function decimalString(value: number): string {
  const text = String(value);
  // Most prices print without an exponent; the regex is only for those that do.
  if (!text.includes('e')) return text;
  const match = /^(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText);
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

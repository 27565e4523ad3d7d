import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCard } from './card.js';
import { decimalString, pricingOf } from './pricing.js';
import { isValidEntry } from './schema.js';

describe('pricing', () => {
  it('maps the four LiteLLM costs to OpenRouter keys as decimal strings', () => {
    expect(
      pricingOf({
        litellm_provider: 'anthropic',
        input_cost_per_token: 3e-6,
        output_cost_per_token: 1.5e-5,
        cache_read_input_token_cost: 3e-7,
        cache_creation_input_token_cost: 3.75e-6,
      }),
    ).toEqual({
      prompt: '0.000003',
      completion: '0.000015',
      input_cache_read: '0.0000003',
      input_cache_write: '0.00000375',
    });
  });

  it('leaves out the costs LiteLLM lacks, and the whole pricing when it has none', () => {
    expect(pricingOf({ litellm_provider: 'x', output_cost_per_token: 0 })).toEqual({ completion: '0' });
    expect(pricingOf({ litellm_provider: 'x' })).toBeUndefined();
    expect(toCard('m', { litellm_provider: 'x' })).not.toHaveProperty('pricing');
    expect(toCard('m', { litellm_provider: 'x', input_cost_per_token: 1e-6 }).pricing).toEqual({
      prompt: '0.000001',
    });
  });

  it('drops an entry with a bad price, as it drops any entry with a bad field it reads', () => {
    expect(isValidEntry({ litellm_provider: 'x', input_cost_per_token: '0.1' })).toBe(false);
    expect(isValidEntry({ litellm_provider: 'x', input_cost_per_token: -1 })).toBe(false);
  });

  it('renders every non-negative number without an exponent, and it reads back equal', () => {
    expect(decimalString(1e21)).toBe('1000000000000000000000');
    expect(decimalString(1.25e-10)).toBe('0.000000000125');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e30, noNaN: true }), (value) => {
        const text = decimalString(value);
        expect(text).toMatch(/^\d+(\.\d+)?$/);
        expect(Number(text)).toBe(value);
      }),
    );
  });
});

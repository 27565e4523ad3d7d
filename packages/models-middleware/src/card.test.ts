import { describe, expect, it } from 'vitest';
import { toCard } from './card.js';

describe('toCard', () => {
  it('keeps known values, adds context_length, leaves unknown ones out', () => {
    const card = toCard('claude-x-20250101', {
      litellm_provider: 'anthropic',
      max_input_tokens: 200_000,
      max_output_tokens: 64_000,
      supports_vision: true,
      supports_reasoning: false,
    });
    expect(card).toEqual({
      id: 'claude-x-20250101',
      object: 'model',
      created: Date.parse('2025-01-01T00:00:00Z') / 1000,
      owned_by: 'anthropic',
      context_length: 200_000,
      max_input_tokens: 200_000,
      max_output_tokens: 64_000,
      supports_vision: true,
      supports_reasoning: false,
      mode: 'chat',
      litellm_provider: 'anthropic',
    });
    expect(Object.values(card)).not.toContain(null);
    expect(Object.values(card)).not.toContain(undefined);
  });
});

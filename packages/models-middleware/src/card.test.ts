import { describe, expect, it } from 'vitest';
import { createdFromId, toCard } from './card.js';

describe('createdFromId', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', '2025-09-29'],
    ['gpt-5-2025-08-07', '2025-08-07'],
    ['o3-deep-research-2025-06-26', '2025-06-26'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', '2024-10-22'],
    ['gpt-4o-audio-preview-2024-12-17', '2024-12-17'],
  ])('reads the date in %s', (id, day) => {
    expect(createdFromId(id)).toBe(Date.parse(`${day}T00:00:00Z`) / 1000);
  });

  it.each([
    'gpt-4',
    'gpt-4-0613',
    'gemini-2.0-flash-001',
    'claude-sonnet-4-5',
    'model-20251399',
    'model-2025-02-31',
    'x-202509291',
    '',
  ])('gives 0 for %j, which holds no real date', (id) => {
    expect(createdFromId(id)).toBe(0);
  });
});

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

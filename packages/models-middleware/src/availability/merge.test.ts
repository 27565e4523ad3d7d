import { describe, expect, it } from 'vitest';
import { createModelSet } from '../model-set.js';
import type { ModelCard } from '../types.js';
import { mergeAvailable } from './merge.js';
import type { AvailableModel } from './upstream-list.js';

const card = (id: string, extra: Partial<ModelCard> = {}): ModelCard =>
  Object.freeze({ id, object: 'model', created: 0, owned_by: 'anthropic', ...extra }) as ModelCard;

const LITELLM = createModelSet(
  [
    card('claude-a', {
      max_input_tokens: 200_000,
      supports_vision: true,
      deprecation_date: '2026-01-01',
      mode: 'chat',
    }),
    card('claude-b', { max_input_tokens: 100_000 }),
    card('gpt-4o', { owned_by: 'openai' }),
  ],
  2,
);

const model = (
  id: string,
  wins: AvailableModel['wins'] = {},
  fills: AvailableModel['fills'] = {},
  lifecycle?: AvailableModel['lifecycle'],
): AvailableModel => (lifecycle === undefined ? { id, wins, fills } : { id, wins, fills, lifecycle });

describe('mergeAvailable', () => {
  it('lists the upstream ids in its order: known ones enriched, wins over LiteLLM, fills under it', () => {
    const merged = mergeAvailable(LITELLM, {
      owner: 'anthropic',
      keepUnlisted: false,
      list: {
        models: [
          model('claude-new-20260301', { display_name: 'New' }),
          model(
            'claude-a',
            { max_input_tokens: 1_000_000 },
            { max_input_tokens: 5, max_output_tokens: 64_000 },
            'active',
          ),
        ],
      },
    });
    expect(merged.cards.map((c) => c.id)).toEqual(['claude-new-20260301', 'claude-a']);
    expect(merged.byId.get('claude-a')).toEqual({
      id: 'claude-a',
      object: 'model',
      created: 0,
      owned_by: 'anthropic',
      mode: 'chat',
      supports_vision: true,
      max_input_tokens: 1_000_000,
      max_output_tokens: 64_000,
    });
    expect(merged.byId.get('claude-new-20260301')).toEqual({
      id: 'claude-new-20260301',
      object: 'model',
      created: Date.parse('2026-03-01T00:00:00Z') / 1000,
      owned_by: 'anthropic',
      display_name: 'New',
    });
    expect(merged.invalid).toBe(2);
  });

  it('keepUnlisted appends the owner’s other LiteLLM models, marked available: false', () => {
    const merged = mergeAvailable(LITELLM, {
      owner: 'anthropic',
      keepUnlisted: true,
      list: { models: [model('claude-a')] },
    });
    expect(merged.cards.map((c) => [c.id, c.available])).toEqual([
      ['claude-a', undefined],
      ['claude-b', false],
    ]);
  });

  it('a deprecated lifecycle without a date keeps LiteLLM’s date', () => {
    const merged = mergeAvailable(LITELLM, {
      owner: 'anthropic',
      keepUnlisted: false,
      list: { models: [model('claude-a', {}, {}, 'deprecated')] },
    });
    expect(merged.byId.get('claude-a')?.deprecation_date).toBe('2026-01-01');
  });
});

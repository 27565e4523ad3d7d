import { describe, expect, it } from 'vitest';
import { codexModel, ENTRY_A, ENTRY_C } from '../../test/support/codex.js';
import type { ModelCard } from '../types.js';
import { cardForSlug, codexBody, codexEntry, EMPTY_CODEX_BODY } from './codex-format.js';
import type { CodexModelInfo } from './model-info.js';

const card = (id: string, extra: Partial<ModelCard> = {}): ModelCard => ({
  id,
  object: 'model',
  created: 0,
  owned_by: 'openai',
  ...extra,
});
const entry = (slug: string, extra: Record<string, unknown> = {}) =>
  codexModel(slug, extra) as CodexModelInfo;

describe('codexEntry', () => {
  it('fills context_window and input_modalities from LiteLLM when the entry lacks them, after its own keys', () => {
    const source = entry('gpt-5.3-codex');
    const served = codexEntry(
      source,
      card('gpt-5.3-codex', { max_input_tokens: 272000, supports_vision: true }),
    );
    expect(Object.keys(served)).toEqual([...Object.keys(source), 'context_window', 'input_modalities']);
    expect(served).toMatchObject({ context_window: 272000, input_modalities: ['text', 'image'] });
    expect(codexEntry(source, card('x', { supports_vision: false })).input_modalities).toEqual(['text']);
  });

  it('fills a null in place and never replaces a value the entry has', () => {
    const source = entry('a', { context_window: null, input_modalities: ['text'] });
    const served = codexEntry(source, card('a', { max_input_tokens: 9, supports_vision: true }));
    expect(Object.keys(served)).toEqual(Object.keys(source));
    expect(served).toEqual({ ...source, context_window: 9 });
    const own = entry('b', { context_window: 5 });
    expect(codexEntry(own, card('b', { max_input_tokens: 9 })).context_window).toBe(5);
  });

  it('never touches the instructions, and returns the very entry when there is nothing to fill', () => {
    const source = ENTRY_A as CodexModelInfo;
    const served = codexEntry(
      source,
      card('gpt-5.3-codex', { max_input_tokens: 1, base_instructions: 'LITELLM' } as never),
    );
    expect(served.base_instructions).toBe('TEST INSTRUCTIONS A');
    expect(served.model_messages).toBe(source.model_messages);
    expect(codexEntry(source, undefined)).toBe(source);
    expect(codexEntry(source, card('gpt-5.3-codex'))).toBe(source);
  });
});

describe('codexBody', () => {
  it('keeps the source order and finds cards by bare or openai/-prefixed id', () => {
    const byId = new Map([
      ['b', card('b', { max_input_tokens: 2 })],
      ['openai/c', card('openai/c', { max_input_tokens: 3 })],
    ]);
    expect(cardForSlug(byId, 'c')?.id).toBe('openai/c');
    const body = codexBody([entry('c'), ENTRY_C as CodexModelInfo, entry('b')], byId);
    expect(body.models.map((m) => [m.slug, m.context_window])).toEqual([
      ['c', 3],
      ['codex-test-only', undefined],
      ['b', 2],
    ]);
  });

  it('is {"models": []} without entries', () => {
    expect(JSON.stringify(codexBody([], new Map()))).toBe('{"models":[]}');
    expect(JSON.stringify(EMPTY_CODEX_BODY)).toBe('{"models":[]}');
  });
});

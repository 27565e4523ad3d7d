import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureDocument } from '../../../test/support/fixture.js';
import { stripDate } from '../../date-in-id.js';
import type { ModelCard } from '../../types.js';
import { cardClaudeParts, cardDisplayName, displayName, UNKNOWN_MODEL_NAME } from './display-name.js';

function fixtureIds(provider: string): string[] {
  const document = fixtureDocument() as Record<string, unknown>;
  return Object.entries(document)
    .filter(([, entry]) => (entry as { litellm_provider?: unknown } | null)?.litellm_provider === provider)
    .map(([id]) => id);
}

describe('displayName: Claude ids', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5'],
    ['claude-sonnet-4-5', 'Claude Sonnet 4.5'],
    ['claude-3-5-sonnet-20241022', 'Claude Sonnet 3.5'],
    ['claude-3-7-sonnet-20250219', 'Claude Sonnet 3.7'],
    ['claude-3-haiku-20240307', 'Claude Haiku 3'],
    ['claude-3-opus-20240229', 'Claude Opus 3'],
    ['claude-opus-4-1', 'Claude Opus 4.1'],
    ['claude-opus-4-1-20250805', 'Claude Opus 4.1'],
    ['claude-4-opus-20250514', 'Claude Opus 4'],
    ['claude-opus-4-20250514', 'Claude Opus 4'],
    ['claude-haiku-4-5-20251001', 'Claude Haiku 4.5'],
    ['claude-opus-5', 'Claude Opus 5'],
    ['claude-fable-5', 'Claude Fable 5'],
    ['claude-3-7-sonnet-latest', 'Claude Sonnet 3.7 Latest'],
    ['claude-2.1', 'Claude 2.1'],
    ['claude-instant-1.2', 'Claude Instant 1.2'],
    ['claude', 'Claude'],
  ])('%s -> %s', (id, name) => {
    expect(displayName(id)).toBe(name);
  });

  it.each([
    ['openrouter/anthropic/claude-3.5-sonnet', 'Claude Sonnet 3.5'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'Claude Sonnet 3.5'],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'Claude Sonnet 4'],
    ['claude-3-5-sonnet@20240620', 'Claude Sonnet 3.5'],
    ['vertex_ai/claude-opus-4-1@20250805', 'Claude Opus 4.1'],
  ])('reads the model out of routed and vendor-prefixed ids: %s -> %s', (id, name) => {
    expect(displayName(id)).toBe(name);
  });

  it('names every anthropic key of the fixture "Claude ..." without a date', () => {
    const ids = fixtureIds('anthropic');
    expect(ids.length).toBeGreaterThanOrEqual(19);
    for (const id of ids) {
      const name = displayName(id);
      expect(name, id).toMatch(/^Claude \S/);
      expect(name, id).not.toMatch(/\d{8}|\d{4}-\d{2}-\d{2}/);
    }
  });

  it('gives an alias and its dated twin the same name', () => {
    const ids = new Set(fixtureIds('anthropic'));
    const pairs = [...ids].filter((id) => stripDate(id) !== id && ids.has(stripDate(id)));
    expect(pairs.length).toBeGreaterThan(0);
    for (const dated of pairs) expect(displayName(dated), dated).toBe(displayName(stripDate(dated)));
  });
});

describe('displayName: other ids', () => {
  it.each([
    ['gpt-5.1-codex', 'GPT-5.1 Codex'],
    ['gpt-5.1-codex-max', 'GPT-5.1 Codex Max'],
    ['gpt-4o-2024-08-06', 'GPT-4o'],
    ['gpt-4o', 'GPT-4o'],
    ['gpt-4o-mini', 'GPT-4o Mini'],
    ['gpt-3.5-turbo-16k', 'GPT-3.5 Turbo 16k'],
    ['gpt-4-0613', 'GPT-4 0613'],
    ['gpt-5-2025-08-07', 'GPT-5'],
    ['gpt-audio', 'GPT Audio'],
    ['gpt-audio-1.5', 'GPT Audio 1.5'],
    ['gpt-oss-120b', 'GPT OSS 120b'],
    ['gpt-5-search-api-2025-10-14', 'GPT-5 Search API'],
    ['chatgpt-4o-latest', 'ChatGPT-4o Latest'],
    ['o3-mini', 'o3-mini'],
    ['o3-mini-2025-01-31', 'o3-mini'],
    ['o4-mini-deep-research-2025-06-26', 'o4-mini-deep-research'],
    ['o1', 'o1'],
    ['codex-mini-latest', 'Codex Mini Latest'],
    ['gemini/gemini-2.5-pro', 'Gemini 2.5 Pro'],
    ['mistral_large_latest', 'Mistral Large Latest'],
  ])('%s -> %s', (id, name) => {
    expect(displayName(id)).toBe(name);
  });

  it('keeps every non-empty fixture id non-empty and date-free at the end', () => {
    for (const id of fixtureIds('openai')) {
      const name = displayName(id);
      expect(name.trim(), id).not.toBe('');
      expect(name, id).not.toMatch(/[-\s]\d{8}$|[-\s]\d{4}-\d{2}-\d{2}$/);
    }
  });
});

describe('displayName: degenerate input', () => {
  it.each([
    ['/', '/'],
    ['//', '//'],
    ['---', '---'],
    ['_', '_'],
    ['-20250101', '-20250101'],
    ['claude/', 'Claude'],
  ])('%j -> %j, falling back to the id when nothing readable is left', (id, name) => {
    expect(displayName(id)).toBe(name);
  });

  it('names an empty id', () => {
    expect(displayName('')).toBe(UNKNOWN_MODEL_NAME);
  });

  it('does not throw on a value that is not a string', () => {
    expect(displayName(undefined as unknown as string)).toBe(UNKNOWN_MODEL_NAME);
    expect(displayName(42 as unknown as string)).toBe(UNKNOWN_MODEL_NAME);
  });

  it('never throws and never returns an empty string (property)', () => {
    const idChars = fc.constantFrom(...'claude-gpt-o3-4-5-sonnet/.:@_ 2025010-v'.split(''));
    const ids = fc.oneof(fc.string(), fc.string({ unit: idChars, minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(ids, (id) => {
        const name = displayName(id);
        expect(name).not.toBe('');
        if (id !== '' && name.trim() === '') expect(name).toBe(id);
      }),
    );
  });
});

describe('stripDate', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['claude-3-5-sonnet@20240620', 'claude-3-5-sonnet'],
    ['gpt-4-0613', 'gpt-4-0613'],
    ['gpt-3.5-turbo-1106', 'gpt-3.5-turbo-1106'],
    ['model-20251399', 'model-20251399'],
    ['model-20250929-extra', 'model-20250929-extra'],
    ['claude-opus-4-1', 'claude-opus-4-1'],
  ])('%s -> %s', (id, base) => {
    expect(stripDate(id)).toBe(base);
  });
});

describe('names kept per card', () => {
  const card = (id: string): ModelCard => ({ id, object: 'model', created: 0, owned_by: 'anthropic' });

  it('names each card as its id reads, a card object with another id afresh', () => {
    const ids = [...fixtureIds('anthropic'), ...fixtureIds('openai')];
    for (const id of ids) {
      const one = card(id);
      expect(cardDisplayName(one)).toBe(displayName(id));
      expect(cardDisplayName(one)).toBe(displayName(id));
    }
    expect(cardClaudeParts(card('claude-3-5-sonnet-20241022'))).toMatchObject({
      family: 'sonnet',
      version: [3, 5],
    });
    expect(cardClaudeParts(card('gpt-5'))).toBeUndefined();
    const first = card('claude-opus-4-1');
    const second = card('claude-haiku-4-5');
    expect(cardDisplayName(first)).toBe('Claude Opus 4.1');
    expect(cardDisplayName(second)).toBe('Claude Haiku 4.5');
    expect(cardClaudeParts(second)?.family).toBe('haiku');
  });
});

import { describe, expect, it } from 'vitest';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../../test/support/fixture.js';
import { parseDocument } from '../document.js';
import { DEFAULT_MODES } from '../options.js';
import { lifecycleOf, select, selectModels } from './select.js';

const models = parseDocument(fixtureBytes(), 'fixture');
const filter = (provider: string, includeDeprecated = false) => ({
  provider,
  modes: DEFAULT_MODES,
  includeDeprecated,
});

describe('selectModels on the 2026-07-24 fixture at 2026-11-24', () => {
  it.each([
    ['openai', false, EXPECTED.openai],
    ['anthropic', false, EXPECTED.anthropic],
    ['openai', true, EXPECTED.openaiWithDeprecated],
    ['anthropic', true, EXPECTED.anthropicWithDeprecated],
    ['all', false, EXPECTED.all],
  ])('lists %s (deprecated too: %s): %i', (provider, deprecated, count) => {
    expect(selectModels(models, filter(provider, deprecated), FIXED_NOW)).toHaveLength(count);
  });

  it('lists the Codex models, whose mode is responses', () => {
    const ids = selectModels(models, filter('openai'), FIXED_NOW).map((c) => c.id);
    for (const id of [
      'gpt-5-codex',
      'gpt-5.1-codex',
      'gpt-5.3-codex',
      'codex-mini-latest',
      'o3-deep-research',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('keeps Bedrock and Vertex copies of Claude, fine-tune templates and other modes out', () => {
    const anthropic = selectModels(models, filter('anthropic'), FIXED_NOW);
    expect(anthropic.every((c) => c.owned_by === 'anthropic')).toBe(true);
    const openai = selectModels(models, filter('openai', true), FIXED_NOW);
    expect(openai.some((c) => c.id.startsWith('ft:'))).toBe(false);
    expect(openai.every((c) => c.mode === 'chat' || c.mode === 'responses')).toBe(true);
  });

  it('follows the modes option', () => {
    const chatOnly = selectModels(models, { ...filter('openai'), modes: ['chat'] }, FIXED_NOW);
    expect(chatOnly.map((c) => c.id)).not.toContain('gpt-5-codex');
    const embeddings = selectModels(models, { ...filter('openai'), modes: ['embedding'] }, FIXED_NOW);
    expect(embeddings.length).toBeGreaterThan(0);
    expect(embeddings.every((c) => c.mode === 'embedding')).toBe(true);
  });
});

describe('deprecation dates', () => {
  const doc = parseDocument(
    JSON.stringify({
      old: { litellm_provider: 'p', deprecation_date: '2026-01-01' },
      soon: { litellm_provider: 'p', deprecation_date: '2026-12-01' },
      later: { litellm_provider: 'p', deprecation_date: '2027-06-30' },
      forever: { litellm_provider: 'p' },
    }),
    'u',
  );

  it('lists a model through its deprecation day and says when the answer changes', () => {
    const now = Date.parse('2026-12-01T23:00:00Z');
    const sel = select(doc, filter('p'), now);
    expect(sel.cards.map((c) => c.id)).toEqual(['soon', 'later', 'forever']);
    expect(sel.validUntil).toBe(Date.parse('2026-12-02T00:00:00Z'));
    const next = select(doc, filter('p'), sel.validUntil);
    expect(next.cards.map((c) => c.id)).toEqual(['later', 'forever']);
    expect(next.validUntil).toBe(Date.parse('2027-07-01T00:00:00Z'));
  });

  it('keeps retired models apart, and lists them under includeDeprecated', () => {
    const now = Date.parse('2026-12-01T23:00:00Z');
    expect(select(doc, filter('p'), now).retired.map((c) => c.id)).toEqual(['old']);
    const all = select(doc, filter('p', true), now);
    expect(all.cards.map((c) => c.id)).toEqual(['old', 'soon', 'later', 'forever']);
    expect(all.retired).toEqual([]);
    // The list holds, but `soon` turns from deprecated to retired at midnight: the Anthropic
    // lifecycle changes, so the selection still expires then.
    expect(all.validUntil).toBe(Date.parse('2026-12-02T00:00:00Z'));
  });

  it.each([
    ['forever', 'active'],
    ['later', 'deprecated'],
    ['soon', 'deprecated'],
    ['old', 'retired'],
  ])('reads %s as %s on 2026-12-01', (id, stage) => {
    const card = doc.byId.get(id);
    expect(card && lifecycleOf(card, '2026-12-01')).toBe(stage);
  });
});

import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../test/support/fixture.js';
import { parseDocument } from './document.js';
import { completeSoon, createModelSet, hasAtLeast, isComplete, modelsOf } from './model-set.js';

const good = { litellm_provider: 'openai', mode: 'chat', max_input_tokens: 1000 };

/** A document of `n` valid entries of `provider`, ids `<provider>-<i>`. */
const entriesOf = (provider: string, n: number) =>
  Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`${provider}-${i}`, { ...good, litellm_provider: provider }]),
  );

describe('a parsed document, built per provider', () => {
  it('builds only the provider asked for, and the whole set reuses those very cards', () => {
    const set = parseDocument(fixtureBytes(), 'fixture');
    const openai = modelsOf(set, 'openai');
    expect(isComplete(set)).toBe(false);
    expect(modelsOf(set, 'openai')).toBe(openai);
    const eager = parseDocument(fixtureBytes(), 'fixture').cards;
    expect(openai.cards).toEqual(eager.filter((card) => card.owned_by === 'openai'));
    expect([...openai.byId.keys()]).toEqual(openai.cards.map((card) => card.id));

    const all = set.cards;
    expect(isComplete(set)).toBe(true);
    expect(all).toEqual(eager);
    for (const card of openai.cards) expect(set.byId.get(card.id)).toBe(card);
    // Asked for after the set is whole: the same part, and every other provider's from the whole.
    expect(modelsOf(set, 'openai')).toBe(openai);
    const anthropic = modelsOf(set, 'anthropic');
    expect(anthropic.cards.length).toBeGreaterThan(0);
    for (const card of anthropic.cards) expect(set.byId.get(card.id)).toBe(card);
    expect(modelsOf(set, 'no-such-provider').cards).toEqual([]);
  });

  it('keeps document order across providers and counts invalid entries of providers never asked for', () => {
    const set = parseDocument(
      JSON.stringify({
        a: good,
        b: { ...good, litellm_provider: 'anthropic' },
        bad: { ...good, litellm_provider: 'anthropic', max_tokens: 'lots' },
        c: good,
        none: { mode: 'chat' },
        d: { ...good, litellm_provider: 'gemini' },
      }),
      'u',
    );
    expect(modelsOf(set, 'openai').cards.map((card) => card.id)).toEqual(['a', 'c']);
    expect(set.cards.map((card) => card.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(set.invalid).toBe(2);
    expect(modelsOf(set, 'anthropic').cards.map((card) => card.id)).toEqual(['b']);
  });

  it('hasAtLeast settles the count by validating only what it needs, and is exact at the edge', () => {
    const doc = {
      ...entriesOf('openai', 40),
      broken: { ...good, supports_vision: 'yes' },
      ...entriesOf('x', 10),
    };
    const set = parseDocument(JSON.stringify(doc), 'u');
    expect(hasAtLeast(set, 10)).toBe(true);
    expect(isComplete(set)).toBe(false);
    expect(hasAtLeast(set, 50)).toBe(true);
    expect(hasAtLeast(set, 51)).toBe(false);
    expect(hasAtLeast(set, 0)).toBe(true);
    expect(set.cards).toHaveLength(50);
    expect(hasAtLeast(set, 50)).toBe(true);
    expect(hasAtLeast(set, 51)).toBe(false);
  });

  it('completeSoon builds the rest in a later turn, and answers at once for a set built whole', async () => {
    const set = parseDocument(JSON.stringify({ ...entriesOf('openai', 3), ...entriesOf('x', 2) }), 'u');
    modelsOf(set, 'openai');
    const done = completeSoon(set);
    expect(isComplete(set)).toBe(false);
    await done;
    expect(isComplete(set)).toBe(true);
    const built = createModelSet(set.cards, 0, 'v');
    expect(isComplete(built)).toBe(true);
    await completeSoon(built);
  });

  it('gives a set built whole (from disk, merged) its providers too, filtered once', () => {
    const whole = parseDocument(fixtureBytes(), 'fixture').cards;
    const built = createModelSet(whole, 0, 'v');
    const part = modelsOf(built, 'anthropic');
    expect(part.cards).toEqual(whole.filter((card) => card.owned_by === 'anthropic'));
    expect(modelsOf(built, 'anthropic')).toBe(part);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../../test/support/fixture.js';
import { parseDocument } from '../document.js';
import { createModelSet, modelsOf } from '../model-set.js';
import { DEFAULT_MODES } from '../options.js';
import { resolveRules } from '../rule-options.js';
import type { ModelCard } from '../types.js';
import { createListQueryReader } from './list-filter.js';
import { applyRules } from './rules.js';
import { selectFrom } from './select.js';
import { createView } from './view.js';

const models = parseDocument(fixtureBytes(), 'fixture');
const filter = { provider: 'openai', modes: DEFAULT_MODES, includeDeprecated: false };
const none = createModelSet([], 0);
const listQuery = createListQueryReader({ provider: 'openai', modes: DEFAULT_MODES });
const viewUnder = (rules: ReturnType<typeof resolveRules>) =>
  createView(models, FIXED_NOW, { filter, fallback: none, rules, listQuery });

const listed = (options: Record<string, unknown>, provider = 'openai') => {
  const ruled = applyRules(models, { ...filter, provider }, resolveRules(options, provider));
  return { ruled, ids: selectFrom(ruled.cards, ruled.candidate, false, FIXED_NOW).cards.map((c) => c.id) };
};

describe('rules over the fixture', () => {
  it('lists exactly what no rule lists when there are none, with the catalog objects', () => {
    const { ruled, ids } = listed({});
    expect(ids).toHaveLength(EXPECTED.openai);
    // The provider's part of the set, not a copy: the same cards the whole set holds.
    const part = modelsOf(models, 'openai');
    expect(ruled.byId).toBe(part.byId);
    for (const card of part.cards) expect(models.byId.get(card.id)).toBe(card);
    expect(applyRules(models, { ...filter, provider: 'all' }, resolveRules({}, 'all')).byId).toBe(
      models.byId,
    );
  });

  it('include takes exact ids, globs and /regex/; exclude wins over include', () => {
    expect(listed({ include: ['gpt-5'] }).ids).toEqual(['gpt-5']);
    const globbed = listed({ include: ['gpt-5*codex*'] }).ids;
    expect(globbed).toContain('gpt-5-codex');
    expect(globbed.every((id) => id.startsWith('gpt-5') && id.includes('codex'))).toBe(true);
    expect(listed({ include: ['/^o\\d-MINI$/i'] }).ids).toEqual(expect.arrayContaining(['o3-mini']));
    const excluded = listed({ include: ['gpt-5*'], exclude: ['*codex*', 'gpt-5'] }).ids;
    expect(excluded).not.toContain('gpt-5');
    expect(excluded.some((id) => id.includes('codex'))).toBe(false);
    expect(excluded.length).toBeGreaterThan(0);
  });

  it('include never lists a model of another provider or mode', () => {
    expect(listed({ include: ['claude-*'] }).ids).toEqual([]);
  });

  it('overrides merge over LiteLLM fields, patterns in key order, pricing key by key', () => {
    const original = models.byId.get('gpt-5');
    const { ruled } = listed({
      overrides: {
        'gpt-5*': { max_input_tokens: 100_000, description: 'capped' },
        'gpt-5': { supports_vision: false, pricing: { prompt: 0.000002 }, display_name: 'GPT five' },
      },
    });
    const card = ruled.byId.get('gpt-5');
    expect(card).toMatchObject({
      max_input_tokens: 100_000,
      context_length: 100_000,
      max_output_tokens: original?.max_output_tokens,
      supports_vision: false,
      description: 'capped',
      display_name: 'GPT five',
      pricing: { ...original?.pricing, prompt: '0.000002' },
    });
    expect(ruled.marks.get('gpt-5')).toBe('override');
    expect(ruled.byId.get('gpt-5-mini')?.description).toBe('capped');
    expect(models.byId.get('gpt-5')).toBe(original);
    expect(original?.max_input_tokens).not.toBe(100_000);
  });

  it('an override moves a model through its lifecycle: a past date retires it, null revives it', () => {
    expect(listed({ overrides: { 'gpt-5': { deprecation_date: '2020-01-01' } } }).ids).not.toContain('gpt-5');
    const deprecated = [...models.cards].find(
      (c) => c.owned_by === 'openai' && c.deprecation_date !== undefined && c.deprecation_date < '2026-11-24',
    );
    expect(deprecated).toBeDefined();
    const id = deprecated?.id ?? '';
    expect(listed({}).ids).not.toContain(id);
    expect(listed({ overrides: { [id]: { deprecation_date: null } } }).ids).toContain(id);
  });

  it('extra models are listed with the provider filled in, and overrides reach them', () => {
    const { ruled, ids } = listed({
      extra: [{ id: 'internal-llm', max_input_tokens: 32_000 }],
      overrides: { 'internal-*': { supports_function_calling: true } },
    });
    expect(ids.at(-1)).toBe('internal-llm');
    expect(ruled.byId.get('internal-llm')).toEqual({
      id: 'internal-llm',
      object: 'model',
      created: 0,
      owned_by: 'openai',
      mode: 'chat',
      max_input_tokens: 32_000,
      context_length: 32_000,
      supports_function_calling: true,
    });
    expect(ruled.marks.get('internal-llm')).toBe('custom');
  });

  it('aliases list the target metadata under the alias; one to a missing id is reported, not served', () => {
    const { ruled, ids } = listed({ aliases: { codex: 'gpt-5-codex', ghost: 'no-such-model' } });
    expect(ids).toContain('codex');
    expect(ids).not.toContain('ghost');
    expect(ruled.unresolved).toEqual(['ghost']);
    const { id: _a, description, ...alias } = ruled.byId.get('codex') ?? { id: '' };
    const { id: _t, ...target } = models.byId.get('gpt-5-codex') ?? { id: '' };
    expect(alias).toEqual(target);
    expect(description).toBe('Alias of gpt-5-codex');
    expect(listed({ aliases: { x: 'gpt-5' }, exclude: ['gpt-5'] }).ruled.unresolved).toEqual(['x']);
  });

  it('the view finds every listed id, and rules are applied once per view', () => {
    const rules = resolveRules({ aliases: { latest: 'gpt-5' }, extra: [{ id: 'mine' }] }, 'openai');
    const view = viewUnder(rules);
    for (const card of view.listing.cards) expect(view.listing.find(card.id, false)).toBe(card);
    expect(view.listing.find('latest', false)?.description).toBe('Alias of gpt-5');
  });

  it('a refreshed set with the same card objects gets the same outcomes; a changed card is ruled afresh', () => {
    const options = {
      include: ['gpt-5*', 'o3*'],
      exclude: ['*codex*'],
      overrides: { 'gpt-5*': { description: 'capped', max_input_tokens: 100_000 } },
    };
    const rules = resolveRules(options, 'openai');
    const first = applyRules(models, filter, rules);
    const changedId = 'gpt-5-mini';
    const original = models.byId.get(changedId) as ModelCard;
    // What a refresh hands back: every other card the same object, this one changed.
    const changed = { ...original, max_output_tokens: 7, mode: 'responses' } as ModelCard;
    const refreshed = createModelSet(
      models.cards.map((card) => (card === original ? changed : card)),
      0,
      'v2',
    );
    const second = applyRules(refreshed, filter, rules);
    // Each outcome equals what a rule set seeing the set for the first time gives.
    const fresh = applyRules(refreshed, filter, resolveRules(options, 'openai'));
    expect(second.cards).toEqual(fresh.cards);
    expect(second.marks).toEqual(fresh.marks);
    const listedIds = (ruled: typeof first) => ruled.cards.filter(ruled.candidate).map((c) => c.id);
    expect(listedIds(second)).toEqual(listedIds(fresh));
    // Unchanged cards keep their overridden object (so their bytes are kept); the changed one does not.
    expect(second.byId.get('gpt-5')).toBe(first.byId.get('gpt-5'));
    expect(second.byId.get(changedId)).not.toBe(first.byId.get(changedId));
    expect(second.byId.get(changedId)).toMatchObject({ max_output_tokens: 7, description: 'capped' });
  });

  // Arbitrary include / exclude patterns drawn from real ids and globs over them.
  const ids = models.cards.filter((c) => c.owned_by === 'openai').map((c) => c.id);
  const pattern = fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom(...ids).map((id) => `${id.slice(0, 4)}*`),
    fc.constantFrom('*', '*mini*', '/^o\\d/', 'gpt-?', '*-20??-*'),
  );

  it('property: filtering never widens the list, and every listed id is retrievable', () => {
    const plain = new Set(listed({}).ids);
    fc.assert(
      fc.property(
        fc.array(pattern, { maxLength: 4 }),
        fc.array(pattern, { maxLength: 4 }),
        (include, exclude) => {
          const rules = resolveRules({ include, exclude }, 'openai');
          const view = viewUnder(rules);
          if (view.fallback) return;
          for (const card of view.listing.cards) {
            expect(plain.has(card.id)).toBe(true);
            expect(view.listing.find(card.id, false)).toBe(card);
          }
          for (const card of view.listing.cards) expect(exclude.some((p) => p === card.id)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../test/support/fixture.js';
import { diffModelSets, parseDocument } from './document.js';
import { InvalidDocumentError } from './errors.js';
import { createModelSet } from './model-set.js';
import type { ModelCard, ModelSet } from './types.js';

const good = { litellm_provider: 'openai', mode: 'chat', max_input_tokens: 1000 };
const card = (id: string): ModelCard =>
  ({ id, object: 'model', created: 0, owned_by: 'openai' }) as ModelCard;

describe('parseDocument', () => {
  it('reads every model of the real document and skips the two non-model keys', () => {
    const set = parseDocument(fixtureBytes(), 'fixture');
    expect(set.invalid).toBe(0);
    expect(set.byId.has('sample_spec')).toBe(false);
    expect(set.byId.has('fallback_generalizations')).toBe(false);
    expect(set.cards.length).toBe(Object.keys(JSON.parse(fixtureBytes().toString())).length - 2);
    expect(set.byId.get('gpt-5-codex')?.mode).toBe('responses');
  });

  it('builds the very cards it built before the cold-build work, byte for byte and key for key', () => {
    // Digests of the fixture's cards from the code before issue 15's cold-build changes: the
    // serialised cards (values and key order) and every card's own keys (an undefined-valued key
    // would not show in the JSON). Any change to how cards are built must leave both as they are.
    const set = parseDocument(fixtureBytes(), 'fixture');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(sha256(JSON.stringify(set.cards))).toBe(
      '0638b092b6a20749bef061e63c0128150dabdecc4197b016fbda03831b3f7924',
    );
    expect(sha256(set.cards.map((card) => Object.keys(card).join()).join('\n'))).toBe(
      'a8dc79de3e48466ae1f6275f95918b8ba8597c48407e27964415d9d9669146b5',
    );
    expect(set.version).toBe('TGhYu3kb0G6R52dnCljgiB');
  });

  it.each([
    ['HTML', '<html>rate limited</html>', 'not JSON'],
    ['truncated JSON', '{"gpt-4": {"litellm_provider": "op', 'not JSON'],
    ['null', 'null', 'null'],
    ['an array', '[1,2]', 'an array'],
    ['a string', '"hello"', 'string'],
  ])('rejects a document that is %s', (_, body, detail) => {
    expect(() => parseDocument(body, 'u')).toThrow(InvalidDocumentError);
    expect(() => parseDocument(body, 'u')).toThrow(detail);
  });

  it('accepts {} as a document with no models (the sanity check rejects it later)', () => {
    expect(parseDocument('{}', 'u').cards).toEqual([]);
  });

  it('drops and counts entries whose fields have the wrong types, keeping the rest', () => {
    const set = parseDocument(
      JSON.stringify({
        ok: good,
        a: { ...good, max_input_tokens: '200k' },
        b: { ...good, supports_vision: 'yes' },
        c: { ...good, deprecation_date: 'soon' },
        d: { ...good, litellm_provider: 7 },
        e: { mode: 'chat' },
        f: { ...good, max_tokens: -1 },
        g: { ...good, max_output_tokens: 1.5 },
        h: 'not an object',
        i: [good],
        j: null,
        k: { ...good, brand_new_field: { nested: true } },
      }),
      'u',
    );
    expect(set.cards.map((c) => c.id)).toEqual(['ok', 'k']);
    expect(set.invalid).toBe(7);
  });

  it('never lets __proto__, constructor or prototype keys touch a prototype', () => {
    const body = `{"__proto__": {"litellm_provider": "openai", "polluted": true}, "constructor": ${JSON.stringify(good)}, "prototype": ${JSON.stringify(good)}, "gpt-x": ${JSON.stringify(good)}}`;
    const set = parseDocument(body, 'u');
    expect(set.cards.map((c) => c.id)).toEqual(['gpt-x']);
    expect(set.invalid).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(set.byId.get('gpt-x'))).toBe(Object.prototype);
  });

  it('gives equal documents equal versions and different ones different versions', () => {
    const a = parseDocument(JSON.stringify({ x: good }), 'u');
    const b = parseDocument(JSON.stringify({ x: good }), 'u');
    const c = parseDocument(JSON.stringify({ x: { ...good, max_input_tokens: 2 } }), 'u');
    expect(a.version).toBe(b.version);
    expect(a.version).not.toBe(c.version);
  });
});

describe('diffModelSets', () => {
  it('lists added and removed ids', () => {
    const before = parseDocument(JSON.stringify({ a: good, b: good }), 'u');
    const after = parseDocument(JSON.stringify({ b: good, c: good }), 'u');
    expect(diffModelSets(before, after)).toEqual({ added: ['c'], removed: ['a'] });
    expect(diffModelSets(undefined, after)).toEqual({ added: ['b', 'c'], removed: [] });
  });

  it('answers as two lookups per id would, in set order, whatever was inserted, removed or moved', () => {
    const setOf = (ids: readonly string[]) => createModelSet(ids.map(card), 0);
    const lookups = (prev: ModelSet, next: ModelSet) => ({
      added: next.cards.filter((c) => !prev.byId.has(c.id)).map((c) => c.id),
      removed: prev.cards.filter((c) => !next.byId.has(c.id)).map((c) => c.id),
    });
    // A fixed-seed generator: the same edits every run.
    let seed = 15;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const base = Array.from({ length: 60 }, (_, n) => `m${n}`);
    let fresh = 0;
    for (let round = 0; round < 300; round++) {
      const ids = [...base];
      for (let edit = random(6); edit >= 0; edit--) {
        const at = random(ids.length);
        const kind = random(3);
        if (kind === 0) ids.splice(at, 0, `new${fresh++}`);
        else if (kind === 1) ids.splice(at, 1);
        else ids.splice(random(ids.length), 0, ...ids.splice(at, 1));
      }
      const prev = setOf(base);
      const next = setOf(ids);
      expect(diffModelSets(prev, next)).toEqual(lookups(prev, next));
      expect(diffModelSets(next, prev)).toEqual(lookups(next, prev));
    }
    const same = setOf(base);
    expect(diffModelSets(same, setOf([...base].reverse()))).toEqual({ added: [], removed: [] });
    expect(diffModelSets(same, setOf([]))).toEqual({ added: [], removed: base });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureDocument } from '../../../test/support/fixture.js';
import type { ModelCard } from '../../types.js';
import { newestFirst } from './anthropic-order.js';

const unix = (iso: string): number => Date.parse(iso) / 1000;

function card(id: string, created = 0, extra: Partial<ModelCard> = {}): ModelCard {
  return { id, object: 'model', created, owned_by: 'anthropic', ...extra };
}

const ids = (list: readonly { id: string }[]): string[] => list.map((item) => item.id);

describe('newestFirst', () => {
  it('sorts by created, newest first', () => {
    const cards = [
      card('a-20240101', unix('2024-01-01')),
      card('b-20250101', unix('2025-01-01')),
      card('c', 0),
    ];
    expect(ids(newestFirst(cards))).toEqual(['b-20250101', 'a-20240101', 'c']);
  });

  it('puts an alias right before its newest dated twin', () => {
    const cards = [
      card('claude-opus-4-1-20250805', unix('2025-08-05')),
      card('claude-sonnet-4-5', 0),
      card('claude-haiku-4-5-20251001', unix('2025-10-01')),
      card('claude-opus-4-1', 0),
      card('claude-sonnet-4-5-20250929', unix('2025-09-29')),
      card('claude-haiku-4-5', 0),
    ];
    expect(ids(newestFirst(cards))).toEqual([
      'claude-haiku-4-5',
      'claude-haiku-4-5-20251001',
      'claude-sonnet-4-5',
      'claude-sonnet-4-5-20250929',
      'claude-opus-4-1',
      'claude-opus-4-1-20250805',
    ]);
  });

  it('lets an alias with several dated twins follow the newest one only', () => {
    const cards = [
      card('gpt-4o-2024-05-13', unix('2024-05-13')),
      card('gpt-4o', 0),
      card('gpt-4o-2024-11-20', unix('2024-11-20')),
      card('gpt-4o-mini-2024-07-18', unix('2024-07-18')),
    ];
    expect(ids(newestFirst(cards))).toEqual([
      'gpt-4o',
      'gpt-4o-2024-11-20',
      'gpt-4o-mini-2024-07-18',
      'gpt-4o-2024-05-13',
    ]);
  });

  it('orders models of unknown date by id descending, numbers by value', () => {
    const cards = [
      'claude-opus-4-9',
      'claude-fable-5',
      'claude-opus-4-10',
      'claude-opus-5',
      'claude-sonnet-4-6',
    ];
    expect(ids(newestFirst(cards.map((id) => card(id))))).toEqual([
      'claude-sonnet-4-6',
      'claude-opus-5',
      'claude-opus-4-10',
      'claude-opus-4-9',
      'claude-fable-5',
    ]);
  });

  it('breaks same-day ties by id, whatever the input order', () => {
    const day = unix('2025-05-14');
    const cards = [card('claude-opus-4-20250514', day), card('claude-sonnet-4-20250514', day)];
    expect(ids(newestFirst(cards))).toEqual(ids(newestFirst([...cards].reverse())));
  });

  it('does not depend on the input order (property)', () => {
    const idArb = fc.constantFrom(
      'm-1',
      'm-2',
      'm-10',
      'm-01',
      'x',
      'x-20250101',
      'x-20240101',
      'y-2025-02-03',
      'y',
    );
    const cardArb = fc.record({ id: idArb, created: fc.constantFrom(0, 1, 2, 1e9, -5, Number.NaN) });
    const lists = fc
      .uniqueArray(cardArb, { selector: (c) => c.id, maxLength: 9 })
      .map((list) => list.map((c) => card(c.id, c.created)))
      .chain((cards) =>
        fc.tuple(
          fc.constant(cards),
          fc.shuffledSubarray(cards, { minLength: cards.length, maxLength: cards.length }),
        ),
      );
    fc.assert(
      fc.property(lists, ([cards, shuffled]) => {
        expect(ids(newestFirst(shuffled))).toEqual(ids(newestFirst(cards)));
      }),
    );
  });

  it('keeps every alias of the fixture right before its dated twin', () => {
    const document = fixtureDocument() as Record<string, { litellm_provider?: unknown }>;
    const cards = Object.entries(document)
      .filter(([, entry]) => entry?.litellm_provider === 'anthropic')
      .map(([id]) => {
        const date = /-(\d{4})(\d{2})(\d{2})$/.exec(id);
        return card(id, date ? unix(`${date[1]}-${date[2]}-${date[3]}T00:00:00Z`) : 0);
      });
    const sorted = ids(newestFirst(cards));
    // #12: Opus 5 and 4.8 have no date, but are later versions of the line than 4.7.
    expect(sorted.slice(0, 4)).toEqual([
      'claude-opus-5',
      'claude-opus-4-8',
      'claude-opus-4-7',
      'claude-opus-4-7-20260416',
    ]);
    for (const [i, id] of sorted.entries()) {
      const twin = sorted.find((other) => other !== id && other.startsWith(`${id}-2`));
      if (twin !== undefined) expect(sorted[i + 1], id).toBe(twin);
    }
  });

  it('returns a new array and leaves the input alone', () => {
    const cards = [card('a', 0), card('b', 5)];
    const sorted = newestFirst(cards);
    expect(sorted).not.toBe(cards as unknown);
    expect(ids(cards)).toEqual(['a', 'b']);
    expect(ids(sorted)).toEqual(['b', 'a']);
  });
});

describe('newestFirst: release dates a person can read', () => {
  it("gives an alias its dated twin's date, from the pool when the twin is not listed", () => {
    const twin = card('claude-opus-4-1-20250805', unix('2025-08-05'));
    const alias = card('claude-opus-4-1');
    const [entry] = newestFirst([alias], [alias, twin]);
    expect(entry).toMatchObject({ id: 'claude-opus-4-1', created: unix('2025-08-05'), twin });
  });

  it('never puts a later version of a line below an earlier one, and dates it no earlier', () => {
    const cards = [
      card('claude-sonnet-4-5-20250929', unix('2025-09-29')),
      card('claude-haiku-4-5-20251001', unix('2025-10-01')),
      card('claude-sonnet-5'),
      card('claude-sonnet-4-6'),
      card('claude-fable-5'),
    ];
    const sorted = newestFirst(cards);
    expect(ids(sorted)).toEqual([
      'claude-haiku-4-5-20251001',
      'claude-sonnet-5',
      'claude-sonnet-4-6',
      'claude-sonnet-4-5-20250929',
      'claude-fable-5',
    ]);
    expect(sorted[1]).toMatchObject({ created: unix('2025-09-29'), after: cards[0] });
    // Nothing at all is known about Fable 5: the epoch, at the bottom.
    expect(sorted[4]?.created).toBe(0);
  });

  it('keeps lines of other namespaces apart', () => {
    const cards = [
      card('us.anthropic.claude-opus-4-20250514-v1:0', unix('2025-05-14')),
      card('claude-opus-5'),
    ];
    expect(newestFirst(cards).find((entry) => entry.id === 'claude-opus-5')?.created).toBe(0);
  });
});

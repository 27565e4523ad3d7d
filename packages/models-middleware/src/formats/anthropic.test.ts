import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureDocument } from '../../test/support/fixture.js';
import type { ModelCard } from '../types.js';
import {
  anthropicError,
  anthropicModel,
  anthropicNotFound,
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  newestFirst,
  type PageQuery,
  paginate,
  parsePageQuery,
} from './anthropic.js';

const DAY = 86_400;
const unix = (iso: string): number => Date.parse(iso) / 1000;

function card(id: string, created = 0, extra: Partial<ModelCard> = {}): ModelCard {
  return { id, object: 'model', created, owned_by: 'anthropic', ...extra };
}

const ids = (list: readonly { id: string }[]): string[] => list.map((item) => item.id);

describe('anthropicModel', () => {
  it('builds the ModelInfo fields in Anthropic order', () => {
    const info = anthropicModel(
      card('claude-sonnet-4-5-20250929', unix('2025-09-29T00:00:00Z'), {
        max_input_tokens: 200_000,
        max_output_tokens: 64_000,
        supports_vision: true,
      }),
    );
    expect(info).toStrictEqual({
      type: 'model',
      id: 'claude-sonnet-4-5-20250929',
      display_name: 'Claude Sonnet 4.5',
      created_at: '2025-09-29T00:00:00Z',
      max_input_tokens: 200_000,
      max_tokens: 64_000,
      capabilities: { image_input: { supported: true } },
    });
    expect(Object.keys(info)).toEqual([
      'type',
      'id',
      'display_name',
      'created_at',
      'max_input_tokens',
      'max_tokens',
      'capabilities',
    ]);
  });

  it('leaves out what the card does not know', () => {
    expect(anthropicModel(card('claude-opus-5'))).toStrictEqual({
      type: 'model',
      id: 'claude-opus-5',
      display_name: 'Claude Opus 5',
      created_at: '1970-01-01T00:00:00Z',
    });
  });

  it.each([
    [unix('2024-03-07T00:00:00Z'), '2024-03-07T00:00:00Z'],
    [unix('2025-08-07T12:34:56Z') + 0.75, '2025-08-07T12:34:56Z'],
    [0, '1970-01-01T00:00:00Z'],
    [-DAY, '1970-01-01T00:00:00Z'],
    [Number.NaN, '1970-01-01T00:00:00Z'],
    [Number.POSITIVE_INFINITY, '1970-01-01T00:00:00Z'],
    [1e15, '1970-01-01T00:00:00Z'],
  ])('created %d -> created_at %s (RFC 3339, whole seconds, epoch when unknown)', (created, createdAt) => {
    expect(anthropicModel(card('claude-x', created)).created_at).toBe(createdAt);
  });

  it('takes max_tokens from max_output_tokens, else the legacy max_tokens', () => {
    expect(anthropicModel(card('a', 0, { max_output_tokens: 8192, max_tokens: 4096 })).max_tokens).toBe(8192);
    expect(anthropicModel(card('a', 0, { max_tokens: 4096 })).max_tokens).toBe(4096);
  });

  it('takes max_input_tokens from max_input_tokens, else context_length', () => {
    expect(anthropicModel(card('a', 0, { max_input_tokens: 1000, context_length: 5 })).max_input_tokens).toBe(
      1000,
    );
    expect(anthropicModel(card('a', 0, { context_length: 5 })).max_input_tokens).toBe(5);
  });

  it('treats a limit of 0 as unknown rather than as "nothing allowed"', () => {
    const info = anthropicModel(
      card('a', 0, { max_input_tokens: 0, max_output_tokens: 0, max_tokens: 4096 }),
    );
    expect(info).not.toHaveProperty('max_input_tokens');
    expect(info.max_tokens).toBe(4096);
    expect(anthropicModel(card('a', 0, { max_output_tokens: 0 }))).not.toHaveProperty('max_tokens');
  });

  it.each([
    ['supports_vision', 'image_input'],
    ['supports_pdf_input', 'pdf_input'],
    ['supports_reasoning', 'thinking'],
    ['supports_response_schema', 'structured_outputs'],
    ['supports_function_calling', 'tool_use'],
    ['supports_computer_use', 'computer_use'],
    ['supports_prompt_caching', 'prompt_caching'],
  ] as const)('maps %s to capabilities.%s, true and false alike', (flag, capability) => {
    for (const supported of [true, false]) {
      const info = anthropicModel(card('a', 0, { [flag]: supported }));
      expect(info.capabilities).toStrictEqual({ [capability]: { supported } });
    }
  });

  it('ignores flags with no Anthropic counterpart', () => {
    const info = anthropicModel(card('a', 0, { supports_system_messages: true, supports_tool_choice: true }));
    expect(info).not.toHaveProperty('capabilities');
  });

  it('does not modify the card', () => {
    const original = card('claude-haiku-4-5', 0, { supports_vision: true });
    const copy = structuredClone(original);
    anthropicModel(original);
    expect(original).toStrictEqual(copy);
  });
});

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
    expect(sorted.slice(0, 2)).toEqual(['claude-opus-4-7', 'claude-opus-4-7-20260416']);
    for (const [i, id] of sorted.entries()) {
      const twin = sorted.find((other) => other !== id && other.startsWith(`${id}-2`));
      if (twin !== undefined) expect(sorted[i + 1], id).toBe(twin);
    }
  });

  it('returns a new array and leaves the input alone', () => {
    const cards = [card('a', 0), card('b', 5)];
    const sorted = newestFirst(cards);
    expect(sorted).not.toBe(cards);
    expect(ids(cards)).toEqual(['a', 'b']);
    expect(ids(sorted)).toEqual(['b', 'a']);
  });
});

describe('parsePageQuery', () => {
  it(`defaults limit to ${DEFAULT_PAGE_LIMIT} with no cursor`, () => {
    expect(parsePageQuery({})).toStrictEqual({ ok: true, value: { limit: 20 } });
  });

  it.each([
    ['1', 1],
    ['20', 20],
    ['1000', MAX_PAGE_LIMIT],
    ['020', 20],
  ])('accepts limit %j', (limit, value) => {
    expect(parsePageQuery({ limit })).toStrictEqual({ ok: true, value: { limit: value } });
  });

  it('accepts an integer limit from a programmatic caller', () => {
    expect(parsePageQuery({ limit: 7 })).toStrictEqual({ ok: true, value: { limit: 7 } });
  });

  it.each([
    ['', 'limit: Input should be a valid integer'],
    ['1.5', 'limit: Input should be a valid integer'],
    ['1e3', 'limit: Input should be a valid integer'],
    [' 5', 'limit: Input should be a valid integer'],
    ['5 ', 'limit: Input should be a valid integer'],
    ['+5', 'limit: Input should be a valid integer'],
    ['0x10', 'limit: Input should be a valid integer'],
    ['ten', 'limit: Input should be a valid integer'],
    [['1', '2'], 'limit: Input should be a valid integer'],
    [{ a: '1' }, 'limit: Input should be a valid integer'],
    [null, 'limit: Input should be a valid integer'],
    [true, 'limit: Input should be a valid integer'],
    [Number.NaN, 'limit: Input should be a valid integer'],
    [1.5, 'limit: Input should be a valid integer'],
    ['0', 'limit: Input should be greater than or equal to 1'],
    ['-1', 'limit: Input should be greater than or equal to 1'],
    ['1001', 'limit: Input should be less than or equal to 1000'],
    [`1${'0'.repeat(400)}`, 'limit: Input should be less than or equal to 1000'],
  ])('rejects limit %j', (limit, message) => {
    expect(parsePageQuery({ limit })).toStrictEqual({ ok: false, message });
  });

  it.each(['after_id', 'before_id'] as const)('reads %s as a cursor', (name) => {
    const key = name === 'after_id' ? 'afterId' : 'beforeId';
    expect(parsePageQuery({ [name]: 'claude-opus-4-1', limit: '5' })).toStrictEqual({
      ok: true,
      value: { limit: 5, [key]: 'claude-opus-4-1' },
    });
  });

  it.each(['after_id', 'before_id'])('rejects an empty, repeated or nested %s', (name) => {
    expect(parsePageQuery({ [name]: '' })).toStrictEqual({
      ok: false,
      message: `${name}: String should have at least 1 character`,
    });
    for (const raw of [['a', 'b'], { x: 'a' }, 5, null]) {
      expect(parsePageQuery({ [name]: raw })).toStrictEqual({
        ok: false,
        message: `${name}: Input should be a valid string`,
      });
    }
  });

  it('rejects after_id and before_id together', () => {
    const result = parsePageQuery({ after_id: 'a', before_id: 'b' });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(/after_id.*before_id/);
  });

  it('reports limit problems before cursor problems', () => {
    expect(parsePageQuery({ limit: '0', after_id: '' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^limit:/),
    });
  });

  it('ignores other parameters and inherited properties', () => {
    const inherited = Object.create({ limit: '0', after_id: '' }) as Record<string, unknown>;
    expect(parsePageQuery(inherited)).toStrictEqual({ ok: true, value: { limit: 20 } });
    expect(parsePageQuery({ beta: 'true', page: '3' })).toStrictEqual({ ok: true, value: { limit: 20 } });
    expect(parsePageQuery(Object.assign(Object.create(null), { limit: '3' }))).toStrictEqual({
      ok: true,
      value: { limit: 3 },
    });
  });

  it('never throws, and an accepted query is always well-formed (property)', () => {
    const value = fc.oneof(fc.anything(), fc.string(), fc.nat({ max: 2000 }).map(String));
    const query = fc.oneof(
      fc.dictionary(fc.constantFrom('limit', 'after_id', 'before_id', '__proto__', 'constructor'), value),
      fc.record({ limit: value, after_id: value, before_id: value }, { requiredKeys: [] }),
      fc.anything() as unknown as fc.Arbitrary<Record<string, unknown>>,
    );
    fc.assert(
      fc.property(query, (q) => {
        const result = parsePageQuery(q);
        if (!result.ok) {
          expect(result.message).toMatch(/^(limit|after_id|before_id)[:,]/);
          return;
        }
        const { limit, afterId, beforeId } = result.value;
        expect(Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_LIMIT).toBe(true);
        expect(afterId === undefined || (typeof afterId === 'string' && afterId !== '')).toBe(true);
        expect(beforeId === undefined || (typeof beforeId === 'string' && beforeId !== '')).toBe(true);
        expect(afterId !== undefined && beforeId !== undefined).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));

function page(q: PageQuery, list: readonly { id: string }[] = items) {
  const result = paginate(list, q);
  if (!result.ok) throw new Error(result.message);
  return result.page;
}

describe('paginate', () => {
  it('gives the first limit items without a cursor', () => {
    expect(page({ limit: 2 })).toStrictEqual({
      data: [{ id: 'a' }, { id: 'b' }],
      has_more: true,
      first_id: 'a',
      last_id: 'b',
    });
    expect(page({ limit: 5 })).toMatchObject({ has_more: false, first_id: 'a', last_id: 'e' });
    expect(page({ limit: 1000 })).toMatchObject({ has_more: false, first_id: 'a', last_id: 'e' });
  });

  it('gives the items strictly after after_id', () => {
    expect(page({ limit: 2, afterId: 'b' })).toMatchObject({ has_more: true, first_id: 'c', last_id: 'd' });
    expect(page({ limit: 2, afterId: 'c' })).toMatchObject({ has_more: false, first_id: 'd', last_id: 'e' });
    expect(page({ limit: 2, afterId: 'e' })).toStrictEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it('gives the limit items immediately before before_id, has_more meaning more before', () => {
    expect(page({ limit: 2, beforeId: 'e' })).toMatchObject({ has_more: true, first_id: 'c', last_id: 'd' });
    expect(page({ limit: 2, beforeId: 'c' })).toMatchObject({ has_more: false, first_id: 'a', last_id: 'b' });
    expect(page({ limit: 3, beforeId: 'c' })).toMatchObject({ has_more: false, first_id: 'a', last_id: 'b' });
    expect(page({ limit: 2, beforeId: 'a' })).toStrictEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it('pages an empty list to an empty page', () => {
    expect(page({ limit: 20 }, [])).toStrictEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it('rejects an unknown cursor, naming it', () => {
    expect(paginate(items, { limit: 2, afterId: 'zz' })).toStrictEqual({
      ok: false,
      message: "after_id: no model with id 'zz' in this list",
    });
    expect(paginate([], { limit: 2, beforeId: 'zz' })).toStrictEqual({
      ok: false,
      message: "before_id: no model with id 'zz' in this list",
    });
  });

  it('rejects both cursors and a limit below 1 or not an integer', () => {
    expect(paginate(items, { limit: 2, afterId: 'a', beforeId: 'c' })).toMatchObject({ ok: false });
    for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(paginate(items, { limit })).toMatchObject({
        ok: false,
        message: expect.stringMatching(/^limit:/),
      });
    }
  });

  it('returns copies: changing a page leaves the list alone', () => {
    const list = [{ id: 'a' }, { id: 'b' }];
    page({ limit: 2 }, list).data.pop();
    expect(list).toHaveLength(2);
  });
});

/** Follows `last_id` from the first page until `has_more` is false. */
function forward(list: readonly { id: string }[], limit: number, afterId?: string) {
  const pages = [page(afterId === undefined ? { limit } : { limit, afterId }, list)];
  for (let last = pages[0]; last?.has_more; last = pages.at(-1)) {
    pages.push(page({ limit, afterId: last.last_id ?? '' }, list));
  }
  return pages;
}

/** Follows `first_id` backwards from `beforeId` until `has_more` is false. */
function backward(list: readonly { id: string }[], limit: number, beforeId: string) {
  const pages = [page({ limit, beforeId }, list)];
  for (let first = pages[0]; first?.has_more; first = pages[0]) {
    pages.unshift(page({ limit, beforeId: first.first_id ?? '' }, list));
  }
  return pages;
}

describe('paginate: traversal', () => {
  const sizes = [0, 1, 2, 3, 7, 20, 21, 45];
  const limits = [1, 2, 3, 5, 20, 1000];
  const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `m${i}` }));

  it.each(sizes)('visits each of %i items exactly once forwards, for every limit', (n) => {
    for (const limit of limits) {
      const pages = forward(list(n), limit);
      expect(pages.flatMap((p) => ids(p.data))).toEqual(ids(list(n)));
      expect(pages.slice(0, -1).every((p) => p.data.length === limit)).toBe(true);
      expect(pages.length).toBe(Math.max(1, Math.ceil(n / limit)));
    }
  });

  it.each(sizes.filter((n) => n > 0))('visits each of %i items exactly once backwards from the end', (n) => {
    for (const limit of limits) {
      const all = list(n);
      // Anthropic has no "last page" request: start from where forward paging ends.
      const last = forward(all, limit).at(-1);
      const before = last?.first_id ? backward(all, limit, last.first_id) : [];
      expect([...before, last].flatMap((p) => ids(p?.data ?? []))).toEqual(ids(all));
      expect(before.slice(1).every((p) => p.data.length === limit)).toBe(true);
    }
  });

  it('covers the list exactly once from any cursor, both ways (property)', () => {
    const arb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 60 }).chain((idList) =>
      fc.record({
        all: fc.constant(idList.map((id) => ({ id }))),
        limit: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1000 })),
        at: fc.nat({ max: Math.max(0, idList.length - 1) }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ all, limit, at }) => {
        expect(forward(all, limit).flatMap((p) => ids(p.data))).toEqual(ids(all));
        const cursor = all[at];
        if (cursor === undefined) return;
        expect(forward(all, limit, cursor.id).flatMap((p) => ids(p.data))).toEqual(ids(all.slice(at + 1)));
        expect(backward(all, limit, cursor.id).flatMap((p) => ids(p.data))).toEqual(ids(all.slice(0, at)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('anthropic errors', () => {
  it('builds the error envelope', () => {
    expect(anthropicError('invalid_request_error', 'limit: Input should be a valid integer')).toStrictEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'limit: Input should be a valid integer' },
    });
  });

  it("builds Anthropic's 404 body for an unknown model", () => {
    expect(anthropicNotFound('claude-9')).toStrictEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'model: claude-9' },
    });
  });
});

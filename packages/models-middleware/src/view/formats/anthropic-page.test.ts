import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  type PageQuery,
  paginate,
  parsePageQuery,
} from './anthropic-page.js';

const ids = (list: readonly { id: string }[]): string[] => list.map((item) => item.id);

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
describe('parsePageQuery: lifecycle', () => {
  it.each([
    [{ lifecycle: 'retired' }, ['retired']],
    [{ lifecycle: ['active', 'deprecated'] }, ['active', 'deprecated']],
    [{ 'lifecycle[]': ['active', 'retired'] }, ['active', 'retired']],
    [{ lifecycle: 'active', 'lifecycle[]': 'deprecated' }, ['active', 'deprecated']],
  ])('reads %j', (query, stages) => {
    expect(parsePageQuery(query)).toStrictEqual({ ok: true, value: { limit: 20, lifecycle: stages } });
  });

  it('leaves it out when not given, so the router default applies', () => {
    expect(parsePageQuery({ limit: '5' })).toStrictEqual({ ok: true, value: { limit: 5 } });
  });

  it.each([
    [{ lifecycle: 'gone' }, /lifecycle: Input should be 'active', 'deprecated', 'retired'/],
    [{ lifecycle: '' }, /lifecycle/],
    [{ lifecycle: ['active', 'active', 'deprecated', 'retired'] }, /at most 3/],
    [{ 'lifecycle[]': { a: 'active' } }, /lifecycle/],
  ])('rejects %j', (query, message) => {
    const result = parsePageQuery(query);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

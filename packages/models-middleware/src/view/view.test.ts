import { describe, expect, it } from 'vitest';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../../test/support/fixture.js';
import { parseDocument } from '../document.js';
import { createModelSet } from '../model-set.js';
import { DEFAULT_MODES } from '../options.js';
import { resolveRules } from '../rule-options.js';
import type { ModelCard } from '../types.js';
import { openaiList, openaiModel } from './formats/openai.js';
import { createListQueryReader, filterCards, MAX_KEPT_QUERY_LENGTH } from './list-filter.js';
import { isErrorReply, type PreparedBody, type Reply } from './prepared.js';
import { createView } from './view.js';

const models = parseDocument(fixtureBytes(), 'fixture');
const settings = {
  filter: { provider: 'openai', modes: DEFAULT_MODES, includeDeprecated: false },
  fallback: createModelSet([], 0),
  rules: resolveRules({}, 'openai'),
  listQuery: createListQueryReader({ provider: 'openai', modes: DEFAULT_MODES }),
};
const dataOf = (reply: Reply): { id: string }[] => {
  if (isErrorReply(reply)) throw new Error('an error reply');
  return JSON.parse(reply.bytes.toString('utf8')).data;
};

describe("the view's prepared list bodies", () => {
  it('prepares one body per normalized query: every spelling of it gets the same object', () => {
    const view = createView(models, FIXED_NOW, settings);
    const first = view.reply('openai', undefined, 'supports=vision,function_calling&min_context=100000');
    for (const query of [
      'supports=function_calling,vision&min_context=100000',
      'min_context=0100000&supports=vision&supports=function_calling',
      'limit=1000&supports=vision,vision,function_calling&min_context=100000',
      'min_context=100000&supports=function_calling,vision',
    ]) {
      expect(view.reply('openai', undefined, query)).toBe(first);
    }
    const plain = view.reply('openai', undefined, '');
    expect(view.reply('openai', undefined, 'limit=1000&after_id=x')).toBe(plain);
    expect(dataOf(plain)).toHaveLength(EXPECTED.openai);
    expect(dataOf(first).length).toBeLessThan(EXPECTED.openai);
  });

  it('a long query is read each time but still shares the body of its normalized query', () => {
    const view = createView(models, FIXED_NOW, settings);
    const long = `${'limit=1&'.repeat(200)}supports=vision`;
    expect(long.length).toBeGreaterThan(MAX_KEPT_QUERY_LENGTH);
    const short = view.reply('openai', undefined, 'supports=vision');
    expect(view.reply('openai', undefined, long)).toBe(short);
    expect(view.reply('openai', undefined, long)).toBe(short);
  });

  it('keeps no error reply: a bad query gets its 400 again', () => {
    const view = createView(models, FIXED_NOW, settings);
    const bad = view.reply('openai', undefined, 'supports=telepathy');
    expect(bad).toMatchObject({ status: 400, error: { error: { param: 'supports' } } });
    expect(view.reply('openai', undefined, 'supports=telepathy')).toEqual(bad);
  });

  it('a new view (catalog version) builds its own bodies from the same normalized queries', () => {
    const one = createView(models, FIXED_NOW, settings);
    const other = createView(models, FIXED_NOW, settings);
    const query = 'supports=vision';
    expect(other.reply('openai', undefined, query)).not.toBe(one.reply('openai', undefined, query));
    expect(other.reply('openai', undefined, query)).toEqual(one.reply('openai', undefined, query));
  });

  it('after a refresh that keeps most cards as the same objects, sends what serialising afresh would', () => {
    const body = (reply: Reply): PreparedBody => {
      if (isErrorReply(reply)) throw new Error('an error reply');
      return reply;
    };
    const first = createView(models, FIXED_NOW, settings);
    const listed = first.listing.cards;
    // A card every query below lists, so each of their bodies changes.
    const changed = listed.find(
      (card) => card.supports_vision && (card.max_input_tokens ?? 0) >= 100_000 && card.mode === 'chat',
    ) as ModelCard;
    expect(changed).toBeDefined();
    // What the parse worker's delta hands back: every other card the same object.
    const refreshed = createModelSet(
      [
        { id: 'gpt-new', object: 'model', created: 0, owned_by: 'openai', mode: 'chat' } as ModelCard,
        ...models.cards.map((card) => (card === changed ? { ...card, max_output_tokens: 7 } : card)),
      ],
      0,
      'v2',
    );
    const queries = ['', 'supports=vision', 'min_context=100000&mode=chat'];
    const before = queries.map((query) => body(first.reply('openai', undefined, query)));
    const second = createView(refreshed, FIXED_NOW, settings);
    for (const [n, query] of queries.entries()) {
      const reply = body(second.reply('openai', undefined, query));
      const read = settings.listQuery(query);
      if (!read.ok) throw new Error(read.message);
      const expected = JSON.stringify(openaiList(filterCards(second.listing.cards, read.filter)));
      expect(reply.bytes.toString('utf8')).toBe(expected);
      expect(reply.bytes.toString('utf8')).not.toBe(before[n]?.bytes.toString('utf8'));
      expect(reply.etag).not.toBe(before[n]?.etag);
    }
    const one = body(second.reply('openai', changed.id, ''));
    expect(one.bytes.toString('utf8')).toBe(
      JSON.stringify(openaiModel({ ...changed, max_output_tokens: 7 })),
    );
    expect(one.etag).not.toBe(body(first.reply('openai', changed.id, '')).etag);
    // The same set again: the same bytes, hence the same ETag, from a new view.
    const again = createView(refreshed, FIXED_NOW, settings);
    expect(body(again.reply('openai', undefined, '')).etag).toBe(
      body(second.reply('openai', undefined, '')).etag,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { CARD_FLAGS } from '../card.js';
import { DEFAULT_MODES } from '../options.js';
import type { ModelCard } from '../types.js';
import { createListQueryReader, filterCards, IGNORED_PARAMETERS, type ReadListQuery } from './list-filter.js';

const single = createListQueryReader({ provider: 'openai', modes: DEFAULT_MODES });
const all = createListQueryReader({ provider: 'all', modes: [...DEFAULT_MODES, 'embedding'] });

const keyOf = (read: ReadListQuery): string => {
  if (!read.ok) throw new Error(`refused: ${read.message}`);
  return read.key;
};
const refusal = (read: ReadListQuery) => (read.ok ? undefined : { param: read.param, code: read.code });

const card = (id: string, fields: Partial<ModelCard> = {}): ModelCard =>
  ({ id, object: 'model', created: 0, owned_by: 'openai', ...fields }) as ModelCard;

describe('reading list queries', () => {
  it('reads the plain list from an empty query and from ignored parameters only', () => {
    expect(single('')).toEqual({ ok: true, key: '', filter: undefined });
    for (const name of IGNORED_PARAMETERS) expect(keyOf(single(`${name}=x`))).toBe('');
    expect(keyOf(single('limit=1000&after_id=gpt-5&client_version=0.171.0&api-version=2024-10-21'))).toBe('');
    expect(keyOf(single('&&'))).toBe('');
  });

  it('normalizes: sorted keys, capabilities sorted and deduplicated, integers without leading zeros', () => {
    const key = 'min_context=100000&mode=chat&supports=function_calling,vision';
    expect(keyOf(single('supports=vision,function_calling&mode=chat&min_context=100000'))).toBe(key);
    expect(
      keyOf(single('mode=chat&supports=function_calling&min_context=0100000&supports=vision,vision')),
    ).toBe(key);
    expect(keyOf(single(`limit=20&${key}`))).toBe(key);
    expect(keyOf(single(key))).toBe(key);
    expect(keyOf(all('provider=vertex_ai%2Bx&mode=embedding'))).toBe('mode=embedding&provider=vertex_ai%2Bx');
  });

  it('maps every card flag to a capability name and keeps the filter it read', () => {
    for (const flag of CARD_FLAGS) {
      const read = single(`supports=${flag.slice('supports_'.length)}`);
      expect(read.ok && read.filter?.supports).toEqual([flag]);
    }
    const read = all('min_context=5&mode=responses&provider=anthropic');
    expect(read.ok && read.filter).toEqual({
      supports: [],
      minContext: 5,
      mode: 'responses',
      provider: 'anthropic',
    });
  });

  it('reads each distinct query once: the same answer object again', () => {
    const query = 'supports=vision&min_context=1';
    const first = single(query);
    expect(single(query)).toBe(first);
    expect(single(keyOf(first))).toBe(first);
  });

  it.each([
    ['supports=telepathy', 'supports', 'invalid_value'],
    ['supports=', 'supports', 'invalid_value'],
    ['supports=vision,', 'supports', 'invalid_value'],
    ['supports=supports_vision', 'supports', 'invalid_value'],
    ['supports=Vision', 'supports', 'invalid_value'],
    ['min_context=-1', 'min_context', 'invalid_value'],
    ['min_context=1.5', 'min_context', 'invalid_value'],
    ['min_context=1e5', 'min_context', 'invalid_value'],
    ['min_context=', 'min_context', 'invalid_value'],
    ['min_context=%2B5', 'min_context', 'invalid_value'],
    [`min_context=${'9'.repeat(400)}`, 'min_context', 'invalid_value'],
    ['min_context=1&min_context=1', 'min_context', 'invalid_value'],
    ['mode=embedding', 'mode', 'invalid_value'],
    ['mode=', 'mode', 'invalid_value'],
    ['mode=chat&mode=responses', 'mode', 'invalid_value'],
    ['provider=openai', 'provider', 'unknown_parameter'],
    ['model=gpt-5', 'model', 'unknown_parameter'],
    ['supports=vision&LIMIT=1', 'LIMIT', 'unknown_parameter'],
    ['__proto__=1', '__proto__', 'unknown_parameter'],
  ])('refuses %s naming %s', (query, param, code) => {
    expect(refusal(single(query))).toEqual({ param, code });
  });

  it('takes provider only on a router serving all providers, and says so', () => {
    expect(keyOf(all('provider=anthropic'))).toBe('provider=anthropic');
    expect(refusal(all('provider='))).toEqual({ param: 'provider', code: 'invalid_value' });
    const read = single('provider=anthropic');
    expect(!read.ok && read.message).toMatch(/only 'openai'/);
    const unknown = single('x=1');
    expect(!unknown.ok && unknown.message).not.toMatch(/'provider'/);
    expect(keyOf(all('mode=embedding'))).toBe('mode=embedding');
  });
});

describe('filterCards', () => {
  const cards = [
    card('both', { supports_vision: true, supports_function_calling: true, max_input_tokens: 200_000 }),
    card('vision-small', { supports_vision: true, max_input_tokens: 8000, context_length: 999_999 }),
    card('window-from-context-length', { context_length: 128_000, mode: 'responses' }),
    card('no-window', { supports_vision: false, owned_by: 'anthropic' }),
  ];
  const ids = (query: string, reader = all) => {
    const read = reader(query);
    if (!read.ok) throw new Error(read.message);
    return filterCards(cards, read.filter).map((c) => c.id);
  };

  it('keeps the same array for the plain list', () => {
    expect(filterCards(cards, undefined)).toBe(cards);
  });

  it('supports needs every named flag to be true', () => {
    expect(ids('supports=vision')).toEqual(['both', 'vision-small']);
    expect(ids('supports=vision,function_calling')).toEqual(['both']);
    expect(ids('supports=reasoning')).toEqual([]);
  });

  it('min_context reads max_input_tokens, else context_length, and leaves out unknown windows', () => {
    expect(ids('min_context=100000')).toEqual(['both', 'window-from-context-length']);
    expect(ids('min_context=0')).toEqual(['both', 'vision-small', 'window-from-context-length']);
  });

  it('mode counts a card without one as chat; provider reads owned_by; filters AND together', () => {
    expect(ids('mode=chat')).toEqual(['both', 'vision-small', 'no-window']);
    expect(ids('mode=responses')).toEqual(['window-from-context-length']);
    expect(ids('provider=anthropic')).toEqual(['no-window']);
    expect(ids('provider=anthropic&mode=chat&supports=vision')).toEqual([]);
    expect(ids('mode=chat&min_context=100000&supports=function_calling')).toEqual(['both']);
  });
});

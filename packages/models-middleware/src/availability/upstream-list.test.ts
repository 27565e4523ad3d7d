import { describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../errors.js';
import { parseAnthropicPage, parseCodexList, parseOpenAIList, reviveList } from './upstream-list.js';

const bytes = (value: unknown): Buffer =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
const URL = 'http://127.0.0.1:1/v1/models';

describe('parseOpenAIList', () => {
  it('reads ids and creation times; entries without an id are left out, repeats kept once', () => {
    const list = parseOpenAIList(
      bytes({
        object: 'list',
        data: [
          { id: 'gpt-4o', object: 'model', created: 1_715_367_049, owned_by: 'system' },
          { id: 'gpt-4o', created: 1 },
          { id: '' },
          { object: 'model' },
          'gpt-x',
          { id: 'o3', created: -5 },
        ],
      }),
      URL,
    );
    expect(list.models).toEqual([
      { id: 'gpt-4o', wins: { created: 1_715_367_049 }, fills: {} },
      { id: 'o3', wins: {}, fills: {} },
    ]);
  });

  it.each([
    ['not JSON', '<html>', /not JSON/],
    ['null', 'null', /no `data` array/],
    ['data not an array', '{"data":{}}', /no `data` array/],
  ])('refuses %s', (_name, body, message) => {
    expect(() => parseOpenAIList(bytes(body), URL)).toThrow(InvalidDocumentError);
    expect(() => parseOpenAIList(bytes(body), URL)).toThrow(message);
  });
});

describe('parseAnthropicPage', () => {
  it('maps ModelInfo onto card fields and says where the next page starts', () => {
    const page = parseAnthropicPage(
      bytes({
        data: [
          {
            type: 'model',
            id: 'claude-x',
            display_name: 'Claude X',
            created_at: '2026-02-01T00:00:00Z',
            max_input_tokens: 500_000,
            max_tokens: null,
            lifecycle: 'deprecated',
            retires_at: '2027-03-04T00:00:00Z',
            capabilities: {
              image_input: { supported: false },
              effort: { supported: true, max: { supported: false }, xhigh: null },
              thinking: { supported: true, types: { adaptive: { supported: true } } },
              server_tools: { supported: false },
              pdf_input: 'yes',
            },
          },
          { type: 'model', id: 'claude-y', created_at: '1970-01-01T00:00:00Z', lifecycle: 'unknown' },
        ],
        has_more: true,
        last_id: 'claude-y',
      }),
      URL,
    );
    expect(page.next).toBe('claude-y');
    expect(page.models).toEqual([
      {
        id: 'claude-x',
        lifecycle: 'deprecated',
        fills: {},
        wins: {
          created: Date.parse('2026-02-01T00:00:00Z') / 1000,
          display_name: 'Claude X',
          max_input_tokens: 500_000,
          context_length: 500_000,
          deprecation_date: '2027-03-04',
          supports_vision: false,
          supports_reasoning: true,
          supports_adaptive_thinking: true,
          supports_output_config: true,
          supports_max_reasoning_effort: false,
        },
      },
      // The epoch is "unknown", an unknown lifecycle is ignored.
      { id: 'claude-y', wins: {}, fills: {} },
    ]);
  });

  it('the last page has no next; has_more is required, and last_id with it', () => {
    expect(parseAnthropicPage(bytes({ data: [], has_more: false, last_id: null }), URL).next).toBeUndefined();
    expect(() => parseAnthropicPage(bytes({ data: [] }), URL)).toThrow(/boolean `has_more`/);
    expect(() => parseAnthropicPage(bytes({ data: [], has_more: true, last_id: '' }), URL)).toThrow(
      /no `last_id`/,
    );
  });
});

describe('parseCodexList', () => {
  it('keeps only entries Codex could decode; name and description win, the window fills', async () => {
    const { codexModel } = await import('../../test/support/codex.js');
    const list = parseCodexList(
      bytes({
        models: [
          codexModel('gpt-5.3-codex', { context_window: 272_000, input_modalities: ['text', 'image'] }),
          { slug: 'broken' },
        ],
      }),
      URL,
    );
    expect(list.models).toEqual([
      {
        id: 'gpt-5.3-codex',
        wins: { display_name: 'GPT-5.3-CODEX', description: 'Test model gpt-5.3-codex.' },
        fills: { context_length: 272_000, max_input_tokens: 272_000, supports_vision: true },
      },
    ]);
  });
});

describe('reviveList', () => {
  it('takes back what was stored, and nothing that is not a list of the same shape', () => {
    const list = parseOpenAIList(bytes({ data: [{ id: 'gpt-4o', created: 7 }] }), URL);
    expect(reviveList(JSON.parse(JSON.stringify(list)))).toEqual(list);
    expect(reviveList(undefined)).toBeUndefined();
    expect(reviveList({ models: [{ id: 'x', wins: { created: 'yesterday' }, fills: {} }] })).toBeUndefined();
    expect(reviveList({ models: [{ id: 'x', wins: { pricing: {} }, fills: {} }] })).toBeUndefined();
    expect(reviveList({ models: [{ id: 1, wins: {}, fills: {} }] })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../../../test/support/fixture.js';
import { parseDocument } from '../../document.js';
import type { ModelCard } from '../../types.js';
import { openaiError, openaiList, openaiListJson, openaiModel, openaiModelNotFound } from './openai.js';

const full: ModelCard = {
  deprecation_date: '2026-12-31',
  litellm_provider: 'openai',
  mode: 'responses',
  supports_reasoning: true,
  supports_pdf_input: true,
  supports_computer_use: false,
  supports_assistant_prefill: false,
  supports_system_messages: true,
  supports_prompt_caching: true,
  supports_response_schema: true,
  supports_tool_choice: true,
  supports_parallel_function_calling: true,
  supports_function_calling: true,
  supports_vision: true,
  max_tokens: 128_000,
  max_output_tokens: 128_000,
  max_input_tokens: 400_000,
  context_length: 400_000,
  owned_by: 'openai',
  created: 1_754_524_800,
  object: 'model',
  id: 'gpt-5-2025-08-07',
};

const minimal: ModelCard = { id: 'o3', object: 'model', created: 0, owned_by: 'openai' };

describe('openaiModel', () => {
  it("puts OpenAI's four fields first, then the card's fields in a fixed order", () => {
    expect(Object.keys(openaiModel(full))).toEqual([
      'id',
      'object',
      'created',
      'owned_by',
      'context_length',
      'max_input_tokens',
      'max_output_tokens',
      'max_tokens',
      'supports_vision',
      'supports_function_calling',
      'supports_parallel_function_calling',
      'supports_tool_choice',
      'supports_response_schema',
      'supports_prompt_caching',
      'supports_system_messages',
      'supports_assistant_prefill',
      'supports_computer_use',
      'supports_pdf_input',
      'supports_reasoning',
      'mode',
      'litellm_provider',
      'deprecation_date',
    ]);
  });

  it('keeps every value of the card, false flags included', () => {
    expect(openaiModel(full)).toEqual(full);
    expect(openaiModel(full).supports_computer_use).toBe(false);
  });

  it('serialises equal cards to equal bytes whatever their key order', () => {
    const shuffled = Object.fromEntries(Object.entries(full).reverse()) as unknown as ModelCard;
    expect(JSON.stringify(openaiModel(shuffled))).toBe(JSON.stringify(openaiModel(full)));
  });

  it('leaves absent fields absent rather than null or undefined', () => {
    const model = openaiModel({ ...minimal, max_tokens: undefined });
    expect(model).toStrictEqual({ id: 'o3', object: 'model', created: 0, owned_by: 'openai' });
    expect(JSON.stringify(model)).toBe('{"id":"o3","object":"model","created":0,"owned_by":"openai"}');
  });

  it('copies only ModelCard fields', () => {
    const card = { ...minimal, input_cost_per_token: 1e-6 } as ModelCard;
    expect(openaiModel(card)).not.toHaveProperty('input_cost_per_token');
  });

  it('returns a new object, leaving the card untouched', () => {
    const card = { ...full };
    const model = openaiModel(card);
    expect(model).not.toBe(card);
    expect(card).toEqual(full);
  });
});

describe('openaiList', () => {
  it('wraps the models in a list body, in the order given', () => {
    const cards = [minimal, full, { ...minimal, id: 'a' }];
    const list = openaiList(cards);
    expect(list.object).toBe('list');
    expect(list.data.map((model) => model.id)).toEqual(['o3', 'gpt-5-2025-08-07', 'a']);
    expect(list.data[1]).toEqual(openaiModel(full));
  });

  it('lists nothing as an empty data array', () => {
    expect(openaiList([])).toStrictEqual({ object: 'list', data: [] });
  });
});

describe('openaiListJson', () => {
  const stringified = (cards: readonly ModelCard[]) => JSON.stringify(openaiList(cards));

  it('gives the bytes JSON.stringify gives the list body, for every card of the real document', () => {
    const { cards } = parseDocument(fixtureBytes(), 'fixture');
    expect(openaiListJson(cards)).toBe(stringified(cards));
    // Joined from the kept fragments the second time: still the same bytes.
    expect(openaiListJson(cards)).toBe(stringified(cards));
    expect(openaiListJson(cards.slice(3, 4))).toBe(stringified(cards.slice(3, 4)));
    expect(openaiListJson([])).toBe('{"object":"list","data":[]}');
  });

  it('escapes as JSON.stringify does: quotes, backslashes, line separators, lone surrogates', () => {
    const odd = { ...minimal, id: 'a"b\\c', description: 'line\u2028sep \ud800 \u00e9 \n' };
    expect(openaiListJson([odd, full])).toBe(stringified([odd, full]));
  });

  it('serialises a changed card afresh: a new object with the same id never gets the kept bytes', () => {
    const before = { ...full };
    const first = openaiListJson([minimal, before]);
    const after = { ...before, max_output_tokens: 64_000 };
    const second = openaiListJson([minimal, after]);
    expect(second).not.toBe(first);
    expect(second).toBe(stringified([minimal, after]));
    expect(openaiListJson([minimal, before])).toBe(first);
  });
});

describe('openai errors', () => {
  it('builds the general error envelope, nulls kept', () => {
    expect(openaiError('Invalid API key', 'invalid_request_error', null, 'invalid_api_key')).toStrictEqual({
      error: {
        message: 'Invalid API key',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(JSON.stringify(openaiError('x', 'server_error', null, null))).toBe(
      '{"error":{"message":"x","type":"server_error","param":null,"code":null}}',
    );
  });

  it("builds OpenAI's 404 body for an unknown model", () => {
    expect(openaiModelNotFound('gpt-9')).toStrictEqual({
      error: {
        message: "The model 'gpt-9' does not exist",
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });

  it('puts ids with slashes and colons in the message as they are', () => {
    expect(openaiModelNotFound('openrouter/x:free').error.message).toBe(
      "The model 'openrouter/x:free' does not exist",
    );
  });
});

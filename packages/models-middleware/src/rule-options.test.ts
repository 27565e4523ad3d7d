import { describe, expect, it } from 'vitest';
import { resolveRules } from './rule-options.js';

const bad = (options: Record<string, unknown>) => () => resolveRules(options, 'openai');

describe('rule options', () => {
  it('has no rules by default', () => {
    expect(resolveRules({}, 'openai').empty).toBe(true);
    expect(resolveRules({ include: ['a'] }, 'openai').empty).toBe(false);
  });

  it.each([
    [{ include: 'gpt-5' }, TypeError, /`include` must be an array/],
    [{ include: [''] }, TypeError, /`include\[0\]` must be a non-empty string/],
    [{ exclude: ['ok', '/(/'] }, TypeError, /`exclude\[1\]` is not a valid pattern/],
    [{ overrides: [] }, TypeError, /`overrides` must be an object/],
    [{ overrides: { 'gpt-5': 3 } }, TypeError, /`overrides\["gpt-5"\]` must be an object/],
    [
      { overrides: { 'gpt-5': { colour: 'red' } } },
      TypeError,
      /`overrides\["gpt-5"\]\.colour` is not a field/,
    ],
    [{ overrides: { 'gpt-5': { id: 'x' } } }, TypeError, /`overrides\["gpt-5"\]\.id` is not a field/],
    [
      { overrides: { x: { max_input_tokens: 1.5 } } },
      TypeError,
      /`overrides\["x"\]\.max_input_tokens` must be an integer/,
    ],
    [{ overrides: { x: { max_tokens: -1 } } }, RangeError, /`overrides\["x"\]\.max_tokens` must be >= 0/],
    [{ overrides: { x: { supports_vision: 'yes' } } }, TypeError, /supports_vision` must be a boolean/],
    [
      { overrides: { x: { deprecation_date: '2026-13-01' } } },
      TypeError,
      /deprecation_date` must be a YYYY-MM-DD/,
    ],
    [{ overrides: { x: { display_name: '' } } }, TypeError, /display_name` must be a non-empty string/],
    [{ overrides: { x: { pricing: { input: 1 } } } }, TypeError, /pricing\.input` is not a price/],
    [
      { overrides: { x: { pricing: { prompt: '1e-6' } } } },
      TypeError,
      /pricing\.prompt` must be USD per token/,
    ],
    [{ overrides: { x: { pricing: { prompt: -1 } } } }, RangeError, /pricing\.prompt` must be >= 0/],
    [{ overrides: { '/[/': {} } }, TypeError, /`overrides\["\/\[\/"\]` is not a valid pattern/],
    [{ extra: {} }, TypeError, /`extra` must be an array/],
    [{ extra: [{ max_tokens: 1 }] }, TypeError, /`extra\[0\]\.id` must be a non-empty string/],
    [{ extra: [{ id: 'a' }, { id: 'a' }] }, TypeError, /`extra\[1\]\.id` repeats "a"/],
    [{ extra: [{ id: 'a', object: 'x' }] }, TypeError, /`extra\[0\]\.object` is not a field/],
    [{ aliases: ['a'] }, TypeError, /`aliases` must be an object/],
    [{ aliases: { a: 1 } }, TypeError, /`aliases\["a"\]` must be a model id/],
    [{ aliases: { a: 'a' } }, TypeError, /`aliases\["a"\]` points at itself/],
  ])('refuses %j naming the key', (options, type, message) => {
    expect(bad(options)).toThrow(type);
    expect(bad(options)).toThrow(message);
  });

  it('takes prices as numbers or decimal strings and stores decimal strings', () => {
    const rules = resolveRules(
      { overrides: { x: { pricing: { prompt: 3e-7, completion: '0.000015' } } } },
      'openai',
    );
    expect(rules.overrides[0]?.patch.pricing).toEqual({ prompt: '0.0000003', completion: '0.000015' });
  });

  it('fills a custom model in: owned by the provider, or `custom` under all', () => {
    expect(resolveRules({ extra: [{ id: 'm-2025-01-02' }] }, 'openai').extra[0]).toEqual({
      id: 'm-2025-01-02',
      object: 'model',
      created: Date.parse('2025-01-02T00:00:00Z') / 1000,
      owned_by: 'openai',
      mode: 'chat',
    });
    expect(resolveRules({ extra: [{ id: 'm' }] }, 'all').extra[0]?.owned_by).toBe('custom');
    expect(resolveRules({ extra: [{ id: 'm', owned_by: 'me' }] }, 'all').extra[0]?.owned_by).toBe('me');
  });
});

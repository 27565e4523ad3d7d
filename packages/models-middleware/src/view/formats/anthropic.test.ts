import { describe, expect, it } from 'vitest';
import type { ModelCard } from '../../types.js';
import { anthropicError, anthropicModel, anthropicNotFound } from './anthropic.js';

const DAY = 86_400;
const TODAY = '2026-11-24';
const unix = (iso: string): number => Date.parse(iso) / 1000;

function card(id: string, created = 0, extra: Partial<ModelCard> = {}): ModelCard {
  return { id, object: 'model', created, owned_by: 'anthropic', ...extra };
}
const info = (c: ModelCard) => anthropicModel(c, { today: TODAY });
const no = { supported: false };
const yes = { supported: true };

/** What a card with no flags at all says: every capability key, all unsupported but thinking off. */
const NOTHING_KNOWN = {
  batch: no,
  citations: no,
  code_execution: no,
  context_management: {
    supported: false,
    clear_thinking_20251015: no,
    clear_tool_uses_20250919: no,
    compact_20260112: no,
  },
  effort: { supported: false, low: no, medium: no, high: no, max: no, xhigh: no },
  image_input: no,
  pdf_input: no,
  server_tools: { supported: false, code_execution: no, web_search: no },
  structured_outputs: no,
  thinking: { supported: false, types: { adaptive: no, between_tools: no, disabled: yes, enabled: no } },
};

describe('anthropicModel', () => {
  it("builds every field of the SDK's ModelInfo, in Anthropic order", () => {
    const built = anthropicModel(
      card('claude-sonnet-4-5-20250929', unix('2025-09-29T00:00:00Z'), {
        max_input_tokens: 200_000,
        max_output_tokens: 64_000,
        supports_vision: true,
      }),
      { today: TODAY, description: 'Snapshot' },
    );
    expect(built).toStrictEqual({
      type: 'model',
      id: 'claude-sonnet-4-5-20250929',
      display_name: 'Claude Sonnet 4.5',
      description: 'Snapshot',
      created_at: '2025-09-29T00:00:00Z',
      lifecycle: 'active',
      deprecated_at: null,
      retires_at: null,
      line: 'sonnet',
      max_input_tokens: 200_000,
      max_tokens: 64_000,
      capabilities: { ...NOTHING_KNOWN, image_input: yes },
    });
  });

  it('says null and unsupported for what the card does not know', () => {
    expect(info(card('claude-opus-5'))).toStrictEqual({
      type: 'model',
      id: 'claude-opus-5',
      display_name: 'Claude Opus 5',
      description: '',
      created_at: '1970-01-01T00:00:00Z',
      lifecycle: 'active',
      deprecated_at: null,
      retires_at: null,
      line: 'opus',
      max_input_tokens: null,
      max_tokens: null,
      capabilities: NOTHING_KNOWN,
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
    expect(info(card('claude-x', created)).created_at).toBe(createdAt);
  });

  it("shows the list's release time over the card's own", () => {
    const built = anthropicModel(card('claude-opus-4-7'), { today: TODAY, created: unix('2026-04-16') });
    expect(built.created_at).toBe('2026-04-16T00:00:00Z');
  });

  it('takes max_tokens from max_output_tokens, else the legacy max_tokens', () => {
    expect(info(card('a', 0, { max_output_tokens: 8192, max_tokens: 4096 })).max_tokens).toBe(8192);
    expect(info(card('a', 0, { max_tokens: 4096 })).max_tokens).toBe(4096);
  });

  it('takes max_input_tokens from max_input_tokens, else context_length', () => {
    expect(info(card('a', 0, { max_input_tokens: 1000, context_length: 5 })).max_input_tokens).toBe(1000);
    expect(info(card('a', 0, { context_length: 5 })).max_input_tokens).toBe(5);
  });

  it('treats a limit of 0 as unknown rather than as "nothing allowed"', () => {
    const built = info(card('a', 0, { max_input_tokens: 0, max_output_tokens: 0, max_tokens: 4096 }));
    expect(built.max_input_tokens).toBeNull();
    expect(built.max_tokens).toBe(4096);
    expect(info(card('a', 0, { max_output_tokens: 0 })).max_tokens).toBeNull();
  });

  it.each([
    [undefined, 'active', null],
    ['2026-11-24', 'deprecated', '2026-11-24T00:00:00Z'],
    ['2027-01-05', 'deprecated', '2027-01-05T00:00:00Z'],
    ['2026-11-23', 'retired', '2026-11-23T00:00:00Z'],
  ])('deprecation_date %s -> lifecycle %s, retires_at %s', (date, lifecycle, retiresAt) => {
    const built = info(card('a', 0, date === undefined ? {} : { deprecation_date: date }));
    expect(built).toMatchObject({ lifecycle, retires_at: retiresAt, deprecated_at: null });
  });

  it.each([
    ['claude-haiku-4-5', 'haiku'],
    ['claude-3-5-sonnet-20241022', 'sonnet'],
    ['claude-fable-5', 'fable'],
    ['claude-instant-1', null],
    ['gpt-4.1', null],
  ])('%s is in line %s', (id, line) => {
    expect(info(card(id)).line).toBe(line);
  });

  const MAPPED: [keyof ModelCard, string[]][] = [
    ['supports_vision', ['image_input']],
    ['supports_pdf_input', ['pdf_input']],
    ['supports_native_structured_output', ['structured_outputs']],
    ['supports_reasoning', ['thinking', 'thinking.types.enabled']],
    ['supports_adaptive_thinking', ['thinking.types.adaptive']],
    ['supports_web_search', ['server_tools', 'server_tools.web_search']],
    ['supports_output_config', ['effort', 'effort.low', 'effort.medium', 'effort.high']],
  ];
  it.each(MAPPED)('maps %s to %j', (flag, paths) => {
    for (const supported of [true, false]) {
      const capabilities: unknown = info(card('a', 0, { [flag]: supported })).capabilities;
      for (const path of paths) {
        const value = path
          .split('.')
          .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], capabilities);
        expect((value as { supported: boolean }).supported, path).toBe(supported);
      }
    }
  });

  it('reads the max and xhigh effort levels only where effort exists', () => {
    const levels = { supports_max_reasoning_effort: true, supports_xhigh_reasoning_effort: true };
    expect(info(card('a', 0, levels)).capabilities.effort).toMatchObject({
      supported: false,
      max: no,
      xhigh: no,
    });
    const effort = info(card('a', 0, { ...levels, supports_output_config: true })).capabilities.effort;
    expect(effort).toMatchObject({ supported: true, max: yes, xhigh: yes });
  });

  it("no longer reads LiteLLM's emulated response_schema as Anthropic's structured outputs", () => {
    expect(info(card('a', 0, { supports_response_schema: true })).capabilities.structured_outputs).toEqual(
      no,
    );
  });

  it.each([
    ['supports_function_calling', 'tool_use'],
    ['supports_computer_use', 'computer_use'],
    ['supports_prompt_caching', 'prompt_caching'],
  ] as const)('adds the LiteLLM extra %s as capabilities.%s when it is known', (flag, extra) => {
    for (const supported of [true, false]) {
      expect(info(card('a', 0, { [flag]: supported })).capabilities[extra]).toEqual({ supported });
    }
    expect(info(card('a')).capabilities).not.toHaveProperty(extra);
  });

  it('does not modify the card', () => {
    const original = card('claude-haiku-4-5', 0, { supports_vision: true });
    const copy = structuredClone(original);
    info(original);
    expect(original).toStrictEqual(copy);
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

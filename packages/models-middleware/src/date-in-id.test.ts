import { describe, expect, it } from 'vitest';
import { createdFromId, stripDate } from './date-in-id.js';

describe('createdFromId', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', '2025-09-29'],
    ['gpt-5-2025-08-07', '2025-08-07'],
    ['o3-deep-research-2025-06-26', '2025-06-26'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', '2024-10-22'],
    ['gpt-4o-audio-preview-2024-12-17', '2024-12-17'],
  ])('reads the date in %s', (id, day) => {
    expect(createdFromId(id)).toBe(Date.parse(`${day}T00:00:00Z`) / 1000);
  });

  it.each([
    'gpt-4',
    'gpt-4-0613',
    'gemini-2.0-flash-001',
    'claude-sonnet-4-5',
    'model-20251399',
    'model-2025-02-31',
    'x-202509291',
    '',
  ])('gives 0 for %j, which holds no real date', (id) => {
    expect(createdFromId(id)).toBe(0);
  });
});

describe('stripDate', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['vertex_ai/claude-opus-4-1@20250805', 'vertex_ai/claude-opus-4-1'],
    ['gpt-4-0613', 'gpt-4-0613'],
    ['model-2025-02-31', 'model-2025-02-31'],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
  ])('%s -> %s', (id, stripped) => {
    expect(stripDate(id)).toBe(stripped);
  });

  it('strips exactly the date createdFromId reads at the end of an id', () => {
    for (const id of ['claude-opus-4-7-20260416', 'o3-2025-04-16', 'gpt-4o-2024-05-13']) {
      expect(stripDate(id)).not.toBe(id);
      expect(createdFromId(id)).toBeGreaterThan(0);
    }
  });
});

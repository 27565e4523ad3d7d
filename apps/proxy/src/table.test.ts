import type { ModelCard } from '@ccproxy/models-middleware';
import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatCapabilities,
  formatListSummary,
  formatModelTable,
  formatPerMillion,
  formatRefreshSummary,
  formatTable,
  formatTokens,
  MAX_LISTED_CHANGES,
  type RefreshSummary,
} from './table.js';

const card = (id: string, extra: Partial<ModelCard> = {}): ModelCard => ({
  id,
  object: 'model',
  created: 0,
  owned_by: 'openai',
  ...extra,
});

const GPT5 = card('gpt-5', {
  max_input_tokens: 272_000,
  max_output_tokens: 128_000,
  supports_vision: true,
  supports_function_calling: true,
  supports_prompt_caching: true,
  supports_reasoning: true,
});
const OLD = card('gpt-3.5-turbo-instruct', {
  context_length: 8_192,
  max_tokens: 4_096,
  supports_vision: false,
  supports_function_calling: false,
});

describe('cells', () => {
  it('formats token counts with separators and unknowns as -', () => {
    expect(formatTokens(1_000_000)).toBe('1,000,000');
    expect(formatTokens(0)).toBe('0');
    expect(formatTokens(undefined)).toBe('-');
  });

  it('formats the four capabilities in one cell: the letter for yes, . for no, - for unknown', () => {
    expect(formatCapabilities(GPT5)).toBe('VFCR');
    expect(formatCapabilities(OLD)).toBe('..--');
    expect(formatCapabilities(card('x', { supports_prompt_caching: true, supports_reasoning: false }))).toBe(
      '--C.',
    );
  });

  it.each([
    ['0.000003', '$3.00'],
    ['0.00000125', '$1.25'],
    ['0.00001', '$10.00'],
    ['0.00018', '$180.00'],
    ['0.0000001', '$0.10'],
    ['0.0000000042', '$0.0042'],
    ['0.0000000001', '$0.0001'],
    ['0', '$0.00'],
    ['1', '$1000000.00'],
    ['3', '$3000000.00'],
  ])('prices USD %s per token as %s per million', (perToken, shown) => {
    expect(formatPerMillion(perToken)).toBe(shown);
  });

  it('leaves the price blank when there is none (or it is not a decimal string)', () => {
    expect(formatPerMillion(undefined)).toBe('');
    expect(formatPerMillion('3e-6')).toBe('');
  });

  it('formats ages coarsely', () => {
    expect(formatAge(10_000)).toBe('just now');
    expect(formatAge(-5)).toBe('just now');
    expect(formatAge(5 * 60_000)).toBe('5 min ago');
    expect(formatAge(3 * 3_600_000)).toBe('3 h ago');
    expect(formatAge(3 * 86_400_000)).toBe('3 d ago');
  });
});

describe('formatTable', () => {
  it('pads columns, right-aligns numbers and trims line ends', () => {
    const text = formatTable(
      [
        { header: 'Name', align: 'left', value: (row: [string, number]) => row[0] },
        { header: 'N', align: 'right', value: (row: [string, number]) => String(row[1]) },
      ],
      [
        ['a', 1000],
        ['longer', 2],
      ],
    );
    expect(text).toBe(['Name       N', '------  ----', 'a       1000', 'longer     2'].join('\n'));
  });

  it('prints the header alone for no rows', () => {
    expect(formatModelTable([]).split('\n')).toHaveLength(2);
  });
});

describe('formatModelTable', () => {
  it('shows the rule mark, limits (falling back to context_length / max_tokens), prices and capabilities', () => {
    const priced = { ...GPT5, pricing: { prompt: '0.00000125', completion: '0.00001' } };
    const alias = { ...priced, id: 'fast' };
    const custom = card('house-coder', { max_input_tokens: 64_000 });
    expect(
      formatModelTable([
        { card: alias, rule: 'alias' },
        { card: priced, rule: 'override' },
        { card: OLD },
        { card: custom, rule: 'custom' },
      ]),
    ).toBe(
      [
        'Model                   Rule       Max In  Max Out  $/M in  $/M out  Caps',
        '----------------------  --------  -------  -------  ------  -------  ----',
        'fast                    alias     272,000  128,000   $1.25   $10.00  VFCR',
        'gpt-5                   override  272,000  128,000   $1.25   $10.00  VFCR',
        'gpt-3.5-turbo-instruct              8,192    4,096                   ..--',
        'house-coder             custom     64,000        -                   ----',
      ].join('\n'),
    );
  });

  it('fits 80 columns with ids up to 27 characters, the longest of the openai list', () => {
    const widest = card('gpt-5-search-api-2025-10-14', {
      max_input_tokens: 1_050_000,
      max_output_tokens: 128_000,
      pricing: { prompt: '0.00003', completion: '0.00018' },
    });
    const lines = formatModelTable([{ card: widest, rule: 'override' }]).split('\n');
    expect(Math.max(...lines.map((line) => line.length))).toBe(80);
  });
});

describe('formatListSummary', () => {
  const base = {
    provider: 'openai',
    cards: [GPT5, OLD],
    source: 'upstream',
    fetchedAt: Date.parse('2026-11-24T10:00:00Z'),
    catalogModels: 2982,
    invalid: 3,
    nowMs: Date.parse('2026-11-24T12:30:00Z'),
  };

  it('counts models and capabilities and names the source', () => {
    expect(formatListSummary(base)).toBe(
      '2 models for openai (vision 1, function calling 1, prompt caching 1, reasoning 1); ' +
        'source: upstream, fetched 2026-11-24T10:00:00.000Z (2 h ago); catalog: 2,982 models, 3 invalid skipped',
    );
  });

  it('leaves out the fetch time when there is none (snapshot, fallback)', () => {
    expect(formatListSummary({ ...base, cards: [GPT5], source: 'snapshot', fetchedAt: null })).toBe(
      '1 model for openai (vision 1, function calling 1, prompt caching 1, reasoning 1); ' +
        'source: snapshot; catalog: 2,982 models, 3 invalid skipped',
    );
  });
});

describe('formatRefreshSummary', () => {
  const base: RefreshSummary = {
    plugins: ['codex', 'claude_api'],
    url: 'http://127.0.0.1:1/x.json',
    ok: true,
    source: 'upstream',
    notModified: false,
    changed: true,
    added: [],
    removed: [],
    models: 2982,
  };
  const who = 'codex, claude_api (http://127.0.0.1:1/x.json)';

  it('lists added and removed ids, sorted', () => {
    expect(formatRefreshSummary({ ...base, added: ['gpt-7', 'claude-9'], removed: ['gpt-4'] })).toBe(
      [
        `${who}: refreshed from upstream; 2,982 models, 2 added, 1 removed`,
        '  + claude-9',
        '  + gpt-7',
        '  - gpt-4',
      ].join('\n'),
    );
  });

  it('caps long lists', () => {
    const added = Array.from({ length: MAX_LISTED_CHANGES + 5 }, (_, i) => `m-${String(i).padStart(3, '0')}`);
    const lines = formatRefreshSummary({ ...base, added, removed: ['x'] }).split('\n');
    expect(lines).toHaveLength(1 + MAX_LISTED_CHANGES + 1 + 1);
    expect(lines).toContain('  + ... and 5 more');
  });

  it('says when nothing changed, when upstream answered 304, and when there was no earlier copy', () => {
    expect(formatRefreshSummary({ ...base, changed: false })).toBe(
      `${who}: refreshed from upstream; 2,982 models, nothing changed`,
    );
    expect(formatRefreshSummary({ ...base, changed: false, notModified: true })).toBe(
      `${who}: not modified upstream; 2,982 models from upstream, nothing changed`,
    );
    expect(formatRefreshSummary({ ...base, models: 2, added: ['a', 'b'] })).toBe(
      `${who}: downloaded from upstream; 2 models, no earlier copy to compare`,
    );
  });

  it('reports a failure and what is still served', () => {
    expect(
      formatRefreshSummary({
        ...base,
        ok: false,
        changed: false,
        source: 'snapshot',
        error: 'GET x failed: ECONNREFUSED',
      }),
    ).toBe(`${who}: refresh failed: GET x failed: ECONNREFUSED; still serving snapshot (2,982 models)`);
    expect(
      formatRefreshSummary({ ...base, ok: false, source: 'fallback', models: 0, error: 'HTTP 503' }),
    ).toBe(
      `${who}: refresh failed: HTTP 503; nothing cached yet (the server would serve the shipped snapshot)`,
    );
  });
});

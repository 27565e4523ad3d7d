import { describe, expect, it } from 'vitest';
import { codexModel } from '../../test/support/codex.js';
import { InvalidDocumentError } from '../errors.js';
import { checkModelInfo, parseCodexModels, REQUIRED_FIELDS } from './model-info.js';

const doc = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('checkModelInfo', () => {
  it('accepts an entry in the shape of openai_models.rs', () => {
    expect(checkModelInfo(codexModel('gpt-5.3-codex'))).toBeUndefined();
  });

  it('names the first required field that is missing', () => {
    for (const field of Object.keys(REQUIRED_FIELDS)) {
      const { [field]: _, ...rest } = codexModel('x');
      expect(checkModelInfo(rest)).toBe(`missing \`${field}\``);
    }
  });

  it('refuses values Codex cannot decode', () => {
    const bad: Record<string, unknown> = {
      slug: '',
      visibility: 'public',
      shell_type: 'bash',
      priority: 1.5,
      supported_in_api: 'yes',
      truncation_policy: { mode: 'lines', limit: 1 },
      supported_reasoning_levels: [{ effort: 'low' }],
      experimental_supported_tools: [1],
      context_window: '272k',
      input_modalities: ['text', 'audio'],
      model_messages: 'x',
    };
    for (const [field, value] of Object.entries(bad)) {
      expect(checkModelInfo(codexModel('x', { [field]: value }))).toBe(`bad \`${field}\``);
    }
    expect(checkModelInfo(null)).toBe('not an object');
    expect(checkModelInfo([])).toBe('not an object');
  });

  it('accepts null where Codex reads an Option, and reasoning efforts it does not know yet', () => {
    const entry = codexModel('x', {
      description: null,
      upgrade: null,
      default_verbosity: null,
      apply_patch_tool_type: null,
      context_window: null,
      supported_reasoning_levels: [{ effort: 'ultra', description: 'newer than this check' }],
    });
    expect(checkModelInfo(entry)).toBeUndefined();
  });
});

describe('parseCodexModels', () => {
  it("reads Codex's models_cache.json and a bare ModelsResponse alike", () => {
    const models = [codexModel('a'), codexModel('b')];
    const cache = parseCodexModels(
      doc({ fetched_at: '2026-11-24T00:00:00Z', etag: 'x', models }),
      'file:///c',
    );
    const response = parseCodexModels(doc({ models }), 'http://h/');
    expect(cache.entries).toEqual(models);
    expect(response.entries).toEqual(models);
    expect(cache.rejected).toEqual([]);
  });

  it('keeps entries as parsed: key order and unknown fields', () => {
    const entry = { zeta: 1, ...codexModel('a'), future_field: { nested: [1, 'two'] } };
    const [kept] = parseCodexModels(doc({ models: [entry] }), 'u').entries;
    expect(JSON.stringify(kept)).toBe(JSON.stringify(entry));
  });

  it('leaves out entries Codex could not decode and a repeated slug, saying why', () => {
    const list = parseCodexModels(
      doc({ models: [codexModel('a'), { slug: 'b' }, 7, codexModel('a', { priority: 2 })] }),
      'u',
    );
    expect(list.entries.map((e) => e.slug)).toEqual(['a']);
    expect(list.entries[0]?.priority).toBe(1);
    expect(list.rejected).toEqual([
      { slug: 'b', reason: 'missing `display_name`' },
      { slug: null, reason: 'not an object' },
      { slug: 'a', reason: 'duplicate `slug`' },
    ]);
  });

  it('throws InvalidDocumentError for what is not such a document', () => {
    for (const bytes of [Buffer.from('{"models": ['), doc([]), doc({ models: {} }), doc({ data: [] })]) {
      expect(() => parseCodexModels(bytes, 'u')).toThrow(InvalidDocumentError);
    }
    expect(parseCodexModels(doc({ models: [] }), 'u').entries).toEqual([]);
  });
});

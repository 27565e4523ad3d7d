import { execFileSync } from 'node:child_process';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { fixtureDocument } from '../test/support/fixture.js';
import { entrySchema, isValidEntry } from './schema.js';

const good = { litellm_provider: 'openai', mode: 'chat', max_input_tokens: 1000 };

describe('the entry validator generated from entrySchema', () => {
  it('is up to date with the schema', () => {
    // The script compares against dist/schema.js, which `pnpm test` builds before Vitest runs.
    const repo = new URL('../../../', import.meta.url);
    const out = execFileSync(process.execPath, ['scripts/generate-validator.mjs', '--check'], { cwd: repo });
    expect(out.toString()).toMatch(/up to date/);
  });

  it('agrees with Ajv compiling the schema at run time, on every fixture entry and on bad ones', () => {
    const runtime = new Ajv({ strict: true }).compile(entrySchema);
    const doc = fixtureDocument();
    const bad = [
      {},
      { ...good, litellm_provider: '' },
      { ...good, litellm_provider: '   ' },
      { ...good, mode: '' },
      { ...good, max_input_tokens: '200k' },
      { ...good, max_tokens: -1 },
      { ...good, max_output_tokens: 2.5 },
      { ...good, supports_vision: 'yes' },
      { ...good, deprecation_date: 'soon' },
      { ...good, deprecation_date: '2026-13-01' },
      { ...good, input_cost_per_token: -0.1 },
      { ...good, supported_endpoints: ['/v1/chat', 3] },
      null,
      [],
      'x',
    ];
    const samples = [...Object.values(doc), ...bad, good];
    for (const sample of samples) expect(isValidEntry(sample)).toBe(runtime(sample));
    expect(bad.filter((b) => isValidEntry(b))).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The real LiteLLM document of 2026-07-24 (sha256 4c6858bb…fe51), gzipped and committed in the
 * repository's `fixtures/` so a clone alone runs every test. The shipped snapshot may be
 * refreshed; this copy never is, so the expected counts below stay true.
 */
const FIXTURE_GZ_PATH = new URL(
  '../../../../fixtures/litellm/model_prices_and_context_window.2026-07-24.json.gz',
  import.meta.url,
);

let cached: Buffer | undefined;
export function fixtureBytes(): Buffer {
  cached ??= gunzipSync(readFileSync(FIXTURE_GZ_PATH));
  return cached;
}

export function fixtureDocument(): Record<string, Record<string, unknown>> {
  return JSON.parse(fixtureBytes().toString('utf8'));
}

/** The date the expected counts of `litellm-data.md` hold for. */
export const FIXED_NOW = Date.parse('2026-11-24T12:00:00Z');

export const EXPECTED = {
  openai: 96,
  anthropic: 19,
  openaiWithDeprecated: 101,
  anthropicWithDeprecated: 24,
  all: 2279,
};

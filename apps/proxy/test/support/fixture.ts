import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The real LiteLLM document of 2026-07-24, beside the repository (`../shared`), read-only. */
export const FIXTURE_PATH = fileURLToPath(
  new URL(
    '../../../../../shared/fixtures/litellm/model_prices_and_context_window.2026-07-24.json',
    import.meta.url,
  ),
);

let cached: Buffer | undefined;
export function fixtureBytes(): Buffer {
  cached ??= readFileSync(FIXTURE_PATH);
  return cached;
}

export function fixtureDocument(): Record<string, Record<string, unknown>> {
  return JSON.parse(fixtureBytes().toString('utf8'));
}

/** The day the expected counts of `litellm-data.md` hold for. */
export const FIXED_NOW = Date.parse('2026-11-24T12:00:00Z');

export const EXPECTED = {
  openai: 96,
  anthropic: 19,
  openaiWithDeprecated: 101,
  anthropicWithDeprecated: 24,
  all: 2279,
} as const;

/** A clock pinned to {@link FIXED_NOW}: listed counts never depend on today's date. */
export const fixedClock = { now: (): number => FIXED_NOW };

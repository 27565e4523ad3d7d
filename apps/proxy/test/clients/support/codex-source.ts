/**
 * A Codex models cache as Codex 0.171 writes it (`$CODEX_HOME/models_cache.json`, measured),
 * with made-up instructions: the proxy's Codex source in the client suite. Codex's real prompts
 * live inside Codex and are never copied here; the test only needs to recognise these.
 */
import { writeFile } from 'node:fs/promises';
// One ModelInfo builder for every suite and the benchmark: the package's test support.
import { codexModelInfo } from '../../../../../packages/models-middleware/test/support/codex-model.mjs';

export interface SourceEntry {
  readonly slug: string;
  readonly instructions: string;
}

/** Slugs that LiteLLM's fixture lists too, so the proxy has both halves of each entry. */
export const SOURCE_ENTRIES: readonly SourceEntry[] = [
  { slug: 'gpt-5.3-codex', instructions: 'Client suite instructions for gpt-5.3-codex: answer in one word.' },
  { slug: 'gpt-5.1-codex-max', instructions: 'Client suite instructions for gpt-5.1-codex-max.' },
];

/** `{"models": [...]}` as an upstream Codex catalog answers (`ModelsResponse`). */
export function codexModelsBody(): { models: Record<string, unknown>[] } {
  return {
    models: SOURCE_ENTRIES.map((entry, i) =>
      codexModelInfo(entry.slug, {
        display_name: entry.slug,
        description: 'Made up by the client suite.',
        priority: i + 1,
        base_instructions: entry.instructions,
        support_verbosity: false,
        default_verbosity: null,
        truncation_policy: { mode: 'tokens', limit: 10_000 },
        context_window: 272_000,
      }),
    ),
  };
}

export async function writeCodexModelsCache(file: string): Promise<void> {
  const cache = {
    fetched_at: '2026-11-24T11:00:00Z',
    etag: '"client-suite"',
    client_version: '0.171.0',
    ...codexModelsBody(),
  };
  await writeFile(file, `${JSON.stringify(cache, null, 2)}\n`);
}

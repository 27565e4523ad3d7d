/**
 * A Codex models cache as Codex 0.171 writes it (`$CODEX_HOME/models_cache.json`, measured),
 * with made-up instructions: the proxy's Codex source in the client suite. Codex's real prompts
 * live inside Codex and are never copied here; the test only needs to recognise these.
 */
import { writeFile } from 'node:fs/promises';

export interface SourceEntry {
  readonly slug: string;
  readonly instructions: string;
}

/** Slugs that LiteLLM's fixture lists too, so the proxy has both halves of each entry. */
export const SOURCE_ENTRIES: readonly SourceEntry[] = [
  { slug: 'gpt-5.3-codex', instructions: 'Client suite instructions for gpt-5.3-codex: answer in one word.' },
  { slug: 'gpt-5.1-codex-max', instructions: 'Client suite instructions for gpt-5.1-codex-max.' },
];

function modelInfo(entry: SourceEntry, priority: number): Record<string, unknown> {
  return {
    slug: entry.slug,
    display_name: entry.slug,
    description: 'Made up by the client suite.',
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [
      { effort: 'low', description: 'Fast' },
      { effort: 'medium', description: 'Balanced' },
      { effort: 'high', description: 'Thorough' },
    ],
    shell_type: 'shell_command',
    visibility: 'list',
    supported_in_api: true,
    priority,
    upgrade: null,
    base_instructions: entry.instructions,
    supports_reasoning_summaries: true,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    supports_parallel_tool_calls: true,
    context_window: 272_000,
    experimental_supported_tools: [],
  };
}

/** `{"models": [...]}` as an upstream Codex catalog answers (`ModelsResponse`). */
export function codexModelsBody(): { models: Record<string, unknown>[] } {
  return { models: SOURCE_ENTRIES.map((entry, i) => modelInfo(entry, i + 1)) };
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

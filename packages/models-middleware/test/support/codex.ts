import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Codex `ModelInfo` entries in the shape of `codex-rs/protocol/src/openai_models.rs`, with short
 * made-up instructions: a test must show that the source's text is served untouched, and nothing
 * of Codex's own prompts belongs in this repository.
 */
export function codexModel(slug: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slug,
    display_name: slug.toUpperCase(),
    description: `Test model ${slug}.`,
    default_reasoning_level: 'medium',
    supported_reasoning_levels: [
      { effort: 'low', description: 'Fast' },
      { effort: 'medium', description: 'Balanced' },
      { effort: 'high', description: 'Deep' },
    ],
    shell_type: 'shell_command',
    visibility: 'list',
    supported_in_api: true,
    priority: 1,
    upgrade: null,
    base_instructions: `TEST INSTRUCTIONS ${slug}\nline two with "quotes" and unicode \u2014 ok`,
    supports_reasoning_summaries: true,
    support_verbosity: true,
    default_verbosity: 'low',
    apply_patch_tool_type: 'freeform',
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_parallel_tool_calls: true,
    experimental_supported_tools: [],
    ...extra,
  };
}

/** In LiteLLM (272000 tokens, vision): context_window and input_modalities are left to fill. */
export const ENTRY_A = codexModel('gpt-5.3-codex', {
  base_instructions: 'TEST INSTRUCTIONS A',
  model_messages: {
    instructions_template: 'TEST TEMPLATE A {{ personality }}',
    instructions_variables: {
      personality_default: '',
      personality_friendly: 'F',
      personality_pragmatic: 'P',
    },
  },
});
/** In LiteLLM without vision; its own context_window (a made-up 111) must win over LiteLLM's. */
export const ENTRY_B = codexModel('o3-mini', {
  base_instructions: 'TEST INSTRUCTIONS B',
  context_window: 111,
});
/** Unknown to LiteLLM: served exactly as read. */
export const ENTRY_C = codexModel('codex-test-only', {
  base_instructions: 'TEST INSTRUCTIONS C',
  visibility: 'hide',
  priority: 9,
  input_modalities: ['text'],
});
/** Codex could not decode it (no base_instructions): left out. */
export const ENTRY_BAD = (() => {
  const { base_instructions: _, ...rest } = codexModel('gpt-5.1-codex');
  return rest;
})();

/** The file Codex writes: `{fetched_at, etag, client_version, models}`, pretty-printed like serde's. */
export function codexCache(models: readonly unknown[]): string {
  return JSON.stringify(
    { fetched_at: '2026-11-24T11:59:00Z', etag: 'W/"test"', client_version: '0.171.0', models },
    null,
    2,
  );
}

/** Writes atomically (as an editor or Codex would), so a reader never sees half a file. */
export async function writeCodexCache(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

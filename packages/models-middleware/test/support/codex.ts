import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { codexModelInfo as codexModel } from './codex-model.mjs';

/** A Codex `ModelInfo` entry (see codex-model.mjs), its second argument over the defaults. */
export { codexModel };

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
/** No instructions at all (no base_instructions, no model_messages): left out. */
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

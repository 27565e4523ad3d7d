/**
 * A Codex `ModelInfo` entry in the shape of `codex-rs/protocol/src/openai_models.rs`: every field
 * Codex 0.171 requires, with short made-up instructions (nothing of Codex's own prompts belongs in
 * this repository), `fields` over the defaults in the defaults' key order. Plain JavaScript so the
 * benchmark (bench/common.mjs), which runs on Node without a TypeScript loader, builds the same
 * entries as the tests (support/codex.ts).
 */
export function codexModelInfo(slug, fields = {}) {
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
    ...fields,
  };
}

/** See codex-model.mjs. */
export function codexModelInfo(slug: string, fields?: Record<string, unknown>): Record<string, unknown>;

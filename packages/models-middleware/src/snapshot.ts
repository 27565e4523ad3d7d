import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseDocument } from './document.js';
import type { ModelSet } from './types.js';

const gunzipAsync = promisify(gunzip);

/** The LiteLLM document shipped in the package (`snapshot/`), resolved from src/ and dist/ alike. */
export const SNAPSHOT_PATH = new URL('../snapshot/model_prices_and_context_window.json.gz', import.meta.url);

/** Reads and validates the shipped snapshot. Rejects when it is missing or broken. */
export async function loadSnapshot(path: URL | string = SNAPSHOT_PATH): Promise<ModelSet> {
  const compressed = await readFile(path);
  const body = await gunzipAsync(compressed);
  return parseDocument(body, 'snapshot');
}

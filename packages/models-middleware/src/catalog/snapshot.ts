import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseDocument } from '../document.js';
import type { ModelSet } from '../types.js';
import type { CatalogEntry } from './entry.js';

const gunzipAsync = promisify(gunzip);

/** The LiteLLM document shipped in the package (`snapshot/`), resolved from src/ and dist/ alike. */
const SNAPSHOT_PATH = new URL('../../snapshot/model_prices_and_context_window.json.gz', import.meta.url);

/** Reads and validates the shipped snapshot. Rejects when it is missing or broken. */
async function loadSnapshot(path: URL | string = SNAPSHOT_PATH): Promise<ModelSet> {
  const compressed = await readFile(path);
  const body = await gunzipAsync(compressed);
  return parseDocument(body, 'snapshot');
}

/**
 * The snapshot tier: loaded once on first need, joined across concurrent callers. A failure is
 * final (the package's own file will not appear later) and is passed to `onError` once.
 */
export class SnapshotTier {
  #loaded: Promise<CatalogEntry | undefined> | undefined;
  #failed = false;

  constructor(
    readonly enabled: boolean,
    readonly onError: (error: unknown) => void,
    readonly path: URL | string = SNAPSHOT_PATH,
  ) {}

  /** Can answer (on, and not known broken): a cold request may then stop waiting for upstream. */
  get available(): boolean {
    return this.enabled && !this.#failed;
  }

  load(): Promise<CatalogEntry | undefined> {
    if (!this.available) return Promise.resolve(undefined);
    this.#loaded ??= loadSnapshot(this.path).then(
      (models): CatalogEntry => ({ models, origin: 'snapshot', fetchedAt: null }),
      (error: unknown) => {
        this.#failed = true;
        this.onError(error);
        return undefined;
      },
    );
    return this.#loaded;
  }
}

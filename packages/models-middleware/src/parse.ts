import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createModelSet, parseDocument } from './document.js';
import { InvalidDocumentError } from './errors.js';
import type { ModelCard, ModelSet } from './types.js';

/** What the main thread sends a parse worker. */
export interface ParseRequest {
  readonly body: Uint8Array;
  readonly origin: string;
}

/** What a parse worker answers. */
export type ParseReply =
  | {
      readonly ok: true;
      readonly chunks: readonly string[];
      readonly invalid: number;
      readonly version: string;
    }
  | { readonly ok: false; readonly detail: string };

// Built code has the worker beside it; running from TypeScript sources (tests) it has not, and the
// document is then parsed on the calling thread, with the same result.
const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
export const WORKER_AVAILABLE = existsSync(WORKER_FILE);

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Parses a fetched document without stalling the requests the process serves: JSON.parse,
 * validation and card building (~40 ms for the real document) run in a short-lived worker, and
 * the cards come back in chunks taken one per event-loop turn. Rejects with InvalidDocumentError.
 */
export async function parseOffThread(body: Buffer, origin: string, signal?: AbortSignal): Promise<ModelSet> {
  if (!WORKER_AVAILABLE) return parseDocument(body, origin);
  const reply = await new Promise<ParseReply>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, { workerData: { body, origin } satisfies ParseRequest });
    const abort = () => void worker.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      reject(new InvalidDocumentError(origin, `parse worker exited with code ${code} before answering`));
    });
  });
  if (!reply.ok) throw new InvalidDocumentError(origin, reply.detail);
  const cards: ModelCard[] = [];
  for (const chunk of reply.chunks) {
    await nextTick();
    for (const card of JSON.parse(chunk) as ModelCard[]) cards.push(card);
  }
  return createModelSet(cards, reply.invalid, reply.version);
}

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { documentVersion, parseDocumentAs } from './document.js';
import { InvalidDocumentError } from './errors.js';
import { indexedModelSet } from './model-set.js';
import type { ModelCard, ModelSet } from './types.js';

/** What the main thread sends a parse worker. */
export interface ParseRequest {
  readonly id: number;
  readonly body: Uint8Array;
  readonly origin: string;
  /** The version of the set the caller holds: the same bytes are answered `unchanged`. */
  readonly known?: string;
  /**
   * The caller holds the very set this worker answered last (version `known`): cards equal to
   * those sent then may come back as their places in that set's `cards`, and the caller reuses
   * its own cards.
   */
  readonly delta: boolean;
}

/** What a parse worker answers. */
export type ParseReply =
  | {
      readonly id: number;
      readonly ok: true;
      /**
       * JSON arrays of the cards in order: a card, or (under `delta`) a run of cards that did not
       * change as `[from, count]`, their places in the `cards` of the set the caller holds.
       */
      readonly chunks: readonly string[];
      readonly invalid: number;
      readonly version: string;
    }
  | { readonly id: number; readonly ok: true; readonly unchanged: true }
  | { readonly id: number; readonly ok: false; readonly detail: string };

export interface ParseOptions {
  /** Aborting it stops the worker (the parse rejects). */
  readonly signal?: AbortSignal;
  /** How long the worker may take to answer, in ms. @default 30_000 */
  readonly deadlineMs?: number;
  /**
   * The set the caller holds now: a document with its version (the same bytes) gives it back
   * unparsed. The bytes are hashed in the worker, not on the calling thread (~15 ms for 5 MB).
   */
  readonly known?: ModelSet;
  /**
   * Hand the body's memory to the worker instead of copying it (a 5 MB structured clone blocks
   * the event loop for ~10 ms): `body` is empty afterwards. Only for a caller that owns the body
   * and reads nothing from it after this call. A body that shares its memory (a pooled Buffer) is
   * copied anyway. @default false
   */
  readonly transfer?: boolean;
}

// Built code has the worker beside it; running from TypeScript sources (tests) it has not, and the
// document is then parsed on the calling thread, with the same result.
const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
export const WORKER_AVAILABLE = existsSync(WORKER_FILE);

/** A worker unused this long exits, so an idle catalog holds no thread. */
const WORKER_IDLE_MS = 30_000;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Parses fetched documents without stalling the requests the process serves: JSON.parse,
 * validation and card building (~40 ms for the real document) run in a worker thread, and the
 * cards come back in chunks taken one per event-loop turn. The worker is started on first use,
 * kept while refreshes come, and ends after {@link WORKER_IDLE_MS} idle or on `close()`.
 */
export class DocumentParser {
  #worker: Worker | undefined;
  #idle: NodeJS.Timeout | undefined;
  #nextId = 1;
  #closed = false;
  /** The set the worker built last, whose unchanged cards the next answer may refer to by id. */
  #lastBuilt: ModelSet | undefined;

  /**
   * Rejects with InvalidDocumentError, when `signal` aborts, or when the worker has not answered
   * within `deadlineMs` (a worker that never answers, say one from another build after an
   * in-place upgrade, must not hold every later refresh). One parse at a time per parser.
   */
  async parse(body: Buffer, origin: string, options: ParseOptions = {}): Promise<ModelSet> {
    const { signal, deadlineMs = 30_000, known, transfer = false } = options;
    if (!WORKER_AVAILABLE || this.#closed) {
      const version = documentVersion(body);
      return known !== undefined && known.version === version
        ? known
        : parseDocumentAs(body, origin, version);
    }
    clearTimeout(this.#idle);
    try {
      const delta = known !== undefined && known === this.#lastBuilt;
      this.#lastBuilt = undefined;
      const request: ParseRequest = { id: this.#nextId++, body, origin, known: known?.version, delta };
      const owned = transfer && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      const reply = await this.#ask(request, owned ? [body.buffer as ArrayBuffer] : [], signal, deadlineMs);
      if (!reply.ok) throw new InvalidDocumentError(origin, reply.detail);
      if ('unchanged' in reply) {
        if (known === undefined)
          throw new InvalidDocumentError(origin, 'parse worker answered unchanged unasked');
        if (delta) this.#lastBuilt = known;
        return known;
      }
      // The index is built chunk by chunk, between requests, not in one go at the end. Cards that
      // did not change since the worker's last answer come as runs of places in the set held: the
      // caller's own cards are reused, so a refresh that changes a few entries costs the event
      // loop a few cards and a pointer copy for the rest.
      const reused = delta && known !== undefined ? known.cards : [];
      const byId = new Map<string, ModelCard>();
      for (const chunk of reply.chunks) {
        await nextTurn();
        for (const item of JSON.parse(chunk) as (ModelCard | [number, number])[]) {
          if (!Array.isArray(item)) {
            byId.set(item.id, item);
            continue;
          }
          const [from, count] = item;
          if (!(from >= 0 && count > 0 && from + count <= reused.length)) {
            throw new InvalidDocumentError(
              origin,
              `parse worker referred to unknown cards ${JSON.stringify(item)}`,
            );
          }
          for (let at = from; at < from + count; at++) {
            const card = reused[at] as ModelCard;
            byId.set(card.id, card);
          }
        }
      }
      await nextTurn();
      const set = indexedModelSet(byId, reply.invalid, reply.version);
      this.#lastBuilt = set;
      return set;
    } finally {
      if (this.#worker !== undefined && !this.#closed) {
        this.#idle = setTimeout(() => this.#stop(), WORKER_IDLE_MS);
        this.#idle.unref();
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idle);
    await this.#stop();
  }

  #ask(
    request: ParseRequest,
    transferList: ArrayBuffer[],
    signal: AbortSignal | undefined,
    deadlineMs: number,
  ): Promise<ParseReply> {
    const { id, origin } = request;
    const worker = this.#start();
    // Keeps the process alive while it waits for the answer (a CLI's refresh, say).
    worker.ref();
    return new Promise<ParseReply>((resolve, reject) => {
      const deadline = setTimeout(() => {
        cleanup();
        void this.#stop();
        reject(new InvalidDocumentError(origin, `parse worker did not answer within ${deadlineMs} ms`));
      }, deadlineMs);
      const cleanup = () => {
        clearTimeout(deadline);
        worker.unref();
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (reply: ParseReply) => {
        if (reply.id !== id) return;
        cleanup();
        resolve(reply);
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new InvalidDocumentError(origin, `parse worker failed: ${error.message}`, { cause: error }));
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new InvalidDocumentError(origin, `parse worker exited with code ${code} before answering`));
      };
      const onAbort = () => void this.#stop();
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(request, transferList);
    });
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_FILE);
    // An idle worker must not keep the process alive.
    worker.unref();
    worker.once('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
    });
    this.#worker = worker;
    return worker;
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}

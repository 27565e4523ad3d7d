/**
 * Worker-thread entry: parses and validates LiteLLM documents away from the event loop that
 * serves requests, and sends the cards back as small JSON chunks the main thread can take in
 * between requests. The worker stays up between refreshes until it idles out.
 */

import { parentPort } from 'node:worker_threads';
import equal from 'fast-deep-equal';
import { documentVersion, readDocument } from './document.js';
import { InvalidDocumentError } from './errors.js';
import { cardOf, type SortedEntries } from './model-set.js';
import type { ParseReply, ParseRequest } from './parse.js';

/** A chunk ends after this many cards built, or this many reused: one event-loop turn of work each. */
const BUILT_PER_CHUNK = 200;
const REUSED_PER_CHUNK = 4000;

/**
 * What this worker answered last: its version, the entries it read (a refresh compares each new
 * entry with the one under the same id), and each card's place in that answer (the `cards` of the
 * set the caller built from it).
 */
let last:
  | {
      readonly version: string;
      readonly entries: SortedEntries['entries'];
      readonly places: ReadonlyMap<string, number>;
    }
  | undefined;

/**
 * A card depends on its id and its entry alone, so an entry equal to the one under the same id in
 * the last document gives the card sent then: it is neither checked nor built again, and goes back
 * as its place in the caller's set, consecutive ones as one run. A refresh that changes a few
 * entries of 30,000 costs the comparisons (~45 ms at 10x the real document) instead of checking,
 * building and serialising every card (~250 ms), and the caller a pointer copy per card.
 */
function run({ id, body, origin, known, delta }: ParseRequest): ParseReply {
  try {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const version = documentVersion(bytes);
    if (version === known) return { id, ok: true, unchanged: true };
    const previous = delta && last !== undefined && last.version === known ? last : undefined;
    last = undefined;
    const sorted = readDocument(bytes, origin);
    const chunks = new ChunkWriter();
    const places = new Map<string, number>();
    let invalid = sorted.unfiled;
    for (const modelId of sorted.ids) {
      const entry = sorted.entries[modelId];
      const before = previous?.entries[modelId];
      if (before !== undefined && equal(before, entry)) {
        // The same entry: the same card, or the same failure.
        const place = previous?.places.get(modelId);
        if (place === undefined) invalid++;
        else {
          places.set(modelId, places.size);
          chunks.reuse(place);
        }
        continue;
      }
      const card = cardOf(modelId, entry);
      if (card === undefined) invalid++;
      else {
        places.set(modelId, places.size);
        chunks.build(JSON.stringify(card));
      }
    }
    last = { version, entries: sorted.entries, places };
    return { id, ok: true, chunks: chunks.end(), invalid, version };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return { id, ok: false, detail: error.detail };
    return { id, ok: false, detail: `could not be parsed: ${String(error)}` };
  }
}

/** The reply's chunks: cards as JSON, reused cards as runs `[from, count]` of their places. */
class ChunkWriter {
  readonly #chunks: string[] = [];
  #items: string[] = [];
  #built = 0;
  #reused = 0;
  #run: { from: number; count: number } | undefined;

  build(json: string): void {
    this.#closeRun();
    this.#items.push(json);
    if (++this.#built === BUILT_PER_CHUNK) this.#flush();
  }

  reuse(place: number): void {
    const run = this.#run;
    if (run !== undefined && run.from + run.count === place) run.count++;
    else {
      this.#closeRun();
      this.#run = { from: place, count: 1 };
    }
    if (++this.#reused === REUSED_PER_CHUNK) this.#flush();
  }

  end(): string[] {
    this.#flush();
    return this.#chunks;
  }

  #closeRun(): void {
    if (this.#run !== undefined) this.#items.push(`[${this.#run.from},${this.#run.count}]`);
    this.#run = undefined;
  }

  #flush(): void {
    this.#closeRun();
    if (this.#items.length > 0) this.#chunks.push(`[${this.#items.join(',')}]`);
    this.#items = [];
    this.#built = 0;
    this.#reused = 0;
  }
}

parentPort?.on('message', (request: ParseRequest) => parentPort?.postMessage(run(request)));

/**
 * Worker-thread entry: parses and validates LiteLLM documents away from the event loop that
 * serves requests, and sends the cards back as small JSON chunks the main thread can take in
 * between requests. The worker stays up between refreshes (Ajv compiles once) until it idles out.
 */
import { parentPort } from 'node:worker_threads';
import { documentVersion, parseDocumentAs } from './document.js';
import { InvalidDocumentError } from './errors.js';
import type { ParseReply, ParseRequest } from './parse.js';

const CARDS_PER_CHUNK = 200;

/** What this worker answered last: its version and each card as sent, to send unchanged ones by id. */
let last: { readonly version: string; readonly sent: ReadonlyMap<string, string> } | undefined;

function run({ id, body, origin, known, delta }: ParseRequest): ParseReply {
  try {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const version = documentVersion(bytes);
    if (version === known) return { id, ok: true, unchanged: true };
    const previous = delta && last !== undefined && last.version === known ? last.sent : undefined;
    last = undefined;
    const set = parseDocumentAs(bytes, origin, version);
    const sent = new Map<string, string>();
    const chunks: string[] = [];
    let items: string[] = [];
    for (const card of set.cards) {
      const text = JSON.stringify(card);
      sent.set(card.id, text);
      items.push(previous?.get(card.id) === text ? JSON.stringify(card.id) : text);
      if (items.length === CARDS_PER_CHUNK) {
        chunks.push(`[${items.join(',')}]`);
        items = [];
      }
    }
    if (items.length > 0) chunks.push(`[${items.join(',')}]`);
    last = { version: set.version, sent };
    return { id, ok: true, chunks, invalid: set.invalid, version: set.version };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return { id, ok: false, detail: error.detail };
    return { id, ok: false, detail: `could not be parsed: ${String(error)}` };
  }
}

parentPort?.on('message', (request: ParseRequest) => parentPort?.postMessage(run(request)));

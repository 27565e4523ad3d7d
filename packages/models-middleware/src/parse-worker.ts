/**
 * Worker-thread entry: parses and validates LiteLLM documents away from the event loop that
 * serves requests, and sends the cards back as small JSON chunks the main thread can take in
 * between requests. The worker stays up between refreshes (Ajv compiles once) until it idles out.
 */
import { parentPort } from 'node:worker_threads';
import { documentVersion, parseDocument } from './document.js';
import { InvalidDocumentError } from './errors.js';
import type { ParseReply, ParseRequest } from './parse.js';

const CARDS_PER_CHUNK = 200;

function run({ id, body, origin, known }: ParseRequest): ParseReply {
  try {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (known !== undefined && documentVersion(bytes) === known) return { id, ok: true, unchanged: true };
    const set = parseDocument(bytes, origin);
    const chunks: string[] = [];
    for (let i = 0; i < set.cards.length; i += CARDS_PER_CHUNK) {
      chunks.push(JSON.stringify(set.cards.slice(i, i + CARDS_PER_CHUNK)));
    }
    return { id, ok: true, chunks, invalid: set.invalid, version: set.version };
  } catch (error) {
    if (error instanceof InvalidDocumentError) return { id, ok: false, detail: error.detail };
    return { id, ok: false, detail: `could not be parsed: ${String(error)}` };
  }
}

parentPort?.on('message', (request: ParseRequest) => parentPort?.postMessage(run(request)));

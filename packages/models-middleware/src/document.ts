import { InvalidDocumentError } from './errors.js';
import { documentModelSet, hash, type SortedEntries } from './model-set.js';
import type { ModelCard, ModelSet } from './types.js';

/** Top-level keys that document the format or hold rules rather than models. */
const NOT_MODELS: ReadonlySet<string> = new Set(['sample_spec', 'fallback_generalizations']);
/** Keys that could reach a prototype if any consumer assigned by key; never a real model id. */
const FORBIDDEN_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a LiteLLM document and keeps every entry that passes the schema (checked per provider,
 * when its cards are first read). Throws
 * InvalidDocumentError only when the document as a whole is unusable (not JSON, not an object);
 * a bad entry is dropped and counted.
 */
export function parseDocument(body: Buffer | string, origin: string): ModelSet {
  // Hashing the bytes is ~20x cheaper than hashing the cards, and a document that changed only
  // in fields we do not read still counts as a new version, which is true.
  return parseDocumentAs(body, origin, documentVersion(body));
}

/**
 * parseDocument for a caller that has hashed the bytes already (to compare them with the set it
 * holds), so a changed document is hashed once, not twice. `version` must be `documentVersion(body)`.
 */
export function parseDocumentAs(body: Buffer | string, origin: string, version: string): ModelSet {
  return documentModelSet(readDocument(body, origin), version);
}

/**
 * The document's model entries, unchecked, in document order with each one's provider: only what
 * sorts them is read here. The schema check and the cards come per provider, when a router first asks
 * for it (model-set.ts), or per changed entry in the parse worker.
 */
export function readDocument(body: Buffer | string, origin: string): SortedEntries {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new InvalidDocumentError(origin, 'body is not JSON', { cause: error });
  }
  if (!isPlainObject(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw new InvalidDocumentError(origin, `document is ${kind}, not a JSON object`);
  }
  const ids: string[] = [];
  const providers: string[] = [];
  let unfiled = 0;
  for (const id of Object.keys(parsed)) {
    if (NOT_MODELS.has(id)) continue;
    const entry = parsed[id];
    if (!isPlainObject(entry)) continue;
    const provider = entry.litellm_provider;
    // Without a string provider an entry fails the schema, whatever else it holds.
    if (typeof provider !== 'string' || FORBIDDEN_IDS.has(id) || id.length === 0) {
      unfiled++;
      continue;
    }
    ids.push(id);
    providers.push(provider);
  }
  return { entries: parsed as Record<string, Record<string, unknown>>, ids, providers, unfiled };
}

/** The version a document's bytes give its set: compare it before parsing to skip unchanged documents. */
export function documentVersion(body: Buffer | string): string {
  return hash(body);
}

/**
 * Model ids in `next` but not in `prev`, and the reverse, each in its set's order. Both sets are
 * walked side by side: where they hold the same id at the walk's position (a refresh leaves most
 * of the document as it was) that id is in both and costs no lookup; only the ids around an
 * insertion, a removal or a move are looked up in the other set's index, and an insertion or a
 * removal puts the walk back in step. A refresh of 30,000 models that changes a few of them costs
 * the event loop a pointer comparison per model instead of two lookups.
 */
export function diffModelSets(
  prev: ModelSet | undefined,
  next: ModelSet,
): { added: string[]; removed: string[] } {
  if (prev === undefined) return { added: next.cards.map((card) => card.id), removed: [] };
  const before = prev.cards;
  const after = next.cards;
  const added: string[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    const was = before[i] as ModelCard;
    const is = after[j] as ModelCard;
    // The same card object (what a refresh hands back for an unchanged entry): not even its id is read.
    if (was === is) {
      i++;
      j++;
      continue;
    }
    const old = was.id;
    const id = is.id;
    if (old === id) {
      i++;
      j++;
    } else if (!prev.byId.has(id)) {
      added.push(id);
      j++;
    } else if (!next.byId.has(old)) {
      removed.push(old);
      i++;
    } else {
      // Both ids are in both sets, elsewhere (a move): neither is added nor removed.
      i++;
      j++;
    }
  }
  for (; j < after.length; j++) {
    const id = (after[j] as ModelCard).id;
    if (!prev.byId.has(id)) added.push(id);
  }
  for (; i < before.length; i++) {
    const old = (before[i] as ModelCard).id;
    if (!next.byId.has(old)) removed.push(old);
  }
  return { added, removed };
}

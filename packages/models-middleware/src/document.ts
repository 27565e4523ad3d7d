import { createHash } from 'node:crypto';
import { toCard } from './card.js';
import { InvalidDocumentError } from './errors.js';
import { isValidEntry } from './schema.js';
import type { ModelCard, ModelSet } from './types.js';

/** Top-level keys that document the format or hold rules rather than models. */
const NOT_MODELS: ReadonlySet<string> = new Set(['sample_spec', 'fallback_generalizations']);
/** Keys that could reach a prototype if any consumer assigned by key; never a real model id. */
const FORBIDDEN_IDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a LiteLLM document and keeps every entry that passes the schema. Throws
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
  const cards: ModelCard[] = [];
  let invalid = 0;
  for (const id of Object.keys(parsed)) {
    if (NOT_MODELS.has(id)) continue;
    const entry = parsed[id];
    if (!isPlainObject(entry)) continue;
    if (FORBIDDEN_IDS.has(id) || id.length === 0 || !isValidEntry(entry)) {
      invalid++;
      continue;
    }
    cards.push(toCard(id, entry));
  }
  return createModelSet(cards, invalid, version);
}

/** Builds the immutable set (index and version) around cards, e.g. ones read back from disk. */
export function createModelSet(cards: readonly ModelCard[], invalid: number, version?: string): ModelSet {
  const byId = new Map<string, ModelCard>();
  for (const card of cards) byId.set(card.id, card);
  return indexedModelSet(byId, invalid, version ?? hash(JSON.stringify(cards)));
}

/** The set around an index already built (a later duplicate id having replaced an earlier one). */
export function indexedModelSet(byId: Map<string, ModelCard>, invalid: number, version: string): ModelSet {
  return Object.freeze({
    cards: Object.freeze([...byId.values()]),
    byId,
    invalid,
    version,
  });
}

/** The version a document's bytes give its set: compare it before parsing to skip unchanged documents. */
export function documentVersion(body: Buffer | string): string {
  return hash(body);
}

/** A short content hash: equal inputs, equal versions. */
function hash(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}

/** Model ids in `next` but not in `prev`, and the reverse. */
export function diffModelSets(
  prev: ModelSet | undefined,
  next: ModelSet,
): { added: string[]; removed: string[] } {
  const before = prev?.byId ?? new Map<string, ModelCard>();
  const added = next.cards.filter((card) => !before.has(card.id)).map((card) => card.id);
  const removed = prev ? prev.cards.filter((card) => !next.byId.has(card.id)).map((card) => card.id) : [];
  return { added, removed };
}

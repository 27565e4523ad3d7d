/**
 * Model sets: the cards of one document version, indexed by id. A set parsed from a document is
 * built one provider at a time, when something first asks for that provider: a cold request for
 * the OpenAI list validates and builds the ~200 OpenAI entries, not the ~3,000 of every provider,
 * and the rest is built once that answer is out (`completeSoon`). Anything that reads the whole
 * set (`cards`, `byId`, `invalid`) builds the rest first, so every reader sees the same set.
 */
import { createHash } from 'node:crypto';
import { toCard } from './card.js';
import { isValidEntry } from './schema.js';
import type { ModelCard, ModelSet } from './types.js';

/** One provider's cards of a set, in document order. */
export interface ProviderModels {
  readonly cards: readonly ModelCard[];
  readonly byId: ReadonlyMap<string, ModelCard>;
}

/**
 * A parsed document's model entries, not yet validated: each a plain object with a string
 * `litellm_provider`, under its id; the ids in document order, and each id's provider beside it.
 */
export interface SortedEntries {
  readonly entries: Readonly<Record<string, Record<string, unknown>>>;
  readonly ids: readonly string[];
  /** `providers[i]` is the `litellm_provider` of `ids[i]`. */
  readonly providers: readonly string[];
  /** Entries left out as invalid before any schema check (no provider to file them under). */
  readonly unfiled: number;
}

interface Built {
  readonly cards: readonly ModelCard[];
  readonly byId: Map<string, ModelCard>;
  readonly invalid: number;
}

/**
 * The set of a parsed document. Until it is complete it holds the parsed entries and, per
 * provider, the ids of its entries; each provider's part is validated and built on first use and
 * kept, and the whole set reuses those cards, so a card is built once whatever asks first.
 */
class DocumentModelSet implements ModelSet {
  readonly version: string;
  /** The entries, and their ids by provider; dropped once the set is complete. */
  #pending: { readonly document: SortedEntries; readonly byProvider: Map<string, string[]> } | undefined;
  readonly #parts = new Map<string, Built>();
  #whole: Built | undefined;

  constructor(entries: SortedEntries, version: string) {
    this.version = version;
    const byProvider = new Map<string, string[]>();
    const { ids, providers } = entries;
    for (let i = 0; i < ids.length; i++) {
      const provider = providers[i] as string;
      const group = byProvider.get(provider);
      if (group === undefined) byProvider.set(provider, [ids[i] as string]);
      else group.push(ids[i] as string);
    }
    this.#pending = { document: entries, byProvider };
  }

  get cards(): readonly ModelCard[] {
    return this.#complete().cards;
  }

  get byId(): ReadonlyMap<string, ModelCard> {
    return this.#complete().byId;
  }

  get invalid(): number {
    return this.#complete().invalid;
  }

  get complete(): boolean {
    return this.#whole !== undefined;
  }

  ofProvider(provider: string): ProviderModels {
    return this.#part(provider);
  }

  /** Whether at least `count` entries are valid, validating no more of them than that takes. */
  hasAtLeast(count: number): boolean {
    const pending = this.#pending;
    if (pending === undefined) return this.cards.length >= count;
    const { ids, entries } = pending.document;
    let valid = 0;
    for (const id of ids) {
      if (valid >= count) return true;
      if (isValidEntry(entries[id])) valid++;
    }
    return valid >= count;
  }

  /** The provider's part, built on first use; once the set is complete every part is kept. */
  #part(provider: string): Built {
    const kept = this.#parts.get(provider);
    if (kept !== undefined) return kept;
    const pending = this.#pending;
    if (pending === undefined) return EMPTY_PART;
    const { entries } = pending.document;
    const cards: ModelCard[] = [];
    const byId = new Map<string, ModelCard>();
    let invalid = 0;
    for (const id of pending.byProvider.get(provider) ?? []) {
      const card = cardOf(id, entries[id]);
      if (card === undefined) {
        invalid++;
        continue;
      }
      cards.push(card);
      byId.set(id, card);
    }
    const part: Built = { cards: Object.freeze(cards), byId, invalid };
    this.#parts.set(provider, part);
    return part;
  }

  #complete(): Built {
    const pending = this.#pending;
    if (pending === undefined) return this.#whole as Built;
    const { ids, providers, unfiled } = pending.document;
    let invalid = unfiled;
    for (const provider of pending.byProvider.keys()) invalid += this.#part(provider).invalid;
    const byId = new Map<string, ModelCard>();
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const card = this.#parts.get(providers[i] as string)?.byId.get(id);
      if (card !== undefined) byId.set(id, card);
    }
    this.#whole = { cards: Object.freeze([...byId.values()]), byId, invalid };
    this.#pending = undefined;
    return this.#whole;
  }
}

const EMPTY_PART: Built = Object.freeze({ cards: Object.freeze([]), byId: new Map(), invalid: 0 });

/** The card of a document entry, or undefined when the entry fails the schema. */
export function cardOf(id: string, entry: unknown): ModelCard | undefined {
  return isValidEntry(entry) ? toCard(id, entry) : undefined;
}

/** The set of a parsed document's entries, each provider's part validated and built on first use. */
export function documentModelSet(entries: SortedEntries, version: string): ModelSet {
  return new DocumentModelSet(entries, version);
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

/** A short content hash: equal inputs, equal versions. */
export function hash(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}

/** Each set's providers, for sets built whole: filtered once per provider asked for. */
const partsOfBuilt = new WeakMap<ModelSet, Map<string, ProviderModels>>();

/** The cards of one `litellm_provider` (`owned_by`), in document order; builds only those when it can. */
export function modelsOf(models: ModelSet, provider: string): ProviderModels {
  if (models instanceof DocumentModelSet) return models.ofProvider(provider);
  let parts = partsOfBuilt.get(models);
  if (parts === undefined) {
    parts = new Map();
    partsOfBuilt.set(models, parts);
  }
  let part = parts.get(provider);
  if (part === undefined) {
    const cards = models.cards.filter((card) => card.owned_by === provider);
    part = { cards, byId: new Map(cards.map((card) => [card.id, card])) };
    parts.set(provider, part);
  }
  return part;
}

/** Whether the set has at least `count` valid models, validating no more entries than it takes. */
export function hasAtLeast(models: ModelSet, count: number): boolean {
  return models instanceof DocumentModelSet ? models.hasAtLeast(count) : models.cards.length >= count;
}

/** Whether reading the whole set now costs nothing (it is built whole). */
export function isComplete(models: ModelSet): boolean {
  return !(models instanceof DocumentModelSet) || models.complete;
}

/**
 * Resolves once the whole set is built: at once for a complete set, else in a later turn of the
 * event loop, after the answers waiting for this set (which need only their providers) are out.
 * A throw while building rejects: it never reaches the event loop.
 */
export function completeSoon(models: ModelSet): Promise<void> {
  if (isComplete(models)) return Promise.resolve();
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        void models.cards;
        resolve();
      } catch (error) {
        reject(error);
      }
    }),
  );
}

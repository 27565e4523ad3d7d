/**
 * Records shared across processes through the store: the cards under one key, the freshness
 * ("meta") under another, so a process that already holds a version reads only the small key.
 * Newest wins: a record is adopted only when it is newer than the copy held, and written only
 * when nothing newer is stored.
 */

import { createModelSet } from '../model-set.js';
import type { ModelCard } from '../types.js';
import type { CatalogEntry } from './entry.js';
import type { CatalogStore } from './store.js';

/** Bumped whenever the record or card layout changes: older records are ignored, not misread. */
const RECORD_VERSION = 1;
const META_PREFIX = 'meta:';

/** What the store keeps per source: the last good catalog and what is needed to revalidate it. */
export interface DiskRecord {
  readonly url: string;
  readonly etag?: string | undefined;
  readonly lastModified?: string | undefined;
  /** When the document was fetched or last confirmed by a 304, in ms since the epoch. */
  readonly fetchedAt: number;
  readonly version: string;
  readonly invalid: number;
  readonly cards: readonly ModelCard[];
}

/** The freshness half of a record, stored under its own key. */
type DiskMeta = Pick<DiskRecord, 'url' | 'etag' | 'lastModified' | 'fetchedAt' | 'version'>;

function metaOf(record: DiskMeta): DiskMeta {
  const { url, etag, lastModified, fetchedAt, version } = record;
  return { url, etag, lastModified, fetchedAt, version };
}

function decodeMeta(value: unknown, url: string): DiskMeta | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const meta = value as DiskMeta & { v?: unknown };
  if (meta.v !== RECORD_VERSION || meta.url !== url) return undefined;
  if (typeof meta.fetchedAt !== 'number' || typeof meta.version !== 'string') return undefined;
  return metaOf(meta);
}

const isCard = (value: unknown): value is ModelCard =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ModelCard).id === 'string' &&
  typeof (value as ModelCard).owned_by === 'string';

function decodeRecord(value: unknown, url: string): DiskRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as DiskRecord & { v?: unknown };
  if (record.v !== RECORD_VERSION || record.url !== url) return undefined;
  if (typeof record.fetchedAt !== 'number' || typeof record.version !== 'string') return undefined;
  if (!Array.isArray(record.cards) || !record.cards.every(isCard)) return undefined;
  return record;
}

/** The stored record for `url`, or undefined when there is none, it is unreadable, or the tier is off. */
async function readRecord(store: CatalogStore, url: string): Promise<DiskRecord | undefined> {
  return decodeRecord(await store.get(url), url);
}

/** Freshness without the cards; derived from the cards key when a meta write was lost. */
async function readMeta(store: CatalogStore, url: string): Promise<DiskMeta | undefined> {
  const meta = decodeMeta(await store.get(META_PREFIX + url), url);
  if (meta !== undefined) return meta;
  const record = await readRecord(store, url);
  return record === undefined ? undefined : metaOf(record);
}

/** Stores a record; `cards: false` renews only the meta key (a 304 or the same document again). */
export async function writeRecord(
  store: CatalogStore,
  record: DiskRecord,
  { cards = true }: { cards?: boolean } = {},
): Promise<boolean> {
  if (cards && !(await store.set(record.url, { v: RECORD_VERSION, ...record }))) return false;
  return store.set(META_PREFIX + record.url, { v: RECORD_VERSION, ...metaOf(record) });
}

/** The stored document when it is newer than `held`; `undefined` otherwise. */
export async function readNewer(
  store: CatalogStore,
  url: string,
  held: CatalogEntry | undefined,
): Promise<CatalogEntry | undefined> {
  const meta = await readMeta(store, url);
  if (meta === undefined) return undefined;
  if (held?.origin === 'upstream' && held.fetchedAt !== null && held.fetchedAt >= meta.fetchedAt)
    return undefined;
  const times = { etag: meta.etag, lastModified: meta.lastModified, fetchedAt: meta.fetchedAt };
  // Another process renewed the document we hold: take its times, keep the built set.
  if (held?.models.version === meta.version) return { ...held, origin: 'upstream', ...times };
  const record = await readRecord(store, url);
  if (record === undefined) return undefined;
  // The cards key and the meta key are written one after the other: trust the cards' own times
  // when another process is between the two writes.
  const own = record.version === meta.version ? times : record;
  return {
    models: createModelSet(record.cards, record.invalid, record.version),
    origin: 'upstream',
    etag: own.etag,
    lastModified: own.lastModified,
    fetchedAt: own.fetchedAt,
  };
}

/** Writes `entry` unless another process sharing the store wrote a newer document meanwhile; `true` once stored. */
export async function writeIfNewer(store: CatalogStore, url: string, entry: CatalogEntry): Promise<boolean> {
  if (entry.fetchedAt === null) return false;
  const record: DiskRecord = {
    url,
    etag: entry.etag,
    lastModified: entry.lastModified,
    fetchedAt: entry.fetchedAt,
    version: entry.models.version,
    invalid: entry.models.invalid,
    cards: entry.models.cards,
  };
  const stored = await readMeta(store, url);
  if (stored !== undefined && stored.fetchedAt > record.fetchedAt) return false;
  // Same document already stored: renew its times without rewriting every card.
  return writeRecord(store, record, { cards: stored?.version !== record.version });
}

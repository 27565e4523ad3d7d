/**
 * Diagnostics events: what the package does, published on `node:diagnostics_channel` so a host
 * can count it (Prometheus, OpenTelemetry, logs) without the package depending on any of them.
 *
 * Every helper returns at once when its channel has no subscriber: no payload is built, no diff is
 * computed, so the request path costs one property read per event when nobody listens. Helpers
 * take positional arguments for the same reason (no object is allocated before that check).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AvailabilityFormat } from './availability/upstream-list.js';
import type { Catalog } from './catalog/catalog.js';
import type { CodexAnswerSource } from './codex/codex-dialect.js';
import { diffModelSets } from './document.js';
import type { ModelsRouter } from './router.js';
import type { CatalogSource, ModelSet } from './types.js';

/** Every channel name starts with this. */
export const CHANNEL_PREFIX = 'ccproxy:models';

/** The channel names, for `diagnostics_channel.subscribe(MODELS_CHANNELS.list, onList)`. */
export const MODELS_CHANNELS = Object.freeze({
  /** {@link ListServedEvent}: a router answered `GET /models`. */
  list: `${CHANNEL_PREFIX}:list`,
  /** {@link RetrieveServedEvent}: a router answered `GET /models/:id`. */
  retrieve: `${CHANNEL_PREFIX}:retrieve`,
  /** {@link RefreshStartedEvent}: a catalog asks its upstream for the document. */
  refreshStart: `${CHANNEL_PREFIX}:refresh:start`,
  /** {@link RefreshFinishedEvent}: the upstream answered and the document was adopted (or renewed by a 304). */
  refreshFinish: `${CHANNEL_PREFIX}:refresh:finish`,
  /** {@link RefreshFailedEvent}: the fetch, parse or sanity check failed; the copy in use stays. */
  refreshFail: `${CHANNEL_PREFIX}:refresh:fail`,
  /** {@link FallbackUsedEvent}: the shipped snapshot or a router's fallback cards are being served. */
  fallback: `${CHANNEL_PREFIX}:fallback`,
  /** {@link StoreDegradedEvent}: the disk tier failed and was turned off. */
  storeDegraded: `${CHANNEL_PREFIX}:store:degraded`,
  /** {@link StoreRecoveredEvent}: the disk tier works again after having been turned off. */
  storeRecovered: `${CHANNEL_PREFIX}:store:recovered`,
  /** {@link StoreAdoptedEvent}: a document another process fetched was adopted from the shared store. */
  storeAdopt: `${CHANNEL_PREFIX}:store:adopt`,
  /** {@link AvailabilityLoadedEvent}: a router's provider list (the `availability` option) was loaded. */
  availabilityLoad: `${CHANNEL_PREFIX}:availability:load`,
  /** {@link AvailabilityFailedEvent}: the provider list could not be loaded or was refused; the last good one stays. */
  availabilityFail: `${CHANNEL_PREFIX}:availability:fail`,
});

export type ModelsChannelName = (typeof MODELS_CHANNELS)[keyof typeof MODELS_CHANNELS];

/** The wire format of an answer: `codex` is Codex's `{"models": [...]}`. */
export type ServedFormat = 'openai' | 'anthropic' | 'codex';

/** The tier that answered, or for a Codex answer where its entries came from (`codex-cache`, `codex-url`, `codex-none`). */
export type ServedSource = CatalogSource | CodexAnswerSource;

interface ServedEvent {
  /** The router that answered (a host mounting several tells them apart by it). */
  readonly router: ModelsRouter;
  /** The router's `provider` option. */
  readonly provider: string;
  readonly format: ServedFormat;
  /** The tier that answered; `fallback` when the router's own cards were served. */
  readonly source: ServedSource;
  /** The HTTP status sent: 200, 304, or 400 / 404 in the request's error format. */
  readonly status: number;
  readonly request: IncomingMessage;
}

export interface ListServedEvent extends ServedEvent {
  /**
   * Models the router lists: all pages of an Anthropic list, the whole list before an OpenAI
   * request's `?supports=`-style filters; Codex: the entries sent.
   */
  readonly models: number;
}

export interface RetrieveServedEvent extends ServedEvent {
  /** The decoded id asked for, listed or not: count it only when `found`. */
  readonly id: string;
  /** The id is in the router's list (status 200 or 304). */
  readonly found: boolean;
}

export interface RefreshStartedEvent {
  readonly catalog: Catalog;
  readonly url: string;
}

export interface RefreshFinishedEvent {
  readonly catalog: Catalog;
  readonly url: string;
  /** From the request to the adopted document, parse included. */
  readonly durationMs: number;
  /** Bytes downloaded (decompressed); 0 for a 304. */
  readonly bytes: number;
  /** The upstream answered 304: the copy in use was renewed without a download. */
  readonly notModified: boolean;
  /** The model set differs from the one held before (always true for the first document). */
  readonly changed: boolean;
  /** Model ids added and removed, all providers. */
  readonly added: number;
  readonly removed: number;
  /** Valid models in the new document, all providers. */
  readonly models: number;
}

export interface RefreshFailedEvent {
  readonly catalog: Catalog;
  readonly url: string;
  readonly durationMs: number;
  /** A `ModelsError` (`UpstreamHttpError`, `UpstreamTimeoutError`, `InvalidDocumentError`, ...). */
  readonly error: Error;
}

export interface FallbackUsedEvent {
  readonly catalog: Catalog;
  readonly url: string;
  /** `snapshot`: the catalog serves the document shipped in the package; `fallback`: a router serves its own cards. */
  readonly kind: 'snapshot' | 'fallback';
  /** The router's provider for `fallback`; `null` for `snapshot` (it serves every router of the catalog). */
  readonly provider: string | null;
  /** Models now served: the snapshot's, or the router's fallback cards. */
  readonly models: number;
}

export interface StoreDegradedEvent {
  /** The store call that failed: `open`, `get`, `set`, `close`. */
  readonly operation: string;
  /** A `StoreError` with the store's own error in `cause`. */
  readonly error: Error;
}

export interface StoreRecoveredEvent {
  /** The fault that had turned the tier off, when known. */
  readonly previousError: Error | null;
  /** How long the tier was off, in ms, when known. */
  readonly degradedMs: number | null;
}

export interface StoreAdoptedEvent {
  readonly catalog: Catalog;
  readonly url: string;
  /** The adopted document's version (a hash of its cards). */
  readonly version: string;
  /** When the process that fetched it did so (ms since the epoch). */
  readonly fetchedAt: number | null;
  /** The model set differs from the one held before (`false`: only its times were renewed). */
  readonly changed: boolean;
  /** What made the process look: another process's `announcement`, or its own `poll` of the store. */
  readonly via: 'announcement' | 'poll';
}

/** What both availability events say of the list (never its key, nor the URL's query). */
interface AvailabilityEventBase {
  readonly router: ModelsRouter;
  readonly provider: string;
  /** The list's URL without its query. */
  readonly url: string;
  readonly format: AvailabilityFormat;
  /** `client`: the list of one client's key (which the event does not name). */
  readonly credentials: 'operator' | 'client';
}

export interface AvailabilityLoadedEvent extends AvailabilityEventBase {
  /** Ids in the list. */
  readonly models: number;
  /** `upstream`: fetched now; `store`: read back from the shared store (a restart, another process). */
  readonly from: 'upstream' | 'store';
}

export interface AvailabilityFailedEvent extends AvailabilityEventBase {
  /** A `ModelsError` (`UpstreamHttpError` for a 401/403/429, `InvalidDocumentError`, ...). */
  readonly error: Error;
}

/** What the availability lists report, before the router adds itself. */
export type AvailabilityReport =
  | ({ readonly kind: 'loaded' } & Omit<AvailabilityLoadedEvent, 'router' | 'provider'>)
  | ({ readonly kind: 'failed' } & Omit<AvailabilityFailedEvent, 'router' | 'provider'>);

const list = diagnosticsChannel.channel(MODELS_CHANNELS.list);
const retrieve = diagnosticsChannel.channel(MODELS_CHANNELS.retrieve);
const refreshStart = diagnosticsChannel.channel(MODELS_CHANNELS.refreshStart);
const refreshFinish = diagnosticsChannel.channel(MODELS_CHANNELS.refreshFinish);
const refreshFail = diagnosticsChannel.channel(MODELS_CHANNELS.refreshFail);
const fallback = diagnosticsChannel.channel(MODELS_CHANNELS.fallback);
const storeDegraded = diagnosticsChannel.channel(MODELS_CHANNELS.storeDegraded);
const storeRecovered = diagnosticsChannel.channel(MODELS_CHANNELS.storeRecovered);
const storeAdopt = diagnosticsChannel.channel(MODELS_CHANNELS.storeAdopt);
const availabilityLoad = diagnosticsChannel.channel(MODELS_CHANNELS.availabilityLoad);
const availabilityFail = diagnosticsChannel.channel(MODELS_CHANNELS.availabilityFail);

/** What a router passes for every answer; built once per router. */
export interface ServedBy {
  readonly router: ModelsRouter;
  readonly provider: string;
}

export function publishListServed(
  by: ServedBy,
  request: IncomingMessage,
  format: ServedFormat,
  source: ServedSource,
  status: number,
  models: number,
): void {
  if (!list.hasSubscribers) return;
  // Named fields, not a spread: this runs once per answer while the demo's metrics listen.
  const event: ListServedEvent = {
    router: by.router,
    provider: by.provider,
    format,
    source,
    status,
    models,
    request,
  };
  list.publish(event);
}

function publishRetrieveServed(
  by: ServedBy,
  request: IncomingMessage,
  format: ServedFormat,
  source: ServedSource,
  status: number,
  id: string,
): void {
  if (!retrieve.hasSubscribers) return;
  const event: RetrieveServedEvent = {
    router: by.router,
    provider: by.provider,
    format,
    source,
    status,
    id,
    found: status < 400,
    request,
  };
  retrieve.publish(event);
}

/** The list event when `id` is undefined, the retrieve event otherwise: one call at the router's answer. */
export function publishServed(
  by: ServedBy,
  request: IncomingMessage,
  format: ServedFormat,
  source: ServedSource,
  status: number,
  id: string | undefined,
  listed: number,
): void {
  if (id === undefined) publishListServed(by, request, format, source, status, listed);
  else publishRetrieveServed(by, request, format, source, status, id);
}

/** Publishes the start and returns its time, which the finish or failure is measured from. */
export function publishRefreshStarted(catalog: Catalog): number {
  if (refreshStart.hasSubscribers) {
    const event: RefreshStartedEvent = { catalog, url: catalog.url };
    refreshStart.publish(event);
  }
  return performance.now();
}

/** `before` and `after` are the model sets around the refresh; the diff is computed only for a subscriber. */
export function publishRefreshFinished(
  catalog: Catalog,
  startedAt: number,
  bytes: number,
  notModified: boolean,
  before: ModelSet | undefined,
  after: ModelSet,
): void {
  if (!refreshFinish.hasSubscribers) return;
  const { added, removed } = diffModelSets(before, after);
  const event: RefreshFinishedEvent = {
    catalog,
    url: catalog.url,
    durationMs: performance.now() - startedAt,
    bytes,
    notModified,
    changed: before === undefined || before.version !== after.version,
    added: added.length,
    removed: removed.length,
    models: after.cards.length,
  };
  refreshFinish.publish(event);
}

export function publishRefreshFailed(catalog: Catalog, startedAt: number, error: Error): void {
  if (!refreshFail.hasSubscribers) return;
  const event: RefreshFailedEvent = {
    catalog,
    url: catalog.url,
    durationMs: performance.now() - startedAt,
    error,
  };
  refreshFail.publish(event);
}

export function publishFallbackUsed(
  catalog: Catalog,
  kind: FallbackUsedEvent['kind'],
  provider: string | null,
  models: number,
): void {
  if (!fallback.hasSubscribers) return;
  const event: FallbackUsedEvent = { catalog, url: catalog.url, kind, provider, models };
  fallback.publish(event);
}

export function publishStoreDegraded(operation: string, error: Error): void {
  if (!storeDegraded.hasSubscribers) return;
  const event: StoreDegradedEvent = { operation, error };
  storeDegraded.publish(event);
}

export function publishStoreRecovered(previousError: Error | null, degradedMs: number | null): void {
  if (!storeRecovered.hasSubscribers) return;
  const event: StoreRecoveredEvent = { previousError, degradedMs };
  storeRecovered.publish(event);
}

export function publishStoreAdopted(
  catalog: Catalog,
  before: ModelSet | undefined,
  after: ModelSet,
  fetchedAt: number | null,
  via: StoreAdoptedEvent['via'],
): void {
  if (!storeAdopt.hasSubscribers) return;
  const event: StoreAdoptedEvent = {
    catalog,
    url: catalog.url,
    version: after.version,
    fetchedAt,
    changed: before?.version !== after.version,
    via,
  };
  storeAdopt.publish(event);
}

/** The `availabilityLoad` or `availabilityFail` event of a router's provider list. */
export function publishAvailability(by: ServedBy, report: AvailabilityReport): void {
  const { kind, ...detail } = report;
  const channel = kind === 'loaded' ? availabilityLoad : availabilityFail;
  if (channel.hasSubscribers) channel.publish({ ...by, ...detail });
}

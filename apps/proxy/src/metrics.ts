/**
 * `GET /metrics` in the Prometheus text format. Counters come from the package's diagnostics
 * channels (the events are the one source of what happened); gauges are read from each plugin's
 * `status()` at scrape time (the state now). Every label value is bounded: plugin names, formats,
 * statuses and tiers are small fixed sets, and a model id is counted only when the router found it
 * in its list, so a client asking for random ids cannot grow the label set.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  type AvailabilityFailedEvent,
  type AvailabilityLoadedEvent,
  type Catalog,
  type FallbackUsedEvent,
  type ListServedEvent,
  MODELS_CHANNELS,
  type ModelsRouter,
  type RefreshFailedEvent,
  type RefreshFinishedEvent,
  type RetrieveServedEvent,
  type StoreAdoptedEvent,
} from '@ccproxy/models-middleware';
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics need of a mounted plugin. */
export interface MeteredPlugin {
  readonly name: string;
  readonly router: ModelsRouter;
}

export interface ProxyMetrics {
  /** The app's own registry (not prom-client's global one: two apps in a process do not mix). */
  readonly registry: Registry;
  /** `GET /metrics`. */
  readonly handler: RequestHandler;
  /** Unsubscribes from the channels. */
  close(): void;
}

/** Seconds; a refresh is a download of a few MB plus a parse: from a 304 in milliseconds to a slow mirror. */
const REFRESH_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const DISK_STATES = ['ok', 'off', 'degraded'] as const;

export function createMetrics(plugins: readonly MeteredPlugin[]): ProxyMetrics {
  const registry = new Registry();
  const pluginOf = new Map<ModelsRouter, string>(plugins.map((plugin) => [plugin.router, plugin.name]));
  // Channels are process-wide: count only what this app's routers and catalogs did.
  const catalogs = new Set<Catalog>(plugins.map((plugin) => plugin.router.catalog));

  const requests = new Counter({
    name: 'ccproxy_models_requests_total',
    help: 'Answers of the models endpoints, by plugin, route (list or retrieve), format, HTTP status and the tier that answered.',
    labelNames: ['plugin', 'route', 'format', 'status', 'tier'] as const,
    registers: [registry],
  });
  const retrieves = new Counter({
    name: 'ccproxy_models_retrieves_total',
    help: 'GET /models/:id answers by model id; only ids the plugin lists are counted.',
    labelNames: ['plugin', 'model'] as const,
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'ccproxy_models_refreshes_total',
    help: 'Catalog refreshes by outcome: changed, unchanged (same document), not_modified (a 304), failed.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const refreshSeconds = new Histogram({
    name: 'ccproxy_models_refresh_duration_seconds',
    // No outcome label: ccproxy_models_refreshes_total has it, and a histogram per outcome would
    // multiply the series by four for little gain.
    help: 'Duration of catalog refreshes (every outcome), from the request to the adopted document or the failure.',
    buckets: REFRESH_BUCKETS,
    registers: [registry],
  });
  const refreshBytes = new Counter({
    name: 'ccproxy_models_refresh_bytes_total',
    help: 'Bytes of catalog documents downloaded (a 304 downloads none).',
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'ccproxy_models_fallback_total',
    help: 'Times the shipped snapshot (kind=snapshot) or a plugin’s built-in cards (kind=fallback) started being served.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const adoptions = new Counter({
    name: 'ccproxy_models_store_adoptions_total',
    help: 'Documents another process fetched, adopted from the shared store: after its announcement (via=announcement) or at a look at the store (via=poll).',
    labelNames: ['via'] as const,
    registers: [registry],
  });
  const availabilityLoads = new Counter({
    name: 'ccproxy_models_availability_loads_total',
    help: 'Provider model lists ([plugins.<name>.availability]) loaded, by plugin and where from (upstream, store).',
    labelNames: ['plugin', 'from'] as const,
    registers: [registry],
  });
  const availabilityFailures = new Counter({
    name: 'ccproxy_models_availability_failures_total',
    help: 'Provider model list fetches that failed or were refused (the last good list stays), by plugin.',
    labelNames: ['plugin'] as const,
    registers: [registry],
  });
  const storeEvents = new Counter({
    name: 'ccproxy_models_store_events_total',
    help: 'Disk cache tier turned off after a fault (event=degraded), or working again (event=recovered).',
    labelNames: ['event'] as const,
    registers: [registry],
  });

  /** A gauge per plugin, set from its status() when scraped. */
  function statusGauge(
    name: string,
    help: string,
    read: (status: ReturnType<ModelsRouter['status']>) => number | undefined,
  ): void {
    new Gauge({
      name,
      help,
      labelNames: ['plugin'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const plugin of plugins) {
          const value = read(plugin.router.status());
          if (value !== undefined) this.set({ plugin: plugin.name }, value);
        }
      },
    });
  }
  statusGauge(
    'ccproxy_models_catalog_age_seconds',
    'Seconds since the catalog was fetched or confirmed upstream; +Inf while the shipped snapshot is served; absent before the first load and when dynamic models are off.',
    ({ catalog }) => {
      if (!catalog.enabled || catalog.source === null) return undefined;
      return catalog.ageMs === null ? Number.POSITIVE_INFINITY : catalog.ageMs / 1000;
    },
  );
  statusGauge(
    'ccproxy_models_catalog_models',
    'Valid models in the plugin’s catalog, all providers and modes.',
    ({ catalog }) => catalog.models,
  );
  statusGauge(
    'ccproxy_models_catalog_invalid_entries',
    'Catalog entries dropped by validation.',
    ({ catalog }) => catalog.invalid,
  );
  statusGauge(
    'ccproxy_models_listed',
    'Models the plugin lists now (its fallback cards when the catalog has none for it).',
    (status) => status.listed ?? undefined,
  );
  statusGauge(
    'ccproxy_models_catalog_stale',
    '1 when the catalog is older than its TTL (the snapshot always is).',
    ({ catalog }) => (catalog.stale ? 1 : 0),
  );
  statusGauge(
    'ccproxy_models_catalog_refresh_failing',
    '1 while the catalog’s last refresh failed (a stale or snapshot copy is being served).',
    ({ catalog }) => (catalog.lastError === null ? 0 : 1),
  );
  new Gauge({
    name: 'ccproxy_models_store_state',
    help: 'The disk cache tier of each plugin’s catalog: 1 for its current state (ok, off, degraded), 0 for the others.',
    labelNames: ['plugin', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const plugin of plugins) {
        const { disk } = plugin.router.status().catalog;
        for (const state of DISK_STATES) this.set({ plugin: plugin.name, state }, disk === state ? 1 : 0);
      }
    },
  });

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [
      MODELS_CHANNELS.list,
      (message) => {
        const event = message as ListServedEvent;
        const plugin = pluginOf.get(event.router);
        if (plugin === undefined) return;
        requests.inc({
          plugin,
          route: 'list',
          format: event.format,
          status: event.status,
          tier: event.source,
        });
      },
    ],
    [
      MODELS_CHANNELS.retrieve,
      (message) => {
        const event = message as RetrieveServedEvent;
        const plugin = pluginOf.get(event.router);
        if (plugin === undefined) return;
        requests.inc({
          plugin,
          route: 'retrieve',
          format: event.format,
          status: event.status,
          tier: event.source,
        });
        if (event.found) retrieves.inc({ plugin, model: event.id });
      },
    ],
    [
      MODELS_CHANNELS.refreshFinish,
      (message) => {
        const event = message as RefreshFinishedEvent;
        if (!catalogs.has(event.catalog)) return;
        const outcome = event.notModified ? 'not_modified' : event.changed ? 'changed' : 'unchanged';
        refreshes.inc({ outcome });
        refreshSeconds.observe(event.durationMs / 1000);
        refreshBytes.inc(event.bytes);
      },
    ],
    [
      MODELS_CHANNELS.refreshFail,
      (message) => {
        const event = message as RefreshFailedEvent;
        if (!catalogs.has(event.catalog)) return;
        refreshes.inc({ outcome: 'failed' });
        refreshSeconds.observe(event.durationMs / 1000);
      },
    ],
    [
      MODELS_CHANNELS.fallback,
      (message) => {
        const event = message as FallbackUsedEvent;
        if (catalogs.has(event.catalog)) fallbacks.inc({ kind: event.kind });
      },
    ],
    [
      MODELS_CHANNELS.storeAdopt,
      (message) => {
        const event = message as StoreAdoptedEvent;
        if (catalogs.has(event.catalog)) adoptions.inc({ via: event.via });
      },
    ],
    [
      MODELS_CHANNELS.availabilityLoad,
      (message) => {
        const event = message as AvailabilityLoadedEvent;
        const plugin = pluginOf.get(event.router);
        if (plugin !== undefined) availabilityLoads.inc({ plugin, from: event.from });
      },
    ],
    [
      MODELS_CHANNELS.availabilityFail,
      (message) => {
        const plugin = pluginOf.get((message as AvailabilityFailedEvent).router);
        if (plugin !== undefined) availabilityFailures.inc({ plugin });
      },
    ],
    // The store events name no catalog: in a process with several apps each one counts them all.
    [MODELS_CHANNELS.storeDegraded, () => storeEvents.inc({ event: 'degraded' })],
    [MODELS_CHANNELS.storeRecovered, () => storeEvents.inc({ event: 'recovered' })],
  ];
  for (const [name, onMessage] of subscriptions) diagnosticsChannel.subscribe(name, onMessage);

  const handler: RequestHandler = function metricsHandler(_req, res, next) {
    registry
      .metrics()
      .then((text) => {
        res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(text);
      })
      .catch(next);
  };

  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    for (const [name, onMessage] of subscriptions) diagnosticsChannel.unsubscribe(name, onMessage);
  }

  return Object.freeze({ registry, handler, close });
}

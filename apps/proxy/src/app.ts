/**
 * The demo proxy as an Express app, without `listen()`: the codex and claude_api plugins each
 * mount a models router, `/health` reports their catalogs. `server.ts` puts it on a socket.
 */
import { performance } from 'node:perf_hooks';
import { modelsRouter } from '@ccproxy/models-middleware';
import express, { type Express } from 'express';
import { type Logger as PinoLogger, pino } from 'pino';
import { catalogPage } from './catalog-page.js';
import { createPluginCatalogs } from './catalogs.js';
import type { ProxyConfig } from './config.js';
import { PLUGIN_NAMES } from './config-schema.js';
import { dialectOf, errorHandler, notFoundHandler } from './errors.js';
import { type HealthReport, healthReport } from './health.js';
import { createMetrics, type ProxyMetrics } from './metrics.js';
import { type MountedPlugin, PLUGINS, routerOptions, type SharedOptions } from './plugins.js';
import { mountRefreshRoutes, refreshSecretFromEnv } from './refresh-route.js';
import { requestLogger } from './request-log.js';

export interface AppDeps {
  /** @default pino at `config.server.logLevel`, to stdout */
  readonly logger?: PinoLogger;
  /** Time source handed to the catalogs; tests pin the date. @default Date.now */
  readonly clock?: SharedOptions['clock'];
  /** Secret of `POST /admin/models/refresh`; `null` = no endpoint. @default $CCPROXY_REFRESH_SECRET (unset = no endpoint) */
  readonly refreshSecret?: string | null;
  /** Where `availability.api_key_env` keys are read from, on every list fetch. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ProxyApp {
  readonly app: Express;
  readonly logger: PinoLogger;
  /** Enabled plugins only. */
  readonly plugins: readonly MountedPlugin[];
  /** `GET /metrics`'s registry. */
  readonly metrics: ProxyMetrics;
  health(): HealthReport;
  /**
   * Loads every catalog once and logs one line naming each plugin's source. Never throws: a
   * plugin that fails to load is logged and keeps serving its fallback cards.
   */
  warm(): Promise<void>;
  /** Stops refresh timers and closes the catalogs (and their cache stores) it created. */
  close(): Promise<void>;
}

export function createApp(config: ProxyConfig, deps: AppDeps = {}): ProxyApp {
  const logger = deps.logger ?? pino({ level: config.server.logLevel });
  const shared: SharedOptions = { logger: logger.child({ component: 'models' }), clock: deps.clock };

  const enabled = PLUGIN_NAMES.map((name) => config.plugins[name]).filter((plugin) => plugin.enabled);
  // Plugins with the same source settings get one catalog: one upstream fetch per refresh.
  const catalogs = createPluginCatalogs(enabled, shared, config.cache);
  const plugins: MountedPlugin[] = enabled.map((plugin) => {
    const router = modelsRouter(routerOptions(plugin, catalogs.of(plugin.name), deps.env));
    return Object.freeze({
      name: plugin.name,
      provider: PLUGINS[plugin.name].provider,
      mount: plugin.mount,
      router,
    });
  });

  const metrics = createMetrics(plugins);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger));
  // The models routers first: a models request is the hot path and passes no other route's match.
  // They take only GET and HEAD on their paths, so the POST refresh routes below still answer.
  for (const plugin of plugins) app.use(plugin.mount, plugin.router);

  const secret =
    deps.refreshSecret === undefined ? refreshSecretFromEnv() : (deps.refreshSecret ?? undefined);
  const refreshPaths = mountRefreshRoutes(app, plugins, secret, logger.child({ component: 'refresh' }));
  if (refreshPaths.length > 0)
    logger.info({ paths: refreshPaths }, `models refresh endpoint: POST ${refreshPaths.join(', ')}`);

  const started = performance.now();
  const health = (): HealthReport => healthReport(config, plugins, started, refreshPaths);
  app.get('/health', function healthHandler(_req, res) {
    res.set('Cache-Control', 'no-store').json(health());
  });
  app.get('/metrics', metrics.handler);
  // After the routers: a models request never looks at the file system.
  app.use(catalogPage());

  const anthropicMounts = plugins
    .filter((plugin) => plugin.provider === 'anthropic')
    .map((plugin) => plugin.mount);
  const dialect = dialectOf(anthropicMounts);
  app.use(notFoundHandler(dialect));
  app.use(errorHandler(logger, dialect));

  async function warm(): Promise<void> {
    if (plugins.length === 0) {
      logger.warn('no plugin is enabled: only /health is served');
      return;
    }
    // Catalog.get() never rejects: when nothing else answers it yields the snapshot or fallback.
    const loaded = await Promise.all(
      plugins.map(async (plugin) => ({ plugin, result: await plugin.router.catalog.get() })),
    );
    const parts: string[] = [];
    const fields: Record<string, unknown> = {};
    const failures = new Set<string>();
    for (const { plugin, result } of loaded) {
      const status = plugin.router.status();
      // When the catalog has nothing for the plugin, the router answers with its built-in cards.
      const source = status.fallback ? 'fallback' : (status.catalog.source ?? result.source);
      const listed = status.listed ?? 0;
      fields[plugin.name] = { source, listed, models: result.models.cards.length };
      parts.push(`${plugin.name} lists ${listed} models from ${source}`);
      if (status.catalog.lastError !== null) failures.add(status.catalog.lastError.message);
    }
    const sharing = plugins.length > 1 && catalogs.groups.length === 1 ? ' (one shared catalog)' : '';
    const failed = failures.size === 0 ? '' : `; upstream failed: ${[...failures].join('; ')}`;
    logger.info({ plugins: fields }, `models ready: ${parts.join(', ')}${sharing}${failed}`);
  }

  function close(): Promise<void> {
    metrics.close();
    // The routers were handed their catalogs, so closing them is ours to do.
    return catalogs.close((error) => logger.warn({ err: error }, 'closing a models catalog failed'));
  }

  return Object.freeze({ app, logger, plugins: Object.freeze(plugins), metrics, health, warm, close });
}

/**
 * The demo proxy as an Express app, without `listen()`: the codex and claude_api plugins each
 * mount a models router, `/health` reports their catalogs. `server.ts` puts it on a socket.
 */
import { performance } from 'node:perf_hooks';
import {
  type CatalogSource,
  type CatalogStatus,
  type ModelsRouter,
  modelsRouter,
} from '@ccproxy/models-middleware';
import express, { type Express, type RequestHandler } from 'express';
import { type Logger as PinoLogger, pino } from 'pino';
import { createPluginCatalogs } from './catalogs.js';
import type { ProxyConfig } from './config.js';
import { PLUGIN_NAMES, type PluginName } from './config-schema.js';
import { dialectOf, errorHandler, notFoundHandler } from './errors.js';
import { PLUGINS, routerOptions, type SharedOptions } from './plugins.js';

export interface AppDeps {
  /** @default pino at `config.server.logLevel`, to stdout */
  readonly logger?: PinoLogger;
  /** Time source handed to the catalogs; tests pin the date. @default Date.now */
  readonly clock?: SharedOptions['clock'];
}

export interface MountedPlugin {
  readonly name: PluginName;
  readonly provider: string;
  readonly mount: string;
  readonly router: ModelsRouter;
}

export interface PluginHealth {
  readonly enabled: boolean;
  readonly mount: string;
  readonly provider: string;
  /** Models the plugin lists now; `null` before its catalog's first load. */
  readonly listed?: number | null;
  /** Tier of the plugin's last answer (`memory`, `disk`, `upstream`, `snapshot`, `fallback`); `null` before one. */
  readonly lastAnswer?: CatalogSource | null;
  /** Where the catalog came from, its age, counts and last error. */
  readonly catalog?: CatalogStatus;
}

export interface HealthReport {
  /** `degraded` when a catalog's last refresh failed or its disk cache is faulty; the proxy still answers. */
  readonly status: 'ok' | 'degraded';
  readonly uptimeSeconds: number;
  readonly plugins: Record<PluginName, PluginHealth>;
}

export interface ProxyApp {
  readonly app: Express;
  readonly logger: PinoLogger;
  /** Enabled plugins only. */
  readonly plugins: readonly MountedPlugin[];
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
  const started = performance.now();

  const enabled = PLUGIN_NAMES.map((name) => config.plugins[name]).filter((plugin) => plugin.enabled);
  // Plugins with the same source settings get one catalog: one upstream fetch per refresh.
  const catalogs = createPluginCatalogs(enabled, shared);
  const plugins: MountedPlugin[] = enabled.map(({ name, mount }) => {
    const router = modelsRouter(routerOptions(name, catalogs.of(name)));
    return Object.freeze({ name, provider: PLUGINS[name].provider, mount, router });
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogger(logger));

  function health(): HealthReport {
    let degraded = false;
    const report = {} as Record<PluginName, PluginHealth>;
    for (const name of PLUGIN_NAMES) {
      const plugin = config.plugins[name];
      const mounted = plugins.find((entry) => entry.name === name);
      if (mounted === undefined) {
        report[name] = { enabled: false, mount: plugin.mount, provider: PLUGINS[name].provider };
        continue;
      }
      const status = mounted.router.status();
      if (status.catalog.lastError !== null || status.catalog.disk === 'degraded') degraded = true;
      report[name] = {
        enabled: true,
        mount: mounted.mount,
        provider: status.provider,
        listed: status.listed,
        lastAnswer: status.source,
        catalog: status.catalog,
      };
    }
    return {
      status: degraded ? 'degraded' : 'ok',
      uptimeSeconds: Math.round((performance.now() - started) / 1000),
      plugins: report,
    };
  }

  app.get('/health', function healthHandler(_req, res) {
    res.set('Cache-Control', 'no-store').json(health());
  });
  for (const plugin of plugins) app.use(plugin.mount, plugin.router);

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
    // The routers were handed their catalogs, so closing them is ours to do.
    return catalogs.close((error) => logger.warn({ err: error }, 'closing a models catalog failed'));
  }

  return Object.freeze({ app, logger, plugins: Object.freeze(plugins), health, warm, close });
}

/** One info line per finished request: method, url, status, milliseconds. */
function requestLogger(logger: PinoLogger): RequestHandler {
  return function logRequest(req, res, next) {
    const start = performance.now();
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const ms = Math.round((performance.now() - start) * 10) / 10;
      const line = { method: req.method, url: req.originalUrl, status: res.statusCode, ms };
      if (res.writableFinished)
        logger.info(line, `${req.method} ${req.originalUrl} ${res.statusCode} ${ms} ms`);
      else logger.info({ ...line, aborted: true }, `${req.method} ${req.originalUrl} aborted after ${ms} ms`);
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}

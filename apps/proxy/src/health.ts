/**
 * `GET /health`: each plugin's catalog (source, age, counts, last error) from what the catalogs
 * already hold. It never waits on a catalog, and a plugin whose status cannot be read is reported
 * as degraded rather than failing the whole report.
 */
import { performance } from 'node:perf_hooks';
import type {
  AvailabilityStatus,
  CatalogSource,
  CatalogStatus,
  CodexStatus,
} from '@ccproxy/models-middleware';
import type { ProxyConfig } from './config.js';
import { PLUGIN_NAMES, type PluginName } from './config-schema.js';
import { type MountedPlugin, PLUGINS } from './plugins.js';
import { refreshPathOf } from './refresh-route.js';

interface PluginHealth {
  readonly enabled: boolean;
  readonly mount: string;
  readonly provider: string;
  /** Models the plugin lists now; `null` before its catalog's first load. */
  readonly listed?: number | null;
  /** Aliases of `[plugins.<name>.models]` whose target the list lacks: not served; `null` before the first load. */
  readonly unresolvedAliases?: readonly string[] | null;
  /** Tier of the plugin's last answer (`memory`, `disk`, `upstream`, `snapshot`, `fallback`); `null` before one. */
  readonly lastAnswer?: CatalogSource | null;
  /** Where the catalog came from, its age, counts and last error. */
  readonly catalog?: CatalogStatus;
  /** The codex plugin only: where Codex's own entries come from, and why Codex gets none when it does. */
  readonly codex?: CodexStatus;
  /** `POST` here (with the refresh secret) refreshes the plugin's catalog; absent when the endpoint is off. */
  readonly refreshPath?: string;
  /** The provider's own model list, when `[plugins.<name>.availability]` is on (never its key). */
  readonly availability?: AvailabilityStatus;
  /** Why the plugin's status could not be read (the report is then `degraded`). */
  readonly error?: string;
}

/** The shared tier: `[cache] redis_url`'s Redis, or each plugin's SQLite file. */
interface CacheHealth {
  readonly store: 'redis' | 'sqlite';
  /** `ok`, `degraded` (a call failed; retried after a delay, `ok` again by itself), `off`; `null` before first use. */
  readonly state: CatalogStatus['disk'] | null;
  /** How the processes sharing it elect the one that refreshes (`redis`, `sqlite`, …); `null` before first use. */
  readonly lease: CatalogStatus['lease'];
  /** The last store failure while it is not `ok`. */
  readonly error: string | null;
}

export interface HealthReport {
  /** `degraded` when a catalog's last refresh failed or its disk cache is faulty; the proxy still answers. */
  readonly status: 'ok' | 'degraded';
  readonly uptimeSeconds: number;
  readonly cache: CacheHealth;
  readonly plugins: Record<PluginName, PluginHealth>;
}

/**
 * The report for the mounted plugins of an app started at `startedMs` (performance.now()), whose
 * refresh endpoint, if any, answers at `refreshPaths` (what `mountRefreshRoutes` returned).
 */
export function healthReport(
  config: ProxyConfig,
  plugins: readonly MountedPlugin[],
  startedMs: number,
  refreshPaths: readonly string[] = [],
): HealthReport {
  let degraded = false;
  const report = {} as Record<PluginName, PluginHealth>;
  for (const name of PLUGIN_NAMES) {
    const plugin = config.plugins[name];
    const mounted = plugins.find((entry) => entry.name === name);
    if (mounted === undefined) {
      report[name] = { enabled: false, mount: plugin.mount, provider: PLUGINS[name].provider };
      continue;
    }
    let status: ReturnType<MountedPlugin['router']['status']>;
    try {
      status = mounted.router.status();
    } catch (error) {
      // A health check must answer even when a plugin cannot say how it is.
      degraded = true;
      const message = error instanceof Error ? error.message : String(error);
      report[name] = { enabled: true, mount: mounted.mount, provider: mounted.provider, error: message };
      continue;
    }
    if (status.catalog.lastError !== null || status.catalog.disk === 'degraded') degraded = true;
    const refreshPath = refreshPathOf(name);
    if (status.availability !== null && status.availability.lastError !== null) degraded = true;
    report[name] = {
      enabled: true,
      mount: mounted.mount,
      provider: status.provider,
      listed: status.listed,
      unresolvedAliases: status.unresolvedAliases,
      lastAnswer: status.source,
      catalog: status.catalog,
      ...(name === 'codex' && { codex: status.codex }),
      ...(refreshPaths.includes(refreshPath) && { refreshPath }),
      ...(status.availability !== null && { availability: status.availability }),
    };
  }
  // The worst of the catalogs' views of it: with Redis they all share one store.
  const catalogs = PLUGIN_NAMES.map((name) => report[name].catalog).filter((c) => c !== undefined);
  const worst =
    catalogs.find((c) => c.disk === 'degraded') ?? catalogs.find((c) => c.lease !== null) ?? catalogs[0];
  const cache: CacheHealth = {
    store: config.cache.redisUrl === undefined ? 'sqlite' : 'redis',
    state: worst === undefined || (worst.lease === null && worst.disk === 'ok') ? null : worst.disk,
    lease: worst?.lease ?? null,
    error: worst?.diskError ?? null,
  };
  return {
    status: degraded ? 'degraded' : 'ok',
    uptimeSeconds: Math.round((performance.now() - startedMs) / 1000),
    cache,
    plugins: report,
  };
}

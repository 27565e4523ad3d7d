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

interface PluginHealth {
  readonly enabled: boolean;
  readonly mount: string;
  readonly provider: string;
  /** Models the plugin lists now; `null` before its catalog's first load. */
  readonly listed?: number | null;
  /** Tier of the plugin's last answer (`memory`, `disk`, `upstream`, `snapshot`, `fallback`); `null` before one. */
  readonly lastAnswer?: CatalogSource | null;
  /** Where the catalog came from, its age, counts and last error. */
  readonly catalog?: CatalogStatus;
  /** The codex plugin only: where Codex's own entries come from, and why Codex gets none when it does. */
  readonly codex?: CodexStatus;
  /** The provider's own model list, when `[plugins.<name>.availability]` is on (never its key). */
  readonly availability?: AvailabilityStatus;
  /** Why the plugin's status could not be read (the report is then `degraded`). */
  readonly error?: string;
}

export interface HealthReport {
  /** `degraded` when a catalog's last refresh failed or its disk cache is faulty; the proxy still answers. */
  readonly status: 'ok' | 'degraded';
  readonly uptimeSeconds: number;
  readonly plugins: Record<PluginName, PluginHealth>;
}

/** The report for the mounted plugins of an app started at `startedMs` (performance.now()). */
export function healthReport(
  config: ProxyConfig,
  plugins: readonly MountedPlugin[],
  startedMs: number,
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
    if (status.availability !== null && status.availability.lastError !== null) degraded = true;
    report[name] = {
      enabled: true,
      mount: mounted.mount,
      provider: status.provider,
      listed: status.listed,
      lastAnswer: status.source,
      catalog: status.catalog,
      ...(name === 'codex' && { codex: status.codex }),
      ...(status.availability !== null && { availability: status.availability }),
    };
  }
  return {
    status: degraded ? 'degraded' : 'ok',
    uptimeSeconds: Math.round((performance.now() - startedMs) / 1000),
    plugins: report,
  };
}

/**
 * The two plugins of the demo and how their configuration becomes catalog and router options.
 * `catalogs.ts` decides which plugins share a catalog.
 */
import type {
  Catalog,
  CatalogOptions,
  FallbackModel,
  Logger,
  ModelsRouter,
  ModelsRouterOptions,
} from '@ccproxy/models-middleware';
import type { AvailabilityConfig, PluginConfig } from './config.js';
import type { PluginName } from './config-schema.js';
import { CLAUDE_FALLBACK_MODELS, CODEX_FALLBACK_MODELS } from './fallback.js';

export interface PluginDefinition {
  readonly name: PluginName;
  /** LiteLLM's `litellm_provider` the plugin lists. */
  readonly provider: 'openai' | 'anthropic';
  readonly fallback: readonly FallbackModel[];
}

export const PLUGINS: Readonly<Record<PluginName, PluginDefinition>> = Object.freeze({
  codex: Object.freeze({ name: 'codex', provider: 'openai', fallback: CODEX_FALLBACK_MODELS }),
  claude_api: Object.freeze({ name: 'claude_api', provider: 'anthropic', fallback: CLAUDE_FALLBACK_MODELS }),
});

/** What every catalog of a process gets alike. */
export interface SharedOptions {
  readonly logger?: Logger | undefined;
  readonly clock?: CatalogOptions['clock'];
  /** `[cache] redis_url`'s Keyv, shared by every catalog (it replaces their SQLite directories). */
  readonly store?: CatalogOptions['store'];
}

const HOUR_MS = 3_600_000;

/** The catalog half of a plugin's options; undefined fields keep the package defaults. */
export function catalogOptions(plugin: PluginConfig, shared: SharedOptions = {}): CatalogOptions {
  const options: CatalogOptions = {
    enabled: plugin.dynamicModelsEnabled,
    ttl: plugin.modelsCacheTtlHours * HOUR_MS,
    timeoutMs: plugin.modelsFetchTimeout * 1000,
    refreshIntervalMs: plugin.modelsRefreshIntervalMinutes * 60_000,
  };
  if (plugin.modelsSourceUrl !== undefined) options.url = plugin.modelsSourceUrl;
  if (plugin.modelsCacheDir !== undefined) options.cacheDir = plugin.modelsCacheDir;
  if (shared.logger !== undefined) options.logger = shared.logger;
  if (shared.clock !== undefined) options.clock = shared.clock;
  if (shared.store !== undefined) options.store = shared.store;
  return options;
}

/** A plugin's router over the catalog it reads (which may be shared with the other plugin), with its rules. */
export function routerOptions(
  plugin: PluginConfig,
  catalog: Catalog,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ModelsRouterOptions {
  const definition = PLUGINS[plugin.name];
  const options: ModelsRouterOptions = {
    catalog,
    provider: definition.provider,
    fallback: [...definition.fallback],
    ...plugin.models,
  };
  if (plugin.availability !== undefined) options.availability = availabilityOptions(plugin.availability, env);
  return options;
}

/**
 * The router's `availability` option: the key read from its environment variable on every fetch
 * (a supervisor that rotates it in a restart-free way is out of scope, but nothing caches it),
 * sent the way the format's provider expects it.
 */
function availabilityOptions(
  config: AvailabilityConfig,
  env: Readonly<Record<string, string | undefined>>,
): NonNullable<ModelsRouterOptions['availability']> {
  const { apiKeyEnv } = config;
  const headers =
    apiKeyEnv === undefined
      ? undefined
      : (): Record<string, string> => {
          const key = env[apiKeyEnv] ?? '';
          return config.format === 'anthropic' ? { 'x-api-key': key } : { Authorization: `Bearer ${key}` };
        };
  return {
    url: config.url,
    format: config.format,
    ttlMs: config.ttlSeconds * 1000,
    keepUnlisted: config.keepUnlisted,
    ...(headers && { headers }),
  };
}

export interface MountedPlugin {
  readonly name: PluginName;
  readonly provider: string;
  readonly mount: string;
  readonly router: ModelsRouter;
}

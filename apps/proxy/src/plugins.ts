/**
 * The two plugins of the demo and how their configuration becomes router options. The server and
 * the CLI both build their catalogs here, so they read and write the same cache.
 */
import type { CatalogOptions, FallbackModel, Logger, ModelsRouterOptions } from '@ccproxy/models-middleware';
import type { PluginConfig, PluginName } from './config.js';
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

export interface SharedOptions {
  /**
   * One logger for every plugin: routers with equal catalog options share one catalog, and
   * handing each its own logger object could keep them apart.
   */
  readonly logger?: Logger | undefined;
  readonly clock?: CatalogOptions['clock'];
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
  return options;
}

export function routerOptions(plugin: PluginConfig, shared: SharedOptions = {}): ModelsRouterOptions {
  const definition = PLUGINS[plugin.name];
  return {
    ...catalogOptions(plugin, shared),
    provider: definition.provider,
    fallback: [...definition.fallback],
  };
}

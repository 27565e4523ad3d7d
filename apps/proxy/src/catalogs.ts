/**
 * Which plugins share a catalog. Plugins with the same source settings get one catalog between
 * them, so the demo's two plugins cause one upstream fetch per refresh; the server and the CLI
 * both build their catalogs here, so they read and write the same cache.
 */
import { type Catalog, createCatalog } from '@ccproxy/models-middleware';
import type { CacheConfig, PluginConfig } from './config.js';
import type { PluginName } from './config-schema.js';
import { catalogOptions, PLUGINS, type SharedOptions } from './plugins.js';
import { openSharedStore } from './shared-store.js';

export interface CatalogGroup {
  readonly catalog: Catalog;
  /** The plugins reading this catalog, in the order they were given. */
  readonly plugins: readonly PluginName[];
}

export interface PluginCatalogs {
  readonly groups: readonly CatalogGroup[];
  /** The catalog a plugin reads. */
  of(name: PluginName): Catalog;
  /** Closes every catalog once, then the shared store; never rejects, and reports failures through `onError`. */
  close(onError?: (error: unknown) => void): Promise<void>;
}

export function createPluginCatalogs(
  plugins: readonly PluginConfig[],
  shared: SharedOptions = {},
  cache: CacheConfig = { redisUrl: undefined },
): PluginCatalogs {
  const sharedStore = openSharedStore(cache);
  const options: SharedOptions =
    sharedStore.store === undefined ? shared : { ...shared, store: sharedStore.store };
  // The key is the plugin's own settings; the logger and clock are the same for every plugin.
  const byKey = new Map<string, PluginConfig[]>();
  for (const plugin of plugins) {
    const key = JSON.stringify(catalogOptions(plugin));
    const group = byKey.get(key);
    if (group === undefined) byKey.set(key, [plugin]);
    else group.push(plugin);
  }

  const byPlugin = new Map<PluginName, Catalog>();
  const groups: CatalogGroup[] = [];
  for (const members of byKey.values()) {
    const providers = [...new Set(members.map((plugin) => PLUGINS[plugin.name].provider))];
    const catalog = createCatalog({ ...catalogOptions(members[0] as PluginConfig, options), providers });
    const names = members.map((plugin) => plugin.name);
    for (const name of names) byPlugin.set(name, catalog);
    groups.push(Object.freeze({ catalog, plugins: Object.freeze(names) }));
  }

  let closing: Promise<void> | undefined;
  return Object.freeze({
    groups: Object.freeze(groups),
    of(name: PluginName): Catalog {
      const catalog = byPlugin.get(name);
      if (catalog === undefined) throw new RangeError(`plugin ${name} has no catalog here`);
      return catalog;
    },
    close(onError?: (error: unknown) => void): Promise<void> {
      closing ??= Promise.allSettled(groups.map((group) => group.catalog.close())).then(async (results) => {
        for (const result of results) if (result.status === 'rejected') onError?.(result.reason);
        await sharedStore.close();
      });
      return closing;
    },
  });
}

import { type Catalog, createCatalog, protectProvider } from './catalog/catalog.js';
import { type CatalogOptions, resolveCatalogOptions } from './options.js';

interface Shared {
  readonly catalog: Catalog;
  refs: number;
}

const registry = new Map<string, Shared>();
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/** Options that resolve alike share a catalog; objects (store, logger, clock) compare by identity. */
function keyOf(options: CatalogOptions): string {
  const resolved = resolveCatalogOptions(options) as unknown as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(resolved)
      // Routers of different providers share a catalog; each one's provider is protected below.
      .filter((key) => key !== 'providers')
      .sort()
      .map((key) => {
        const value = resolved[key];
        if (typeof value !== 'object' || value === null) return [key, value];
        let id = identities.get(value);
        if (id === undefined) {
          id = nextIdentity++;
          identities.set(value, id);
        }
        return [key, `#${id}`];
      }),
  );
}

/**
 * A catalog shared by every caller with the same options, so two routers over one source cause
 * one fetch per refresh. `release()` closes it when its last user lets go.
 */
export function acquireCatalog(
  options: CatalogOptions,
  provider: string,
): { catalog: Catalog; release: () => Promise<void> } {
  const key = keyOf(options);
  let shared = registry.get(key);
  if (shared === undefined) {
    shared = { catalog: createCatalog(options), refs: 0 };
    registry.set(key, shared);
  }
  shared.refs++;
  protectProvider(shared.catalog, provider);
  const held = shared;
  let released = false;
  return {
    catalog: held.catalog,
    release: async () => {
      if (released) return;
      released = true;
      held.refs--;
      if (held.refs > 0) return;
      if (registry.get(key) === held) registry.delete(key);
      await held.catalog.close();
    },
  };
}

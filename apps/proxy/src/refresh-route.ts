/**
 * `POST /admin/models/refresh`: the package's refreshHandler over the plugins' catalogs, mounted
 * only when a secret is configured. The secret comes from the environment so it never sits in a
 * config file that may be committed.
 */
import { type Catalog, type Logger, type RefreshHandler, refreshHandler } from '@ccproxy/models-middleware';
import type { Express } from 'express';

/** The environment variable holding the shared secret (bearer token and webhook HMAC key). */
export const REFRESH_SECRET_ENV = 'CCPROXY_REFRESH_SECRET';
/** Refreshes every plugin's catalog when they share one (the default); `<path>/<plugin>` refreshes one plugin's. */
export const REFRESH_PATH = '/admin/models/refresh';

/** The secret from the environment; unset or empty means no endpoint. */
export function refreshSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[REFRESH_SECRET_ENV];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The path that refreshes one plugin's catalog, when the endpoint is mounted. */
export function refreshPathOf(plugin: string): string {
  return `${REFRESH_PATH}/${plugin}`;
}

interface RefreshablePlugin {
  readonly name: string;
  readonly router: { readonly catalog: Catalog };
}

/**
 * Mounts `POST <REFRESH_PATH>/<plugin>` for each plugin, and `POST <REFRESH_PATH>` when every
 * plugin uses one catalog. Plugins sharing a catalog share one handler, so their calls are
 * coalesced and rate-limited together. Returns the paths mounted (none without a secret).
 */
export function mountRefreshRoutes(
  app: Express,
  plugins: readonly RefreshablePlugin[],
  secret: string | undefined,
  logger: Logger,
): string[] {
  if (secret === undefined || plugins.length === 0) return [];
  const handlers = new Map<Catalog, RefreshHandler>();
  const paths: string[] = [];
  for (const plugin of plugins) {
    const { catalog } = plugin.router;
    let handler = handlers.get(catalog);
    if (handler === undefined) {
      handler = refreshHandler({ catalog, secret, logger });
      handlers.set(catalog, handler);
    }
    const path = refreshPathOf(plugin.name);
    app.post(path, handler);
    paths.push(path);
  }
  const [only] = handlers.values();
  if (handlers.size === 1 && only !== undefined) {
    app.post(REFRESH_PATH, only);
    paths.unshift(REFRESH_PATH);
  }
  return paths;
}

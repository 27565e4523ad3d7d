/**
 * Vitest global setup of the `clients` project: installs every pinned client before any test
 * runs (one after the other: two cores are shared). An install failure rejects, which fails the
 * whole project run instead of skipping it.
 */
import { ensureClient } from './install.js';
import { PINNED_CLIENTS } from './pinned.js';

export default async function setup(): Promise<void> {
  for (const client of PINNED_CLIENTS) {
    const result = await ensureClient(client);
    const how = result.installed ? `installed in ${(result.ms / 1000).toFixed(1)} s` : 'reused';
    process.stdout.write(`[clients] ${client.package}@${client.version} ${how}: ${result.dir}\n`);
  }
}

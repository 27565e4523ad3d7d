import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RefreshLease } from './refresh.js';
import type { CatalogStore } from './store.js';

/** A refresh lease with a name this process signs its claims and announcements with. */
export interface StoreLease extends RefreshLease {
  readonly holder: string;
}

/**
 * The lease that elects one fetching process among all sharing `store`. It expires after `ttlMs`,
 * so a holder that dies mid-fetch frees it by itself. When the store cannot answer (off, down,
 * resting after a fault), every process may fetch: serving a fresh copy beats coordinating.
 */
export function storeLease(store: CatalogStore, name: string, ttlMs: number): StoreLease {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let held = false;
  return {
    holder,
    async acquire() {
      const claimed = await store.claim(name, holder, ttlMs);
      held = claimed === true;
      return claimed !== false;
    },
    async release() {
      if (!held) return;
      held = false;
      await store.free(name, holder);
    },
  };
}

/**
 * Which availability list answers a request: the operator's one, or under `credentials: 'client'`
 * the list of the request's own key, kept per hash of that key and never handed to another. The
 * lists share one store (its keys already hold a hash of the credentials).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { AvailabilityReport } from '../events.js';
import type { Logger } from '../logger.js';
import type { ResolvedCatalogOptions } from '../options.js';
import {
  type Availability,
  type AvailabilityStatus,
  availabilityStore,
  createAvailability,
  shownUrl,
} from './availability.js';
import { MAX_CLIENT_LISTS, type ResolvedAvailabilityOptions } from './availability-options.js';

/** The request headers a client's key arrives in. */
const CLIENT_KEY_HEADERS = ['authorization', 'x-api-key'] as const;

export interface AvailabilityLists {
  /** Responses differ by these request headers (client keys): for `Vary`. */
  readonly varyOn: readonly string[];
  /** The list for a request; `undefined` when it has none (a client mode request without a key). */
  pick(req: IncomingMessage | undefined): Availability | undefined;
  /** The operator's list, or a summary over the clients' lists (never a key, nor its hash). */
  status(): AvailabilityStatus;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export function createAvailabilityLists(
  options: ResolvedAvailabilityOptions,
  deps: {
    readonly clock: Clock;
    readonly logger: Logger;
    readonly catalogOptions: ResolvedCatalogOptions | undefined;
    readonly report?: ((report: AvailabilityReport) => void) | undefined;
  },
): AvailabilityLists {
  const store = availabilityStore(deps.catalogOptions, deps.clock, deps.logger);
  const make = (o: ResolvedAvailabilityOptions): Availability =>
    createAvailability(o, { clock: deps.clock, logger: deps.logger, store, report: deps.report });

  if (options.credentials === 'operator') {
    const operator = make(options);
    return {
      varyOn: [],
      pick: () => operator,
      status: () => operator.status(),
      idle: () => operator.idle(),
      async close() {
        await operator.close();
        await store?.close();
      },
    };
  }

  const closing = new Set<Promise<void>>();
  const lists = new LRUCache<string, Availability>({
    max: MAX_CLIENT_LISTS,
    // A list dropped for a newer key stops its fetch; close() still waits for it.
    dispose: (list) => {
      const closed = list
        .close()
        .catch(() => {})
        .finally(() => closing.delete(closed));
      closing.add(closed);
    },
  });
  let shut = false;
  // One request asks several times (peek, view, header): hash its key once.
  const picked = new WeakMap<IncomingMessage, Availability | undefined>();
  const pickFor = (req: IncomingMessage): Availability | undefined => {
    if (picked.has(req)) return picked.get(req);
    const list = lookUp(req);
    picked.set(req, list);
    return list;
  };
  const lookUp = (req: IncomingMessage): Availability | undefined => {
    const given: Record<string, string> = {};
    for (const name of CLIENT_KEY_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string' && value !== '') given[name] = value;
    }
    const names = Object.keys(given);
    if (names.length === 0) return undefined;
    const key = createHash('sha256')
      .update(JSON.stringify(names.map((name) => [name, given[name]])))
      .digest('base64url');
    let list = lists.get(key);
    if (list === undefined) {
      const frozen = Object.freeze(given);
      list = make({ ...options, headers: () => frozen });
      lists.set(key, list);
    }
    return list;
  };
  return {
    varyOn: ['Authorization', 'X-Api-Key'],
    pick: (req) => (req === undefined || shut ? undefined : pickFor(req)),
    status() {
      const all = [...lists.values()].map((list) => list.status());
      const failing = all.filter((one) => one.lastError !== null);
      const latest = failing
        .map((one) => one.lastError)
        .sort((a, b) => ((a?.at ?? '') < (b?.at ?? '') ? 1 : -1))[0];
      return {
        format: options.format,
        url: shownUrl(options.url),
        credentials: 'client',
        clients: all.length,
        state:
          all.length === 0
            ? 'loading'
            : failing.length === 0
              ? 'ok'
              : failing.length === all.length
                ? 'failed'
                : 'stale',
        models: null,
        from: null,
        loadedAt: null,
        lastError: latest ?? null,
      };
    },
    async idle() {
      await Promise.all([...lists.values()].map((list) => list.idle()));
    },
    async close() {
      shut = true;
      lists.clear();
      await Promise.all(closing);
      await store?.close();
    },
  };
}

/**
 * The Anthropic dialect: `anthropic-version` on the request chooses it under `auto`. The list is
 * newest first (anthropic-order.ts), paged by cursor and filtered by `lifecycle`
 * (anthropic-page.ts); retrieve finds every id the list can show, retired ones included, as the
 * real API keeps them as the record of their retirement.
 */
import type { Dialect, Listing } from '../listing.js';
import { prepareBody, type Reply } from '../prepared.js';
import type { Lifecycle } from '../select.js';
import { type AnthropicModelInfo, anthropicError, anthropicModel, anthropicNotFound } from './anthropic.js';
import { describeAll } from './anthropic-describe.js';
import { newestFirst } from './anthropic-order.js';
import { paginate, parsePageQuery } from './anthropic-page.js';

export const anthropicDialect: Dialect = {
  detect: (request) => request.headers['anthropic-version'] !== undefined,
  vary: ['anthropic-version'],
  create(listing) {
    const infos = lazy(() => buildInfos(listing));
    const listed = new Set(listing.cards.map((card) => card.id));
    const byStages = new Map<string, AnthropicModelInfo[]>();
    /** The router's own list when no `lifecycle` is asked for, else exactly those stages. */
    const itemsFor = (stages: readonly Lifecycle[] | undefined): AnthropicModelInfo[] => {
      const key = stages === undefined ? '' : [...new Set(stages)].sort().join(',');
      let items = byStages.get(key);
      if (items === undefined) {
        const all = [...infos().values()];
        items =
          stages === undefined
            ? all.filter((info) => listed.has(info.id))
            : all.filter((info) => stages.includes(info.lifecycle));
        byStages.set(key, items);
      }
      return items;
    };
    return {
      // Cursors and pages are many and cheap: a body per raw query.
      listKey: (query) => query,
      list(query: string): Reply {
        const parsed = parsePageQuery(query === '' ? {} : parseQuery(query));
        if (!parsed.ok) return badRequest(parsed.message);
        const page = paginate(itemsFor(parsed.value.lifecycle), parsed.value);
        return page.ok ? prepareBody(page.page) : badRequest(page.message);
      },
      one(id: string): Reply {
        const info = listing.find(id, true) === undefined ? undefined : infos().get(id);
        return info === undefined ? { status: 404, error: anthropicNotFound(id) } : prepareBody(info);
      },
    };
  },
};

/** Every card the listing can show, newest first, keyed by id in that order. */
function buildInfos(listing: Listing): Map<string, AnthropicModelInfo> {
  const ordered = newestFirst([...listing.cards, ...listing.retired]);
  const descriptions = describeAll(ordered, listing.today);
  const infos = new Map<string, AnthropicModelInfo>();
  for (const entry of ordered) {
    const context = {
      today: listing.today,
      created: entry.created,
      description: descriptions.get(entry.id) ?? '',
    };
    infos.set(entry.id, anthropicModel(entry.card, context));
  }
  return infos;
}

function badRequest(message: string): Reply {
  return { status: 400, error: anthropicError('invalid_request_error', message) };
}

/** Query parameters as strings, or arrays when repeated (only `lifecycle` may repeat). */
function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(query)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/**
 * `modelsRouter`: the public factory. It validates its options, takes the catalog it is given or
 * creates (and owns) a private one, keeps the current view, and hands requests to the HTTP layer.
 * Pipeline: catalog answer -> view (view/) -> HTTP (http/).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Availability, AvailabilityStatus } from './availability/availability.js';
import type { AvailabilityOptions } from './availability/availability-options.js';
import { createAvailabilityLists } from './availability/lists.js';
import { type Catalog, type CatalogResult, type CatalogStatus, createCatalog } from './catalog/catalog.js';
import { type CodexDialect, createCodexDialect } from './codex/codex-dialect.js';
import type { CodexSourceOptions } from './codex/codex-source.js';
import { createSlugFilters } from './codex/slug-filter.js';
import { publishAvailability, publishFallbackUsed } from './events.js';
import { createHandler, type Next } from './http/handler.js';
import { silentLogger } from './logger.js';
import {
  CATALOG_OPTION_KEYS,
  type CatalogOptions,
  checkKnownKeys,
  checkMethods,
  checkObject,
  type FallbackModel,
} from './options.js';
import { PACKAGE_NAME } from './package-name.js';
import { ALL_ROUTER_KEYS, resolveRouterOptions } from './router-options.js';
import type { CustomModel, ModelOverride } from './rule-options.js';
import type { CatalogSource, ModelCard, ModelSet } from './types.js';
import type { ResponseFormat } from './view/dialects.js';
import type { RuleMark } from './view/rules.js';
import { createView, type View } from './view/view.js';
import { warmUpViewsSoon } from './warm-up.js';

export { SOURCE_HEADER } from './http/handler.js';

/** Options of {@link modelsRouter}: its own, plus every catalog option when no `catalog` is given. */
export interface ModelsRouterOptions extends CatalogOptions {
  /** A `litellm_provider` value (`openai`, `anthropic`, ...) or `all`. Required. */
  provider: string;
  /**
   * Models served when no catalog is available (or it lists none for the provider). Only `id` is
   * required; `object`, `created` (from a date in the id) and `owned_by` (the provider) are filled in.
   * @default []
   */
  fallback?: readonly FallbackModel[];
  /**
   * The catalog to read, shared with whoever else holds it (several routers, a CLI); closing it is
   * its creator's job. Without it the router creates a private catalog from the catalog options
   * (protecting its provider in the sanity check) and closes it in `close()`.
   */
  catalog?: Catalog;
  /**
   * `auto` answers in the Anthropic shape when the request has an `anthropic-version` header, in
   * Codex's (`{"models": [...]}`) when it is Codex's (a `client_version` query parameter or a
   * `codex_*`/`codex-*` `originator` header), and in the OpenAI shape otherwise.
   * @default 'auto'
   */
  format?: ResponseFormat;
  /**
   * Where the Codex dialect's entries come from (see `src/codex/codex-source.ts`): Codex's own
   * models cache, or an upstream Codex catalog. Without one Codex gets `{"models": []}`.
   * @default { cacheFile: defaultCodexCacheFile() }
   */
  codex?: CodexSourceOptions;
  /** Modes to list; an entry without a mode counts as `chat`. @default DEFAULT_MODES (`chat`, `responses`) */
  modes?: readonly string[];
  /**
   * List models whose `deprecation_date` has passed (Anthropic: `retired`), in both formats. The
   * Anthropic list shows them anyway to a request that asks with `?lifecycle=retired`.
   * @default false
   */
  includeDeprecated?: boolean;
  /** `Cache-Control: max-age` in seconds; `0` sends `no-cache`. @default DEFAULT_MAX_AGE_SECONDS (60) */
  maxAgeSeconds?: number;
  /**
   * Id patterns of LiteLLM's models to list: an exact id, a glob (`gpt-5*`, `?` one character) or
   * `/regex/flags`. Empty lists everything the filter lets through. @default []
   */
  include?: readonly string[];
  /** Id patterns never listed; beats `include`. Custom models and aliases are not affected. @default [] */
  exclude?: readonly string[];
  /**
   * Per id pattern, a partial card merged over LiteLLM's (and over custom models): limits, flags,
   * `display_name`, `description`, `mode`, `deprecation_date` (`null` clears it), `pricing` (merged
   * key by key). Matching patterns apply in key order; an unknown field throws. @default {}
   */
  overrides?: Readonly<Record<string, ModelOverride>>;
  /** Models LiteLLM does not know, always listed; one with a LiteLLM id replaces LiteLLM's card. @default [] */
  extra?: readonly CustomModel[];
  /**
   * `alias -> id`: listed and retrievable with the target's metadata (`description` says `Alias of
   * <id>`). An alias whose target is not listed is not served; `status().unresolvedAliases` and a
   * warning name it. @default {}
   */
  aliases?: Readonly<Record<string, string>>;
  /**
   * The provider's own model list (OpenAI's or Anthropic's `/v1/models`, a Codex catalog): what
   * the credentials can call. The list served becomes its ids, enriched with LiteLLM's metadata;
   * when it cannot be had, LiteLLM's list is served and `status().availability` says why.
   * @default none
   */
  availability?: AvailabilityOptions;
}

export interface RouterStatus {
  readonly provider: string;
  readonly format: ResponseFormat;
  /** Models the list shows now (`null` before the catalog's first load). */
  readonly listed: number | null;
  /** The list is the router's `fallback` cards (no catalog, or none of its models for `provider`). */
  readonly fallback: boolean;
  /** Aliases the rules name whose target is not listed: not served (`null` before the first load). */
  readonly unresolvedAliases: readonly string[] | null;
  /** The tier of the last answer (`null` before one). */
  readonly source: CatalogSource | null;
  readonly catalog: CatalogStatus;
  /** The Codex dialect's source, and why Codex gets an empty list when it does. */
  readonly codex: ReturnType<CodexDialect['status']>;
  /** The provider's own model list (`null` when none is configured). */
  readonly availability: AvailabilityStatus | null;
}

/** What the router lists now, for a CLI or an admin page: the cards its list shows, with what the rules did. */
export interface RouterModels {
  /** The cards of the list, in document order (custom models and aliases after LiteLLM's). */
  readonly cards: readonly ModelCard[];
  /** Per listed id a rule changed or added: `override`, `custom` or `alias`. Empty for the fallback cards. */
  readonly marks: ReadonlyMap<string, RuleMark>;
  /** The list is the router's `fallback` cards. */
  readonly fallback: boolean;
  /** Aliases whose target is not listed: not served. */
  readonly unresolvedAliases: readonly string[];
  /** The catalog's answer the list was built from (its whole model set, source and fetch time). */
  readonly models: ModelSet;
  readonly source: CatalogSource;
  readonly fetchedAt: number | null;
}

/** An Express-compatible middleware serving `GET`/`HEAD` `/models` and `/models/:id` where it is mounted. */
export interface ModelsRouter {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
  readonly catalog: Catalog;
  status(): RouterStatus;
  /**
   * Loads the catalog (and the operator's `availability` list) if need be, never rejecting, and
   * returns what the list shows.
   */
  models(): Promise<RouterModels>;
  /** Resolves when the router's own fetches (the `availability` list) are done. */
  idle(): Promise<void>;
  /** Closes the router's private catalog; a catalog passed in is left to its creator. */
  close(): Promise<void>;
}

/**
 * Answers `GET /models` and `GET /models/:id` relative to where it is mounted, in the OpenAI or
 * Anthropic shape. The OpenAI list takes filters (`?supports=`, `?min_context=`, `?mode=`, and
 * `?provider=` under `provider: 'all'`; see `view/list-filter.ts`). Options are validated here;
 * a bad one throws TypeError/RangeError naming it.
 */
export function modelsRouter(options: ModelsRouterOptions): ModelsRouter {
  const o = checkObject(options, 'modelsRouter options');
  const resolved = checkedOptions(o);
  const { catalog, owned } = catalogOf(o, resolved.provider);
  warmUpViewsSoon(resolved);
  const logger = catalog.options?.logger ?? silentLogger;
  const codex = createCodexDialect(o.codex, { clock: catalog.clock, logger });
  const slugFilters = createSlugFilters(resolved.rules);
  // The events name the router, which is the handler created below.
  const servedBy = { provider: resolved.provider } as { router: ModelsRouter; provider: string };
  const lists =
    resolved.availability === undefined
      ? undefined
      : createAvailabilityLists(resolved.availability, {
          clock: catalog.clock,
          logger,
          catalogOptions: catalog.options,
          report: (report) => publishAvailability(servedBy, report),
        });
  // Under `all` the list's cards belong to the provider whose list it is.
  const owner =
    resolved.provider !== 'all' || resolved.availability === undefined
      ? resolved.provider
      : resolved.availability.format === 'anthropic'
        ? 'anthropic'
        : 'openai';

  // One view per list (the operator's, or each client key's), rebuilt when the catalog, the list
  // or the day changes; `undefined` keys the view without a list.
  let view: View | undefined;
  const listViews = new WeakMap<Availability, View>();
  let lastSource: CatalogSource | null = null;
  const viewFor = (result: CatalogResult, req?: IncomingMessage): View => {
    const now = catalog.clock.now();
    const available = lists?.pick(req);
    const list = available?.current();
    const held = available === undefined ? view : listViews.get(available);
    if (
      held !== undefined &&
      held.models === result.models &&
      held.available === list &&
      now < held.validUntil
    ) {
      return held;
    }
    const input =
      list === undefined ? undefined : { list, owner, keepUnlisted: available?.keepUnlisted === true };
    const built = createView(result.models, now, resolved, input);
    if (available === undefined) view = built;
    else listViews.set(available, built);
    if (built.ruled.unresolved.length > 0 && (held === undefined || held.models !== built.models)) {
      logger.warn(
        { provider: resolved.provider, aliases: built.ruled.unresolved },
        `${PACKAGE_NAME}: aliases to models not listed are not served: ${built.ruled.unresolved.join(', ')}`,
      );
    }
    // Once per catalog version that shows the fallback cards, not once per day or request.
    if (built.fallback && (held === undefined || !held.fallback || held.models !== built.models)) {
      publishFallbackUsed(catalog, 'fallback', resolved.provider, built.listing.cards.length);
    }
    return built;
  };

  const perClient = lists !== undefined && lists.varyOn.length > 0;
  const handler = createHandler({
    // Until a list has had its first chance, its requests wait for it (`coldWaitMs`).
    peek:
      lists === undefined
        ? () => catalog.peek()
        : (req) => (lists.pick(req)?.ready === false ? undefined : catalog.peek()),
    get:
      lists === undefined
        ? () => catalog.get()
        : (req) => Promise.all([catalog.get(), lists.pick(req)?.load()]).then(([result]) => result),
    viewFor,
    format: resolved.format,
    // Answers for one client key are not another's: no shared cache may keep them.
    cacheControl: perClient ? resolved.cacheControl.replace('public', 'private') : resolved.cacheControl,
    varyAlso: lists?.varyOn,
    answered: (source) => {
      lastSource = source;
    },
    codex,
    codexFilter: async (req) => {
      const available = lists?.pick(req);
      // Like the other dialects, a first request waits for the list (at most `coldWaitMs`).
      if (available !== undefined && !available.ready) await available.load();
      return slugFilters(available?.current());
    },
    catalog,
    servedBy,
    sourceNote: lists === undefined ? undefined : (req) => `availability=${lists.pick(req)?.state ?? 'none'}`,
  }) as ModelsRouter;
  servedBy.router = handler;

  const status = (): RouterStatus => {
    const current = catalog.peek();
    const shown = current === undefined ? view : viewFor(current);
    return {
      provider: resolved.provider,
      format: resolved.format,
      listed: shown?.listing.cards.length ?? null,
      fallback: shown?.fallback ?? false,
      unresolvedAliases: shown === undefined ? null : [...shown.ruled.unresolved],
      source: lastSource,
      catalog: catalog.status(),
      codex: codex.status(),
      availability: lists?.status() ?? null,
    };
  };
  const models = async (): Promise<RouterModels> => {
    // The operator's provider list too, as a first request would wait for it (`coldWaitMs`).
    const [result] = await Promise.all([catalog.get(), lists?.pick(undefined)?.load()]);
    const shown = viewFor(result);
    return {
      cards: shown.listing.cards,
      marks: shown.fallback ? new Map() : shown.ruled.marks,
      fallback: shown.fallback,
      unresolvedAliases: shown.ruled.unresolved,
      models: result.models,
      source: result.source,
      fetchedAt: result.fetchedAt,
    };
  };
  Object.defineProperties(handler, {
    catalog: { value: catalog, enumerable: true },
    status: { value: status },
    models: { value: models },
    idle: { value: async () => lists?.idle() },
    close: {
      value: async () => {
        await lists?.close();
        if (owned) await catalog.close();
      },
    },
  });
  return handler;
}

function checkedOptions(o: Record<string, unknown>): ReturnType<typeof resolveRouterOptions> {
  checkKnownKeys(o, ALL_ROUTER_KEYS, 'modelsRouter');
  return resolveRouterOptions(o);
}

/**
 * Checks router options exactly as {@link modelsRouter} does, creating nothing: a configuration
 * loader can refuse a bad rule before anything starts. Throws the same TypeError / RangeError.
 */
export function checkRouterOptions(options: ModelsRouterOptions): void {
  checkedOptions(checkObject(options, 'modelsRouter options'));
}

/** The catalog given, or a private one from the catalog options (which then the router owns). */
function catalogOf(o: Record<string, unknown>, provider: string): { catalog: Catalog; owned: boolean } {
  const catalogKeys = Object.keys(o).filter((key) => CATALOG_OPTION_KEYS.has(key));
  if (o.catalog !== undefined) {
    if (catalogKeys.length > 0) {
      throw new TypeError(
        `${PACKAGE_NAME}: option \`${catalogKeys[0]}\` cannot be combined with \`catalog\`; set it on the catalog`,
      );
    }
    return { catalog: checkMethods<Catalog>('catalog', o.catalog, ['get', 'peek', 'status']), owned: false };
  }
  const catalogOptions: Record<string, unknown> = {};
  for (const key of catalogKeys) if (o[key] !== undefined) catalogOptions[key] = o[key];
  const providers = Array.isArray(o.providers) ? [...o.providers, provider] : (o.providers ?? [provider]);
  return { catalog: createCatalog({ ...catalogOptions, providers } as CatalogOptions), owned: true };
}

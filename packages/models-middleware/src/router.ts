import type { IncomingMessage, ServerResponse } from 'node:http';
import { createdFromId } from './card.js';
import type { Catalog, CatalogResult, CatalogStatus } from './catalog.js';
import { type CodexDialect, createCodexDialect } from './codex/codex-dialect.js';
import { CODEX_VARY_HEADER, isCodexRequest } from './codex/codex-request.js';
import type { CodexSourceOptions } from './codex/codex-source.js';
import { createModelSet } from './document.js';
import { select } from './filter.js';
import {
  type AnthropicModelInfo,
  anthropicError,
  anthropicModel,
  anthropicNotFound,
  newestFirst,
  paginate,
  parsePageQuery,
} from './formats/anthropic.js';
import { openaiList, openaiModel, openaiModelNotFound } from './formats/openai.js';
import { ifNoneMatchHits, type PreparedBody, prepareBody } from './http-cache.js';
import { silentLogger } from './logger.js';
import {
  CATALOG_OPTION_KEYS,
  type CatalogOptions,
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkMethods,
  checkObject,
  checkOneOf,
  checkString,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MODES,
  type FallbackModel,
  type ResponseFormat,
} from './options.js';
import { acquireCatalog } from './shared.js';
import type { CatalogSource, ModelCard, ModelFilter, ModelSet } from './types.js';

/** Header naming the tier that answered (`memory`, `disk`, `upstream`, `snapshot`, `fallback`). */
export const SOURCE_HEADER = 'x-models-source';

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
  /** An existing catalog to share. Without it, routers with equal catalog options share one. */
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
  /** List models whose `deprecation_date` has passed. @default false */
  includeDeprecated?: boolean;
  /** `Cache-Control: max-age` in seconds; `0` sends `no-cache`. @default DEFAULT_MAX_AGE_SECONDS (60) */
  maxAgeSeconds?: number;
}

export interface RouterStatus {
  readonly provider: string;
  readonly format: ResponseFormat;
  /** Models the list shows now (`null` before the catalog's first load). */
  readonly listed: number | null;
  /** The list is the router's `fallback` cards (no catalog, or none of its models for `provider`). */
  readonly fallback: boolean;
  /** The tier of the last answer (`null` before one). */
  readonly source: CatalogSource | null;
  readonly catalog: CatalogStatus;
  /** The Codex dialect's source, and why Codex gets an empty list when it does. */
  readonly codex: ReturnType<CodexDialect['status']>;
}

/** An Express-compatible middleware serving `GET`/`HEAD` `/models` and `/models/:id` where it is mounted. */
export interface ModelsRouter {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  readonly catalog: Catalog;
  status(): RouterStatus;
  /** Releases the catalog (a shared one closes with its last router). */
  close(): Promise<void>;
}

const ROUTER_KEYS: ReadonlySet<string> = new Set([
  'provider',
  'fallback',
  'catalog',
  'format',
  'modes',
  'includeDeprecated',
  'maxAgeSeconds',
  'codex',
]);
const ALL_KEYS: ReadonlySet<string> = new Set([...ROUTER_KEYS, ...CATALOG_OPTION_KEYS]);
const FORMATS: readonly ResponseFormat[] = ['auto', 'openai', 'anthropic', 'codex'];
const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_CACHED_PAGES = 256;

/** Everything a response needs for one catalog version, built once and reused until it changes. */
interface View {
  readonly models: ModelSet;
  readonly validUntil: number;
  readonly source: CatalogSource;
  readonly sourceIsFallback: boolean;
  readonly byId: ReadonlyMap<string, ModelCard>;
  readonly openaiList: PreparedBody;
  readonly openaiOne: Map<string, PreparedBody>;
  anthropic?: AnthropicView;
}

interface AnthropicView {
  readonly infos: readonly AnthropicModelInfo[];
  readonly firstPage: PreparedBody;
  /** Pages by normalised query (limit, cursor). */
  readonly pages: Map<string, PreparedBody>;
  /** The same pages by raw query string, so a repeated query is not parsed again. */
  readonly byQuery: Map<string, PreparedBody>;
  readonly one: Map<string, PreparedBody>;
}

/**
 * Answers `GET /models` and `GET /models/:id` relative to where it is mounted, in the OpenAI or
 * Anthropic shape. Options are validated here; a bad one throws TypeError/RangeError naming it.
 */
export function modelsRouter(options: ModelsRouterOptions): ModelsRouter {
  const o = checkObject(options, 'modelsRouter options');
  checkKnownKeys(o, ALL_KEYS, 'modelsRouter');
  const provider = checkString('provider', o.provider);
  const format = o.format === undefined ? 'auto' : checkOneOf('format', o.format, FORMATS);
  const filter: ModelFilter = Object.freeze({
    provider,
    modes: o.modes === undefined ? DEFAULT_MODES : checkModes(o.modes),
    includeDeprecated:
      o.includeDeprecated === undefined ? false : checkBoolean('includeDeprecated', o.includeDeprecated),
  });
  const maxAge =
    o.maxAgeSeconds === undefined
      ? DEFAULT_MAX_AGE_SECONDS
      : checkInteger('maxAgeSeconds', o.maxAgeSeconds, 0, 31_536_000);
  const cacheControl = maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`;
  const fallback = createModelSet(checkFallback(o.fallback, provider), 0);

  let catalog: Catalog;
  let release: () => Promise<void>;
  if (o.catalog !== undefined) {
    const catalogKeys = Object.keys(o).filter((key) => CATALOG_OPTION_KEYS.has(key));
    if (catalogKeys.length > 0) {
      throw new TypeError(
        `@ccproxy/models-middleware: option \`${catalogKeys[0]}\` cannot be combined with \`catalog\`; set it on the catalog`,
      );
    }
    catalog = checkMethods<Catalog>('catalog', o.catalog, ['get', 'peek', 'status']);
    release = async () => {};
  } else {
    const catalogOptions: Record<string, unknown> = {};
    for (const key of CATALOG_OPTION_KEYS) if (o[key] !== undefined) catalogOptions[key] = o[key];
    ({ catalog, release } = acquireCatalog(catalogOptions as CatalogOptions, provider));
  }
  const clock = catalog.clock;
  const codex = createCodexDialect(o.codex, { clock, logger: catalog.options?.logger ?? silentLogger });

  let view: View | undefined;
  let lastSource: CatalogSource | null = null;

  function viewFor(result: CatalogResult): View {
    const now = clock.now();
    if (view !== undefined && view.models === result.models && now < view.validUntil) return view;
    view = buildView(result, now);
    return view;
  }

  function buildView(result: CatalogResult, now: number): View {
    const selection = select(result.models, filter, now);
    const useFallback = selection.cards.length === 0;
    const cards = useFallback ? fallback.cards : selection.cards;
    const byId = new Map<string, ModelCard>();
    for (const card of cards) byId.set(card.id, card);
    return {
      models: result.models,
      validUntil: useFallback ? Number.POSITIVE_INFINITY : selection.validUntil,
      source: useFallback ? 'fallback' : result.source,
      sourceIsFallback: useFallback,
      byId,
      openaiList: prepareBody(openaiList(cards)),
      openaiOne: new Map(),
    };
  }

  function anthropicView(v: View): AnthropicView {
    if (v.anthropic !== undefined) return v.anthropic;
    const infos = newestFirst([...v.byId.values()]).map(anthropicModel);
    const first = paginate(infos, { limit: 20 });
    v.anthropic = {
      infos,
      firstPage: prepareBody(
        first.ok ? first.page : { data: [], has_more: false, first_id: null, last_id: null },
      ),
      pages: new Map(),
      byQuery: new Map(),
      one: new Map(),
    };
    return v.anthropic;
  }

  function respond(req: IncomingMessage, res: ServerResponse, result: CatalogResult, route: Route): void {
    const v = viewFor(result);
    const source = v.sourceIsFallback ? 'fallback' : result.source;
    lastSource = source;
    const anthropic =
      format === 'anthropic' || (format === 'auto' && req.headers['anthropic-version'] !== undefined);
    const reply = anthropic ? anthropicReply(v, route) : openaiReply(v, route);
    if ('error' in reply) sendError(res, reply.status, reply.error);
    else send(req, res, reply, source);
  }

  function openaiReply(v: View, route: Route): Reply {
    if (route.id === undefined) return v.openaiList;
    const card = v.byId.get(route.id);
    if (card === undefined) return { status: 404, error: openaiModelNotFound(route.id) };
    return memo(v.openaiOne, card.id, () => openaiModel(card));
  }

  function anthropicReply(v: View, route: Route): Reply {
    const av = anthropicView(v);
    if (route.id !== undefined) {
      const card = v.byId.get(route.id);
      if (card === undefined) return { status: 404, error: anthropicNotFound(route.id) };
      return memo(av.one, card.id, () => anthropicModel(card));
    }
    if (route.query === '') return av.firstPage;
    // Clients repeat the same query (Claude Code always asks `?limit=1000`): skip parsing it again.
    const seen = av.byQuery.get(route.query);
    if (seen !== undefined) return seen;
    const parsed = parsePageQuery(parseQuery(route.query));
    if (!parsed.ok) return { status: 400, error: anthropicError('invalid_request_error', parsed.message) };
    const q = parsed.value;
    const key = `${q.limit}\u0000${q.afterId ?? ''}\u0000${q.beforeId ?? ''}`;
    let body = av.pages.get(key);
    if (body === undefined) {
      const page = paginate(av.infos, q);
      if (!page.ok) return { status: 400, error: anthropicError('invalid_request_error', page.message) };
      // Bounded: cursors are known ids, but limits multiply them.
      if (av.pages.size >= MAX_CACHED_PAGES) av.pages.clear();
      body = prepareBody(page.page);
      av.pages.set(key, body);
    }
    // Raw query strings are unbounded (any parameter order, unknown parameters): cap them too.
    if (av.byQuery.size >= MAX_CACHED_PAGES) av.byQuery.clear();
    av.byQuery.set(route.query, body);
    return body;
  }

  function answerCodex(
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
    route: Route,
  ) {
    const id = route.id;
    (id === undefined ? codex.list(catalog) : codex.one(id, catalog))
      .then((reply) => {
        if (res.headersSent || res.writableEnded || res.destroyed) return;
        if (reply === undefined) sendError(res, 404, openaiModelNotFound(id ?? ''));
        else send(req, res, reply.body, reply.source);
      })
      .catch((error: unknown) => passOn(next, res, error));
  }

  function send(req: IncomingMessage, res: ServerResponse, body: PreparedBody, source: string): void {
    res.setHeader('Content-Type', JSON_TYPE);
    res.setHeader('ETag', body.etag);
    res.setHeader('Cache-Control', cacheControl);
    if (format === 'auto') res.setHeader('Vary', `anthropic-version, ${CODEX_VARY_HEADER}`);
    res.setHeader(SOURCE_HEADER, source);
    if (ifNoneMatchHits(req.headers['if-none-match'], body.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Length', body.bytes.length);
    res.end(body.bytes);
  }

  const handler = function modelsRouterHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void {
    const route = req.method === 'GET' || req.method === 'HEAD' ? matchRoute(req.url) : undefined;
    if (route === undefined) {
      next();
      return;
    }
    if (format === 'codex' || (format === 'auto' && isCodexRequest(req.headers, route.query))) {
      answerCodex(req, res, next, route);
      return;
    }
    const ready = catalog.peek();
    if (ready !== undefined) {
      respond(req, res, ready, route);
      return;
    }
    catalog
      .get()
      .then((result) => {
        // Something in front of the router (a timeout, the host's own deadline) may have answered
        // while the catalog loaded, or the client may have gone: there is nothing left to write.
        if (res.headersSent || res.writableEnded || res.destroyed) return;
        respond(req, res, result, route);
      })
      .catch((error: unknown) => passOn(next, res, error));
  } as ModelsRouter;

  Object.defineProperties(handler, {
    catalog: { value: catalog, enumerable: true },
    status: {
      value: (): RouterStatus => {
        const current = catalog.peek();
        const v = current === undefined ? view : viewFor(current);
        return {
          provider,
          format,
          listed: v?.byId.size ?? null,
          fallback: v?.sourceIsFallback ?? false,
          source: lastSource,
          catalog: catalog.status(),
          codex: codex.status(),
        };
      },
    },
    close: { value: () => release() },
  });
  return handler;
}

/**
 * Hands an error to the host's error handlers unless the response is already answered, and never
 * lets a throw escape into the event loop: a models endpoint must not be what kills a proxy.
 */
function passOn(next: (err?: unknown) => void, res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) return;
  try {
    next(error);
  } catch {
    // The host's own error path threw; there is no one left to tell.
  }
}

type Reply = PreparedBody | { readonly status: number; readonly error: unknown };

/** The prepared body for a key, built on first use. Keys are known model ids, so the map is bounded. */
function memo(map: Map<string, PreparedBody>, key: string, build: () => unknown): PreparedBody {
  let body = map.get(key);
  if (body === undefined) {
    body = prepareBody(build());
    map.set(key, body);
  }
  return body;
}

interface Route {
  /** Decoded model id, or undefined for the list. */
  readonly id: string | undefined;
  /** Raw query string without `?`. */
  readonly query: string;
}

const LIST_ROUTE: Route = Object.freeze({ id: undefined, query: '' });

/** Matches `/models`, `/models/` and `/models/<id>` (the id may hold `/`, `:` and `.`, raw or percent-encoded). */
export function matchRoute(url: string | undefined): Route | undefined {
  if (url === undefined || !url.startsWith('/models')) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (path === '/models' || path === '/models/') return query === '' ? LIST_ROUTE : { id: undefined, query };
  if (!path.startsWith('/models/')) return undefined;
  const raw = path.slice('/models/'.length);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // A malformed escape is not an id we hold: it answers 404 like any unknown id.
  }
  return { id, query };
}

/** Query parameters as strings, or arrays when repeated (which the Anthropic parser rejects). */
function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(query)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function sendError(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.removeHeader('ETag');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

function checkModes(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((m) => typeof m === 'string' && m !== '')) {
    throw new TypeError('@ccproxy/models-middleware: option `modes` must be a non-empty array of mode names');
  }
  return Object.freeze([...value]);
}

function checkFallback(value: unknown, provider: string): ModelCard[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new TypeError('@ccproxy/models-middleware: option `fallback` must be an array of models');
  return value.map((item: unknown, i) => {
    const model = checkObject(item, `fallback[${i}]`);
    const id = checkString(`fallback[${i}].id`, model.id);
    const ownedBy = provider === 'all' ? String(model.owned_by ?? 'fallback') : provider;
    return Object.freeze({
      ...model,
      id,
      object: 'model',
      created: typeof model.created === 'number' ? model.created : createdFromId(id),
      owned_by: typeof model.owned_by === 'string' ? model.owned_by : ownedBy,
    }) as ModelCard;
  });
}

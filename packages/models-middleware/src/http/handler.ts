/**
 * The HTTP side of the router: which requests it owns, which dialect answers, conditional
 * requests, and how every path ends. Each request ends in exactly one of: a response, `next()`
 * (not ours), or `next(err)` (an internal fault, for the host's error handlers); nothing is
 * written once the response is answered or the client has gone, and no throw escapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog, CatalogResult } from '../catalog/catalog.js';
import type { CodexDialect, CodexReply } from '../codex/codex-dialect.js';
import type { SlugFilter } from '../codex/slug-filter.js';
import { publishServed, type ServedBy } from '../events.js';
import type { CatalogSource } from '../types.js';
import { type AnswerDialect, dialectFor, type ResponseFormat, varyFor } from '../view/dialects.js';
import { openaiModelNotFound } from '../view/formats/openai.js';
import { isErrorReply } from '../view/prepared.js';
import type { View } from '../view/view.js';
import { matchRoute, type Route } from './route.js';
import { passOn, type SuccessHeaders, sendBody, sendError, writable } from './send.js';

/** Header naming the tier that answered (`memory`, `disk`, `upstream`, `snapshot`, `fallback`). */
export const SOURCE_HEADER = 'x-models-source';

export type Next = (err?: unknown) => void;
export type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

export interface HandlerOptions {
  /** The catalog's two read paths: the ready answer, and the one to wait for (per request: its key may pick a list). */
  readonly peek: (req: IncomingMessage) => CatalogResult | undefined;
  readonly get: (req: IncomingMessage) => Promise<CatalogResult>;
  /** The view of a catalog answer for a request (the router keeps the current ones). */
  readonly viewFor: (result: CatalogResult, req: IncomingMessage) => View;
  /** Request headers answers differ by besides the dialect's, for `Vary`. @default none */
  readonly varyAlso?: readonly string[] | undefined;
  readonly format: ResponseFormat;
  /** `Cache-Control` of successful answers. */
  readonly cacheControl: string;
  /** Told the tier of every answer sent (for `status()`). */
  readonly answered: (source: CatalogSource) => void;
  /** The Codex dialect (its own source; LiteLLM only fills gaps). */
  readonly codex: CodexDialect;
  /** Which Codex slugs a request sees (the operator's include / exclude, the provider's list). @default all */
  readonly codexFilter?: ((req: IncomingMessage) => Promise<SlugFilter | undefined>) | undefined;
  /** What the Codex dialect fills its entries from. */
  readonly catalog: Pick<Catalog, 'peek' | 'get'>;
  /** Who answers, for the `list` and `retrieve` diagnostics events. */
  readonly servedBy: ServedBy;
  /**
   * Appended to the source header (`memory; availability=failed`): what the provider's own list
   * is doing. @default none
   */
  readonly sourceNote?: ((req: IncomingMessage) => string) | undefined;
}

export function createHandler(options: HandlerOptions): Handler {
  const { peek, get, viewFor, format, answered, codex, catalog, servedBy, sourceNote, codexFilter } = options;
  const vary = [varyFor(format), ...(options.varyAlso ?? [])]
    .filter((name): name is string => name !== undefined && name !== '')
    .join(', ');
  // Built once per tier, so the hot path allocates no header object.
  const headersBySource = new Map<string, SuccessHeaders>();
  const headersFor = (source: string): SuccessHeaders => {
    let headers = headersBySource.get(source);
    if (headers === undefined) {
      headers = Object.freeze([
        ['Cache-Control', options.cacheControl] as const,
        ...(vary ? [['Vary', vary] as const] : []),
        [SOURCE_HEADER, source] as const,
      ]);
      headersBySource.set(source, headers);
    }
    return headers;
  };

  function answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    dialect: Exclude<AnswerDialect, 'codex'>,
    result: CatalogResult,
  ): void {
    if (!writable(res)) return;
    const view = viewFor(result, req);
    const source: CatalogSource = view.fallback ? 'fallback' : result.source;
    const reply = view.reply(dialect, route.id, route.query);
    if (isErrorReply(reply)) sendError(res, reply.status, reply.error);
    else
      sendBody(
        req,
        res,
        reply,
        headersFor(sourceNote === undefined ? source : `${source}; ${sourceNote(req)}`),
      );
    answered(source);
    publishServed(servedBy, req, dialect, source, res.statusCode, route.id, view.listing.cards.length);
  }

  /** A Codex answer: the source's entries, or the OpenAI 404 for a slug it does not have. */
  function answerCodex(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    reply: CodexReply | undefined,
  ): void {
    if (!writable(res)) return;
    if (reply === undefined) sendError(res, 404, openaiModelNotFound(route.id ?? ''));
    else sendBody(req, res, reply.body, headersFor(reply.source));
    const source = reply?.source ?? codex.source;
    publishServed(servedBy, req, 'codex', source, res.statusCode, route.id, reply?.entries ?? 0);
  }

  return function modelsRouterHandler(req, res, next) {
    const route = matchRoute(req.method, req.url);
    if (route === undefined) {
      next();
      return;
    }
    try {
      const dialect = dialectFor(format, { headers: req.headers, query: route.query });
      if (dialect === 'codex') {
        const filtered = codexFilter === undefined ? Promise.resolve(undefined) : codexFilter(req);
        filtered
          .then((filter) =>
            route.id === undefined ? codex.list(catalog, filter) : codex.one(route.id, catalog, filter),
          )
          .then((found) => answerCodex(req, res, route, found))
          .catch((error: unknown) => passOn(next, res, error));
        return;
      }
      const ready = peek(req);
      if (ready !== undefined) {
        answer(req, res, route, dialect, ready);
        return;
      }
      get(req)
        .then((result) => answer(req, res, route, dialect, result))
        .catch((error: unknown) => passOn(next, res, error));
    } catch (error) {
      passOn(next, res, error);
    }
  };
}

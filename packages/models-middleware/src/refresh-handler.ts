/**
 * `POST` endpoint that refreshes a catalog now: for an operator (`Authorization: Bearer <secret>`)
 * or a GitHub-style webhook (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`), so a
 * push to LiteLLM's repository (or a mirror) shows its new models at once instead of after the TTL.
 */
// The default export (the CommonJS object), not named imports: a test can then observe that the
// comparison really goes through timingSafeEqual.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import type { Catalog, RefreshReport } from './catalog/catalog.js';
import { type Clock, systemClock } from './clock.js';
import { ModelsError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { checkInteger, checkKnownKeys, checkMethods, checkObject, checkString } from './options.js';

/** Refreshes closer together than this share the last report. */
export const DEFAULT_REFRESH_MIN_INTERVAL_MS = 60_000;
/** A GitHub push delivery is a few KiB to a few hundred KiB; GitHub itself caps payloads at 25 MB. */
export const DEFAULT_REFRESH_MAX_BODY_BYTES = 1024 * 1024;

export interface RefreshHandlerOptions {
  /** The catalog to refresh (a router's `router.catalog`, or a `createCatalog()`). Required. */
  catalog: Catalog;
  /**
   * The shared secret: the bearer token, and the HMAC key of `X-Hub-Signature-256` (GitHub's
   * webhook "Secret"). Required and non-empty: without a secret there is no endpoint.
   */
  secret: string;
  /**
   * Calls within this many ms of the last refresh's start get its report (`reused: true`) instead
   * of a new upstream request; `0` refreshes on every call (concurrent calls still share one).
   * @default DEFAULT_REFRESH_MIN_INTERVAL_MS (60 000)
   */
  minIntervalMs?: number;
  /** Larger request bodies are refused with 413, unread. @default DEFAULT_REFRESH_MAX_BODY_BYTES (1 MiB) */
  maxBodyBytes?: number;
  /** Refused credentials are logged at warn (never the secret or what was sent), refreshes at info. @default silent */
  logger?: Logger;
  /** Time source of the rate limit. @default the catalog's clock, else `Date.now` */
  clock?: Clock;
}

/** The JSON a refresh answers with: the catalog's report, and whether this call caused it. */
export interface RefreshResponse extends RefreshReport {
  /** When the refresh that produced this report started (ISO). */
  readonly refreshedAt: string;
  /** This call did not start a refresh: it joined one in flight, or came within `minIntervalMs` of the last. */
  readonly reused: boolean;
}

/** An Express-compatible middleware: `POST` refreshes, every other method falls through with `next()`. */
export interface RefreshHandler {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  readonly catalog: Catalog;
}

/**
 * The signature needs the raw body, and a body parser mounted before the handler (`express.json()`)
 * already consumed it without keeping the bytes.
 */
export class RefreshBodyUnavailableError extends ModelsError {
  override name = 'RefreshBodyUnavailableError';
  constructor() {
    super(
      'refreshHandler cannot check X-Hub-Signature-256: a body parser consumed the request body; mount refreshHandler before it, or keep the bytes (`express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })`)',
      { status: 500 },
    );
  }
}

const KEYS: ReadonlySet<string> = new Set([
  'catalog',
  'secret',
  'minIntervalMs',
  'maxBodyBytes',
  'logger',
  'clock',
]);
const JSON_TYPE = 'application/json; charset=utf-8';
const SIGNATURE_HEADER = 'x-hub-signature-256';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const BEARER = /^bearer\s+(.+)$/i;

interface Done {
  readonly report: RefreshReport;
  /** Clock time the refresh started at. */
  readonly at: number;
}

type Refused = 'missing credential' | 'wrong bearer token' | 'malformed signature' | 'wrong signature';

/**
 * Creates the refresh endpoint. Options are validated here: a missing or empty `secret` throws a
 * TypeError, a bad number a RangeError, each naming the option.
 */
export function refreshHandler(options: RefreshHandlerOptions): RefreshHandler {
  const o = checkObject(options, 'refreshHandler options');
  checkKnownKeys(o, KEYS, 'refreshHandler');
  const catalog = checkMethods<Catalog>('catalog', o.catalog, ['refresh']);
  const secret = checkString('secret', o.secret);
  const minIntervalMs =
    o.minIntervalMs === undefined
      ? DEFAULT_REFRESH_MIN_INTERVAL_MS
      : checkInteger('minIntervalMs', o.minIntervalMs, 0, 86_400_000);
  const maxBodyBytes =
    o.maxBodyBytes === undefined
      ? DEFAULT_REFRESH_MAX_BODY_BYTES
      : checkInteger('maxBodyBytes', o.maxBodyBytes, 0, 1024 * 1024 * 1024);
  const logger =
    o.logger === undefined ? silentLogger : checkMethods<Logger>('logger', o.logger, ['info', 'warn']);
  const clock =
    o.clock === undefined ? (catalog.clock ?? systemClock) : checkMethods<Clock>('clock', o.clock, ['now']);
  // Compared as digests: equal lengths whatever was sent, so timingSafeEqual can always run.
  const secretDigest = crypto.createHash('sha256').update(secret).digest();

  /** The one state record: the refresh in flight, and the last one that finished. */
  const state: { running: Promise<Done> | undefined; last: Done | undefined } = {
    running: undefined,
    last: undefined,
  };

  function refresh(): Promise<{ done: Done; reused: boolean }> {
    if (state.running !== undefined) return state.running.then((done) => ({ done, reused: true }));
    const at = clock.now();
    const last = state.last;
    if (last !== undefined && at - last.at < minIntervalMs)
      return Promise.resolve({ done: last, reused: true });
    const running = Promise.resolve()
      .then(() => catalog.refresh())
      .catch((error: unknown): RefreshReport => failedReport(error))
      .then((report): Done => {
        state.last = { report, at };
        return state.last;
      })
      .finally(() => {
        state.running = undefined;
      });
    state.running = running;
    return running.then((done) => ({ done, reused: false }));
  }

  function verify(req: IncomingMessage, body: Buffer | undefined): Refused | 'bearer' | 'signature' {
    const authorization = req.headers.authorization;
    const token = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (token !== undefined) {
      const digest = crypto.createHash('sha256').update(token).digest();
      return crypto.timingSafeEqual(digest, secretDigest) ? 'bearer' : 'wrong bearer token';
    }
    const header = req.headers[SIGNATURE_HEADER];
    // Another scheme (Basic from a proxy in front) with no signature is as good as no credential.
    if (header === undefined)
      return authorization === undefined ? 'missing credential' : 'wrong bearer token';
    const hex = typeof header === 'string' ? SIGNATURE.exec(header.trim())?.[1] : undefined;
    if (hex === undefined) return 'malformed signature';
    if (body === undefined) throw new RefreshBodyUnavailableError();
    const expected = crypto.createHmac('sha256', secret).update(body).digest();
    return crypto.timingSafeEqual(Buffer.from(hex, 'hex'), expected) ? 'signature' : 'wrong signature';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer | undefined;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status !== 413 && status !== 400) throw error;
      if (status === 413) res.setHeader('Connection', 'close');
      const message =
        status === 413 ? `request body larger than ${maxBodyBytes} bytes` : 'unreadable request body';
      sendJson(res, status, {
        error: { type: status === 413 ? 'payload_too_large' : 'bad_request', message },
      });
      return;
    }
    const verdict = verify(req, body);
    if (verdict !== 'bearer' && verdict !== 'signature') {
      logger.warn(
        { reason: verdict, remoteAddress: req.socket.remoteAddress, url: req.url },
        `models refresh refused: ${verdict}`,
      );
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendJson(res, 401, { error: { type: 'unauthorized', message: 'missing or wrong credential' } });
      return;
    }
    const { done, reused } = await refresh();
    const { report } = done;
    logger.info(
      {
        via: verdict,
        reused,
        ok: report.ok,
        changed: report.changed,
        added: report.added.length,
        removed: report.removed.length,
      },
      reused ? 'models refresh requested: answered with the last report' : 'models refresh requested',
    );
    const answer: RefreshResponse = { ...report, refreshedAt: new Date(done.at).toISOString(), reused };
    sendJson(res, report.ok ? 200 : 502, answer);
  }

  const handler = function modelsRefreshHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void {
    if (req.method !== 'POST') {
      next();
      return;
    }
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      try {
        next(error);
      } catch {
        // The host's own error path threw; there is no one left to tell.
      }
    });
  } as RefreshHandler;
  Object.defineProperty(handler, 'catalog', { value: catalog, enumerable: true });
  return handler;
}

/**
 * The raw request body, or `undefined` when a body parser consumed it without keeping the bytes.
 * A Buffer left by `express.raw()` (`req.body`) or by a parser's `verify` hook (`req.rawBody`) is used as is.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parsed = (req as { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) return parsed;
  const raw = (req as { rawBody?: unknown }).rawBody;
  if (Buffer.isBuffer(raw)) return raw;
  if (!req.readable || req.readableEnded) return undefined;
  return getRawBody(req, { limit, length: req.headers['content-length'] ?? null });
}

function failedReport(error: unknown): RefreshReport {
  return {
    ok: false,
    source: 'fallback',
    notModified: false,
    changed: false,
    added: [],
    removed: [],
    error: error instanceof Error ? error.message : String(error),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

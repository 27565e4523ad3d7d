/**
 * The app's own 404 and error responses, as JSON in the caller's dialect: the Anthropic envelope
 * for requests with `anthropic-version` or under an Anthropic plugin's mount, OpenAI's otherwise.
 * The models routers answer their own 404s; these cover every other path and any `next(err)`.
 */
import { anthropicError, openaiError } from '@ccproxy/models-middleware';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

export type Dialect = 'openai' | 'anthropic';

export function dialectOf(anthropicMounts: readonly string[]): (req: Request) => Dialect {
  return function dialect(req) {
    if (req.get('anthropic-version') !== undefined) return 'anthropic';
    const under = anthropicMounts.some(
      (mount) => mount === '/' || req.path === mount || req.path.startsWith(`${mount}/`),
    );
    return under ? 'anthropic' : 'openai';
  };
}

/** The same envelopes the models routers answer with, from the package. */
function body(dialect: Dialect, status: number, message: string): object {
  if (dialect === 'anthropic') {
    const type = status === 404 ? 'not_found_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return anthropicError(type, message);
  }
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return openaiError(message, type, null, status === 404 ? 'not_found' : null);
}

export function notFoundHandler(dialect: (req: Request) => Dialect): RequestHandler {
  return function notFound(req, res) {
    res
      .status(404)
      .set('Cache-Control', 'no-store')
      .json(body(dialect(req), 404, `Not found: ${req.method} ${req.path}`));
  };
}

interface HttpErrorFields {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
}

/**
 * Reads `status`/`statusCode`/`expose` as `http-errors` and the package's errors set them. Only
 * an exposed message reaches the client; 5xx are logged with the error.
 */
export function errorHandler(logger: Logger, dialect: (req: Request) => Dialect): ErrorRequestHandler {
  return function onError(error: unknown, req, res, next) {
    if (res.headersSent) {
      next(error);
      return;
    }
    const fields: HttpErrorFields = typeof error === 'object' && error !== null ? error : {};
    const raw = fields.status ?? fields.statusCode;
    const status = typeof raw === 'number' && Number.isInteger(raw) && raw >= 400 && raw < 600 ? raw : 500;
    if (status >= 500)
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    const exposed = fields.expose === true && typeof fields.message === 'string' ? fields.message : undefined;
    const message = exposed ?? (status >= 500 ? 'Internal server error' : 'Bad request');
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .json(body(dialect(req), status, message));
  };
}

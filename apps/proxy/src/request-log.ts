/** The demo's access log: one pino line per finished or aborted request. */
import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import type { Logger as PinoLogger } from 'pino';

/** One info line per finished request: method, url, status, milliseconds. */
export function requestLogger(logger: PinoLogger): RequestHandler {
  return function logRequest(req, res, next) {
    const start = performance.now();
    // One listener: a response always emits `close`, after `finish` when it was sent whole.
    res.once('close', () => {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      const line = { method: req.method, url: req.originalUrl, status: res.statusCode, ms };
      if (res.writableFinished)
        logger.info(line, `${req.method} ${req.originalUrl} ${res.statusCode} ${ms} ms`);
      else logger.info({ ...line, aborted: true }, `${req.method} ${req.originalUrl} aborted after ${ms} ms`);
    });
    next();
  };
}

import type { ErrorRequestHandler, Express } from 'express';
import express from 'express';
import express4 from 'express4';
import type { ModelsRouter } from '../../src/router.js';

export type ExpressFactory = () => Express;

/** Both supported majors: every router suite runs against each. */
export const EXPRESS_VERSIONS: Array<[string, ExpressFactory]> = [
  ['Express 5', () => express()],
  ['Express 4', () => express4() as unknown as Express],
];

/**
 * An app like a real proxy's: the router at /v1 beside the proxy's own /v1 routes, and an error
 * handler that records what reached it.
 */
export function proxyApp(makeApp: ExpressFactory, router: ModelsRouter, errors: unknown[] = []): Express {
  const app = makeApp();
  app.use('/v1', router);
  app.post('/v1/chat/completions', (_req, res) => {
    res.json({ proxied: 'chat' });
  });
  app.get('/v1/models-usage', (_req, res) => {
    res.json({ proxied: 'models-usage' });
  });
  app.post('/v1/models', (_req, res) => {
    res.status(405).json({ proxied: 'post-models' });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(502).json({ handledBy: 'app' });
  };
  app.use(onError);
  return app;
}

// A process whose start-up run.mjs times: `node restart-app.mjs <router|bare|fill> '<json config>'`.
// `router` and `bare` print `PORT <n>` once listening; `fill` warms the disk cache and exits.
import { readFileSync } from 'node:fs';
import { JSON_TYPE, loadExpress, PKG_URL, PROVIDER } from './common.mjs';

const kind = process.argv[2];
const config = JSON.parse(process.argv[3] ?? '{}');
// Never outlive a crashed orchestrator for long.
setTimeout(() => process.exit(3), 30_000).unref();

if (kind === 'fill') {
  const { createCatalog } = await import(PKG_URL);
  const catalog = createCatalog({ url: config.url, cacheDir: config.cacheDir });
  const report = await catalog.refresh(); // resolves once the disk write has landed
  await catalog.close();
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(report.ok ? 0 : 1);
}

const express = loadExpress();
const app = express();
if (kind === 'router') {
  const { modelsRouter } = await import(PKG_URL);
  app.use('/v1', modelsRouter({ provider: PROVIDER, url: config.url, cacheDir: config.cacheDir }));
} else if (kind === 'bare') {
  const body = readFileSync(config.bodyFile);
  const route = express.Router();
  route.get('/models', function bare(_req, res) {
    res.setHeader('Content-Type', JSON_TYPE);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });
  app.use('/v1', route);
} else {
  throw new Error(`unknown kind ${kind}`);
}
const server = app.listen(0, '127.0.0.1', (err) => {
  if (err) throw err;
  process.stdout.write(`PORT ${server.address().port}\n`);
});

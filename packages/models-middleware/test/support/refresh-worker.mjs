// A second server process for the shared-cache test: forced refreshes against one cache
// directory, through the built package, as a real deployment would run it. Prints one JSON line.
import { createCatalog } from '../../dist/index.js';

const [url, cacheDir, rounds] = process.argv.slice(2);
const catalog = createCatalog({ url, cacheDir, snapshot: false, storeTimeoutMs: 10_000 });
const reports = [];
for (let i = 0; i < Number(rounds); i++) reports.push(await catalog.refresh());
const status = catalog.status();
await catalog.close();
process.stdout.write(
  `${JSON.stringify({
    ok: reports.filter((report) => report.ok).length,
    errors: reports.filter((report) => !report.ok).map((report) => report.error),
    disk: status.disk,
    models: status.models,
  })}\n`,
);

// Child process of sqlite-load.test.ts: builds a catalog from the built package, serves one list,
// and reports what it logged and whether sqlite3 was ever loaded.
import { createRequire } from 'node:module';

const [dist, url, mode, cacheDir] = process.argv.slice(2);
const { createCatalog } = await import(dist);
const lines = [];
const log = (level) => (obj, msg) => lines.push({ level, msg, obj });
const logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
const storage = mode === 'map' ? { store: new Map() } : mode === 'off' ? { cacheDir: false } : { cacheDir };
const catalog = createCatalog({ url, logger, snapshot: false, ...storage });
const result = await catalog.get();
await catalog.refresh();
await catalog.idle();
const status = catalog.status();
await catalog.close();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) =>
  /[\\/]sqlite3[\\/]/.test(file),
);
process.stdout.write(
  JSON.stringify({
    source: result.source,
    models: result.models.cards.length,
    lines,
    disk: status.disk,
    diskError: status.diskError,
    sqlite3Loaded: loaded.length > 0,
  }),
);

// Shared by the orchestrator (run.mjs) and the processes it starts. The only side effect on import
// is writing the plain fixture to the temp directory once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const PKG_DIR = fileURLToPath(new URL('../packages/models-middleware/', import.meta.url));
/** The built package, as a consumer would import it. */
export const PKG_URL = new URL('../packages/models-middleware/dist/index.js', import.meta.url).href;
/**
 * The real LiteLLM document (a plain JSON file: the cold build reads it as a `file:` source). The
 * repository commits it gzipped; the first import writes the plain copy to the temp directory.
 */
export const FIXTURE = process.env.BENCH_FIXTURE ?? plainFixture();

function plainFixture() {
  const target = join(tmpdir(), 'ccproxy-bench-model_prices_and_context_window.2026-07-24.json');
  if (!existsSync(target)) {
    const gz = new URL(
      '../fixtures/litellm/model_prices_and_context_window.2026-07-24.json.gz',
      import.meta.url,
    );
    writeFileSync(target, gunzipSync(readFileSync(gz)));
  }
  return target;
}

// Express is a peer dependency of the package, installed in its node_modules only.
const requireFromPkg = createRequire(new URL('../packages/models-middleware/package.json', import.meta.url));
export const loadExpress = () => requireFromPkg('express');
export const expressVersion = () => requireFromPkg('express/package.json').version;

export const PROVIDER = 'openai';
export const MODES = ['chat', 'responses'];
export const JSON_TYPE = 'application/json; charset=utf-8';
export const ANTHROPIC_HEADERS = Object.freeze({ 'anthropic-version': '2023-06-01' });
export const OPENAI_PATH = '/v1/models';
export const ANTHROPIC_PATH = '/v1/models?limit=1000';

/**
 * Calls a `(req, res, next)` middleware without a socket and resolves with what it sent. Enough
 * for the package's router, which only uses method, url, headers, setHeader, removeHeader, end.
 */
export function invoke(handler, url, headers = {}) {
  return new Promise((resolve, reject) => {
    const sent = {};
    const res = {
      statusCode: 200,
      setHeader(name, value) {
        sent[name.toLowerCase()] = value;
      },
      getHeader(name) {
        return sent[name.toLowerCase()];
      },
      removeHeader(name) {
        delete sent[name.toLowerCase()];
      },
      end(body) {
        resolve({ status: this.statusCode, headers: sent, body: body ?? Buffer.alloc(0) });
      },
    };
    handler({ method: 'GET', url, headers }, res, (err) =>
      reject(err ?? new Error(`the middleware passed ${url} on to next()`)),
    );
  });
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Nearest-rank percentile (p in 0..100). */
export const percentile = (values, p) => {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
};

/** A release date inside an id (the naive route needs one for `created`). */
const DATE_IN_ID = /(?:^|\D)(20\d{2})-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)/;
export function naiveCreated(id) {
  const m = DATE_IN_ID.exec(id);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 : 0;
}

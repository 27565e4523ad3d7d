// Shared by the orchestrator (run.mjs) and the processes it starts. The only side effect on import
// is writing the plain fixture to the temp directory once.
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { codexModelInfo } from '../packages/models-middleware/test/support/codex-model.mjs';

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
/** How the Codex CLI asks (`GET <model_catalog_url>?client_version=...`): the router's `auto` format answers in Codex's dialect. */
export const CODEX_QUERY = '?client_version=0.171.0';
/** Where the demo (apps/proxy) mounts its two plugins' routers, as in its default config. */
export const DEMO_MOUNTS = Object.freeze({ codex: '/codex/v1', claude_api: '/claude/v1' });
/** The OpenAI list under two filters (figure 1). */
export const FILTERED_PATH = '/v1/models?supports=vision&min_context=100000';
/** Where the router under `RULES` is mounted, beside the plain one (figure 1). */
export const RULES_PATH = '/rules/v1/models';

/**
 * 50 operator rules, the mix a real config has: 10 include and 10 exclude patterns (globs and
 * regexes), 15 overrides, 7 custom models and 8 aliases to listed models.
 */
export const RULES = Object.freeze({
  include: [
    'gpt-4*',
    'gpt-5*',
    'o1*',
    'o3*',
    'o4*',
    'gpt-3.5-turbo*',
    'chatgpt-*',
    'codex-*',
    '/^gpt-audio/',
    'gpt-4o*',
  ],
  exclude: [
    '*-preview*',
    '*-0314',
    '*-0613',
    '*-1106*',
    '*search*',
    '*deep-research*',
    '/-\\d{4}-\\d{2}-\\d{2}$/',
    'gpt-3.5-turbo-16k',
    'gpt-4-turbo-2024-04-09',
    'o1-pro*',
  ],
  overrides: {
    'gpt-5*': { description: 'GPT-5 family' },
    'gpt-5': { display_name: 'GPT-5', supports_web_search: true },
    'gpt-5-codex': { display_name: 'GPT-5 Codex', max_output_tokens: 128000 },
    'gpt-4.1': { max_input_tokens: 1047576, context_length: 1047576 },
    'gpt-4.1-mini': { pricing: { prompt: '0.0000004', completion: '0.0000016' } },
    'gpt-4o*': { supports_prompt_caching: true },
    'o3*': { supports_reasoning: true },
    'o4-mini': { display_name: 'o4-mini' },
    'gpt-3.5-turbo': { deprecation_date: '2027-01-01' },
    '*mini*': { description: 'Small and fast' },
    '*nano*': { supports_vision: false },
    'gpt-5.1*': { supports_pdf_input: true },
    '/^gpt-5\\.[2-4]/': { supports_parallel_function_calling: true },
    'codex-mini-latest': { mode: 'responses' },
    'chatgpt-4o-latest': { max_output_tokens: 16384 },
  },
  extra: [
    { id: 'house-small', max_input_tokens: 32000, supports_function_calling: true },
    { id: 'house-large', max_input_tokens: 200000, supports_vision: true, supports_function_calling: true },
    { id: 'house-coder', mode: 'responses', max_input_tokens: 400000, supports_reasoning: true },
    { id: 'house-vision', max_input_tokens: 128000, supports_vision: true },
    { id: 'house-embed-free', max_input_tokens: 8000, description: 'A local model' },
    { id: 'house-pro', max_input_tokens: 1000000, supports_vision: true, pricing: { prompt: 0.00001 } },
    { id: 'house-mini', max_input_tokens: 64000, display_name: 'House Mini' },
  ],
  aliases: {
    latest: 'gpt-5',
    default: 'gpt-4.1',
    codex: 'gpt-5-codex',
    reasoning: 'o3',
    fast: 'gpt-5-mini',
    cheap: 'gpt-4.1-nano',
    vision: 'gpt-4o',
    small: 'o4-mini',
  },
});

/**
 * A Codex models cache (`$CODEX_HOME/models_cache.json`, the Codex dialect's source), the size of a
 * real one: a few hundred KB, because every entry carries its instructions. The entries are made
 * up (Codex's prompts do not belong in this repository) but shaped like Codex's `ModelInfo`; the
 * slugs are in LiteLLM, so the router fills their context window and input modalities from it.
 */
export const CODEX_SLUGS = Object.freeze([
  'gpt-5.2-codex',
  'gpt-5.1-codex-max',
  'gpt-5.1-codex',
  'gpt-5.1-codex-mini',
  'gpt-5-codex',
  'gpt-5.2',
  'gpt-5.1',
  'gpt-5',
]);
export function codexCacheText() {
  // 24 KB of instructions per entry, with the newlines and quotes a real prompt has to escape.
  const paragraph =
    'You are a coding agent running in a terminal. Keep "answers" short; prefer `apply_patch`.\n';
  const instructions = paragraph.repeat(Math.ceil(24_576 / paragraph.length));
  const models = CODEX_SLUGS.map((slug, i) =>
    codexModelInfo(slug, {
      display_name: slug,
      description: `Bench model ${slug}.`,
      priority: i,
      base_instructions: `${slug}\n${instructions}`,
    }),
  );
  return JSON.stringify(
    { fetched_at: '2026-12-01T00:00:00Z', etag: 'W/"bench"', client_version: '0.171.0', models },
    null,
    2,
  );
}

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

/**
 * The cold-build figure's router side, in the calling (fresh) process: a catalog whose source is
 * `file` and a router over it, set up as a server sets them up, then the time from calling the
 * router to its first list body (read, parse, validate, build, sanity-check, filter, serialise,
 * hash for the ETag). The clock starts once a server listens and its start-up turn is over: a
 * first request comes no sooner, and what the package starts in the background at creation (the
 * HTTP client's import, compiling the parse and view code) is start-up, not the request's.
 */
export async function coldFirstListMs(file) {
  const { createCatalog, modelsRouter } = await import(PKG_URL);
  const catalog = createCatalog({ url: file, cacheDir: false, snapshot: false });
  const router = modelsRouter({ provider: PROVIDER, catalog, format: 'openai' });
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  await new Promise((resolve) => setImmediate(resolve));
  const t0 = performance.now();
  const res = await invoke(router, '/models');
  const ms = performance.now() - t0;
  if (res.status !== 200 || res.headers['x-models-source'] !== 'upstream') {
    throw new Error(`first list answered ${res.status} from ${res.headers['x-models-source']}`);
  }
  await router.close();
  server.close();
  return { ms, bytes: res.body.length };
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

/**
 * Full GCs until heapUsed stops shrinking, so two readings compare what is retained. `gc` is
 * --expose-gc's (a process started without it measures without collecting).
 */
export function settledMemory(gc = globalThis.gc ?? (() => {})) {
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 16 * 1024) break;
    last = used;
  }
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

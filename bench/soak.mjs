#!/usr/bin/env node
// `pnpm soak`: the demo proxy (the BUILT apps/proxy, both plugins) under continuous keep-alive load
// while its fake LiteLLM upstream cycles through good, changed, broken, slow and unreachable, and
// every catalog is refreshed by force once a second. Expected: every request answers 200 or 304,
// no list is ever empty, and the heap after a full GC grows by at most 20 MB. Exit 0 on PASS,
// 1 on FAIL, 2 on bad arguments, 130 when interrupted (Ctrl-C stops early and still reports).
//
//   pnpm soak                         # 60 s
//   SOAK_SECONDS=10 pnpm soak         # or: node --expose-gc bench/soak.mjs --seconds 10
//
// Everything listens on 127.0.0.1:0 and lives in one temp dir (SQLite cache, app log), removed at
// the end unless an expectation failed: then it is kept, for the evidence.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { FIXTURE, settledMemory as settledWith } from './common.mjs';

const DEFAULT_SECONDS = 60;
/** Concurrent request loops, one keep-alive socket each. */
const CLIENTS = 8;
/** The upstream changes behaviour this often. */
const SWITCH_EVERY_MS = 3_000;
const REFRESH_EVERY_MS = 1_000;
const REPORT_EVERY_MS = 10_000;
/** Load with a good upstream before the start reading, so JIT and lazily built views are in it. */
const WARMUP_MS = 2_000;
/** `models_fetch_timeout`, seconds: short, so the trickle mode ends in a timeout within its slot. */
const FETCH_TIMEOUT_SECONDS = 3;
/** The `slow` mode answers in full after this long, inside the fetch timeout. */
const SLOW_MS = 2_000;
const TRICKLE_EVERY_MS = 250;
/** A request the app leaves unanswered this long counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A forced refresh must settle within the fetch deadline plus this much (parse, disk write). One
 * that does not has wedged its catalog: every later refresh joins it. The soak stops waiting then.
 */
const SETTLE_GRACE_MS = 10_000;
const SETTLE_LIMIT_MS = FETCH_TIMEOUT_SECONDS * 1000 + SETTLE_GRACE_MS;
/** Each part gets this long to close. */
const CLOSE_LIMIT_MS = 10_000;
const MB = 1024 * 1024;
const MAX_HEAP_GROWTH = 20 * MB;
/** Distinct kinds of failed request kept for the report (path, header, what came back). */
const MAX_PROBLEM_KINDS = 20;

const USAGE = `Usage: node --expose-gc bench/soak.mjs [--seconds <n>]

Runs the demo proxy under load while its upstream misbehaves; PASS (exit 0) or FAIL (exit 1).
Needs the build: \`npx tsc -b\` (\`pnpm soak\` runs it).

Options:
  --seconds <n>  How long the soak runs, after a short warm-up (default $SOAK_SECONDS, else ${DEFAULT_SECONDS})
  -h, --help     Show this help
`;

const APP_URL = new URL('../apps/proxy/dist/app.js', import.meta.url).href;
const CONFIG_URL = new URL('../apps/proxy/dist/config.js', import.meta.url).href;
// pino is the app's dependency, installed in its node_modules only.
const requireFromApp = createRequire(new URL('../apps/proxy/package.json', import.meta.url));

/** Model ids the changed documents add and drop; the drop is listed by claude_api but never retrieved. */
const ADDED_MODEL = 'gpt-soak-extra';
const DROPPED_MODEL = 'claude-3-haiku-20240307';

/**
 * One behaviour per slot, in this order, round and round. The order puts one of each kind (good,
 * changed, bad, slow, down) in the first 20 s, so a short run still meets them all.
 */
const MODES = [
  'good',
  'http-500',
  'plus-one',
  'slow',
  'down',
  'html',
  'good',
  'trickle',
  'truncated',
  'minus-one',
  'reset',
  'empty-object',
];

const ANTHROPIC = Object.freeze({ 'anthropic-version': '2023-06-01' });
/** What the clients ask, in turn. `id` marks a retrieve, whose answer must be that model. */
const REQUESTS = Object.freeze([
  { path: '/codex/v1/models', headers: {} },
  { path: '/codex/v1/models/gpt-4.1', headers: {}, id: 'gpt-4.1' },
  { path: '/claude/v1/models?limit=1000', headers: ANTHROPIC },
  { path: '/claude/v1/models/claude-opus-4-1', headers: ANTHROPIC, id: 'claude-opus-4-1' },
]);

// --- helpers --------------------------------------------------------------------------------

const gc =
  globalThis.gc ??
  (() => {
    // Started without --expose-gc (plain `node bench/soak.mjs`): switch it on at run time.
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc');
  })();

const settledMemory = () => settledWith(gc);

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
const signedMb = (bytes) => `${bytes >= 0 ? '+' : '-'}${mb(Math.abs(bytes))}`;
const memoryText = ({ rss, heap }) => `rss ${mb(rss).padStart(8)}  heap ${mb(heap).padStart(8)}`;
const count = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
const counts = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';
const ms = (ns) => `${(ns / 1e6).toFixed(1)} ms`;

/** `{ settled: true, value }`, or `{ settled: false }` once `limitMs` has passed first. */
async function within(promise, limitMs) {
  const timer = new AbortController();
  const timeout = delay(limitMs, { settled: false }, { signal: timer.signal }).catch(() => undefined);
  try {
    return await Promise.race([promise.then((value) => ({ settled: true, value })), timeout]);
  } finally {
    timer.abort();
  }
}

function parseSeconds() {
  const args = process.argv.slice(2);
  // `pnpm soak -- --seconds 10` passes the separator through.
  if (args[0] === '--') args.shift();
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { seconds: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError(error.message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const [raw, origin] =
    values.seconds !== undefined
      ? [values.seconds, '--seconds']
      : process.env.SOAK_SECONDS
        ? [process.env.SOAK_SECONDS, 'SOAK_SECONDS']
        : [String(DEFAULT_SECONDS), 'default'];
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || raw.trim() === '') {
    usageError(`${origin} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return seconds;
}

function usageError(message) {
  process.stderr.write(`soak: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// --- the fake upstream ----------------------------------------------------------------------

function prepareDocument(bytes) {
  return { bytes, gzipped: gzipSync(bytes), etag: `"${createHash('sha1').update(bytes).digest('hex')}"` };
}

/** Like raw.githubusercontent.com: a strong ETag, 304 on a match, gzip when asked. */
function serveDocument(req, res, doc) {
  if (req.headers['if-none-match'] === doc.etag) {
    res.writeHead(304, { ETag: doc.etag });
    res.end();
    return;
  }
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const bytes = gzip ? doc.gzipped : doc.bytes;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    ETag: doc.etag,
    'Content-Length': bytes.length,
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  res.end(bytes);
}

function reply(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** The LiteLLM upstream on 127.0.0.1:0, whose behaviour is `mode`; `down` closes the port itself. */
async function startUpstream() {
  const fixture = readFileSync(FIXTURE);
  const fixtureDoc = JSON.parse(fixture.toString('utf8'));
  const plusOne = {
    ...fixtureDoc,
    [ADDED_MODEL]: {
      litellm_provider: 'openai',
      mode: 'chat',
      max_input_tokens: 128_000,
      max_output_tokens: 16_384,
    },
  };
  const minusOne = { ...fixtureDoc };
  delete minusOne[DROPPED_MODEL];
  const documents = {
    good: prepareDocument(fixture),
    'plus-one': prepareDocument(Buffer.from(JSON.stringify(plusOne))),
    'minus-one': prepareDocument(Buffer.from(JSON.stringify(minusOne))),
  };
  const truncated = fixture.subarray(0, 100_000);

  let mode = 'good';
  const requests = new Map();
  const server = http.createServer(function upstream(req, res) {
    count(requests, mode);
    switch (mode) {
      case 'good':
      case 'plus-one':
      case 'minus-one':
        serveDocument(req, res, documents[mode]);
        return;
      case 'slow': {
        const timer = setTimeout(() => serveDocument(req, res, documents.good), SLOW_MS);
        res.once('close', () => clearTimeout(timer));
        return;
      }
      case 'trickle': {
        // Headers at once, then a byte now and then: only the whole-fetch deadline ends it.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), TRICKLE_EVERY_MS);
        res.once('close', () => clearInterval(timer));
        return;
      }
      case 'http-500':
        reply(res, 500, 'text/plain', 'internal server error');
        return;
      case 'html':
        reply(
          res,
          200,
          'text/html',
          '<!doctype html><html><body><h1>Down for maintenance</h1></body></html>',
        );
        return;
      case 'truncated':
        reply(res, 200, 'application/json', truncated);
        return;
      case 'empty-object':
        reply(res, 200, 'application/json', '{}');
        return;
      default:
        // `reset` and `down` (a connection that raced the close): no answer at all.
        req.socket.destroy();
    }
  });
  server.on('connection', (socket) => {
    if (mode === 'reset') socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  async function close() {
    if (!server.listening) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  /** Listens on the same port again (an outgoing socket may hold it for a moment). */
  async function reopen() {
    if (server.listening) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        return;
      } catch (error) {
        if (attempt >= 100 || error.code !== 'EADDRINUSE') throw error;
        await delay(20);
      }
    }
  }

  return {
    url: `http://127.0.0.1:${port}/model_prices_and_context_window.json`,
    requests,
    get mode() {
      return mode;
    },
    async setMode(next) {
      if (next === 'down') {
        mode = next;
        await close();
      } else {
        await reopen();
        mode = next;
      }
    },
    close,
  };
}

// --- the load -------------------------------------------------------------------------------

function newStats() {
  return {
    requests: 0,
    failures: 0,
    emptyLists: 0,
    byStatus: new Map(),
    sources: new Map(),
    /** Distinct ETags of each list, to show the changed documents reached the clients. */
    listVersions: new Map(),
    revalidations: 0,
    latency: createHistogram(),
    /** `GET <path> -> <what>` to its count, first occurrence and the upstream modes it met. */
    problems: new Map(),
  };
}

function get(agent, port, path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('close', () => {
        if (!res.complete) reject(new Error('the connection closed before the response was complete'));
      });
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** What is wrong with an answer, or undefined; `empty` when it is a list with no model. */
function problemOf(spec, res, revalidating) {
  if (res.status === 304)
    return revalidating ? undefined : { what: '304 to a request without If-None-Match' };
  if (res.status !== 200) {
    return { what: `HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}` };
  }
  let body;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    return { what: `200 with a body that is not JSON: ${res.body.toString('utf8').slice(0, 200)}` };
  }
  if (spec.id !== undefined) {
    return body?.id === spec.id
      ? undefined
      : { what: `retrieve answered ${JSON.stringify(body).slice(0, 200)}` };
  }
  if (!Array.isArray(body?.data))
    return { what: `list without a data array: ${JSON.stringify(body).slice(0, 200)}` };
  if (body.data.length === 0) return { what: 'empty list', empty: true };
  return undefined;
}

/**
 * One keep-alive request loop. It goes round REQUESTS, and every other round sends the ETag it
 * last saw for each path as If-None-Match.
 */
async function client(n, { agent, port, stats, signal, upstream, clock }) {
  const etags = new Map();
  for (let i = 0; !signal.aborted; i++) {
    const spec = REQUESTS[(n + i) % REQUESTS.length];
    const known = etags.get(spec.path);
    const revalidating = Math.floor(i / REQUESTS.length) % 2 === 1 && known !== undefined;
    const headers = revalidating ? { ...spec.headers, 'if-none-match': known } : spec.headers;
    const started = process.hrtime.bigint();
    let problem;
    try {
      const res = await get(agent, port, spec.path, headers);
      stats.latency.record(Math.max(1, Number(process.hrtime.bigint() - started)));
      count(stats.byStatus, res.status);
      const source = res.headers['x-models-source'];
      count(stats.sources, source ?? '(no header)');
      if (revalidating) stats.revalidations++;
      if (res.status === 200 && typeof res.headers.etag === 'string') {
        etags.set(spec.path, res.headers.etag);
        if (spec.id === undefined) {
          const versions = stats.listVersions.get(spec.path) ?? new Set();
          versions.add(res.headers.etag);
          stats.listVersions.set(spec.path, versions);
        }
      }
      problem = problemOf(spec, res, revalidating);
    } catch (error) {
      problem = { what: `connection error: ${error.message}` };
    }
    stats.requests++;
    if (problem === undefined) continue;
    if (problem.empty) stats.emptyLists++;
    else stats.failures++;
    const key = `GET ${spec.path}${revalidating ? ' (If-None-Match)' : ''} -> ${problem.what}`;
    const seen = stats.problems.get(key);
    if (seen !== undefined) {
      seen.count++;
      seen.modes.add(upstream.mode);
    } else if (stats.problems.size < MAX_PROBLEM_KINDS) {
      stats.problems.set(key, { count: 1, first: clock(), modes: new Set([upstream.mode]) });
    }
  }
}

async function runLoad({ port, stats, signal, upstream, clock }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, (_, n) => client(n, { agent, port, stats, signal, upstream, clock })),
    );
  } finally {
    agent.destroy();
  }
}

// --- the soak -------------------------------------------------------------------------------

/** Forces a refresh of every catalog each second, without waiting: a hanging one is joined. */
function startRefresher(catalogs, upstream, signal) {
  const stats = {
    forced: 0,
    ok: 0,
    notModified: 0,
    downloaded: 0,
    failed: 0,
    rejected: 0,
    /** Longest time a forced refresh took to settle. */
    maxMs: 0,
    byMode: new Map(),
    errors: new Map(),
  };
  /** Refreshes not settled yet, to when they were forced. */
  const inFlight = new Map();
  const force = (catalog) => {
    const mode = upstream.mode;
    stats.forced++;
    const outcome = stats.byMode.get(mode) ?? { ok: 0, failed: 0 };
    stats.byMode.set(mode, outcome);
    const forcedAt = performance.now();
    const refresh = catalog
      .refresh()
      .then(
        (report) => {
          if (report.ok) {
            stats.ok++;
            outcome.ok++;
            if (report.notModified) stats.notModified++;
            else stats.downloaded++;
          } else {
            stats.failed++;
            outcome.failed++;
            // The prefix and the URL are the same in every message: keep what differs.
            const error = String(report.error)
              .replaceAll('@ccproxy/models-middleware: ', '')
              .replaceAll(`GET ${upstream.url} `, '')
              .replaceAll(upstream.url, '<upstream>');
            if (stats.errors.has(error) || stats.errors.size < 20) count(stats.errors, error);
          }
        },
        (error) => {
          // refresh() is documented never to reject.
          stats.rejected++;
          stats.failed++;
          outcome.failed++;
          count(stats.errors, `refresh() rejected: ${error?.message ?? error}`);
        },
      )
      .finally(() => {
        stats.maxMs = Math.max(stats.maxMs, performance.now() - forcedAt);
        inFlight.delete(refresh);
      });
    inFlight.set(refresh, forcedAt);
  };
  const running = (async () => {
    // Half a period out of step with the mode switches, so a refresh is not forced on a boundary.
    await delay(REFRESH_EVERY_MS / 2, undefined, { signal }).catch(() => {});
    while (!signal.aborted) {
      for (const catalog of catalogs) force(catalog);
      await delay(REFRESH_EVERY_MS, undefined, { signal }).catch(() => {});
    }
  })();
  /** Milliseconds the oldest unsettled refresh has been waiting, 0 when none is. */
  const oldestPendingMs = () => {
    const oldest = Math.min(...inFlight.values());
    return Number.isFinite(oldest) ? performance.now() - oldest : 0;
  };
  /** Waits for the refreshes in flight, at most SETTLE_LIMIT_MS; resolves with how many are left. */
  async function settle() {
    await running;
    await within(Promise.allSettled([...inFlight.keys()]), SETTLE_LIMIT_MS);
    return inFlight.size;
  }
  return { stats, settle, oldestPendingMs };
}

async function runModes(upstream, signal, seen) {
  for (let i = 0; !signal.aborted; i++) {
    const mode = MODES[i % MODES.length];
    await upstream.setMode(mode);
    seen.add(mode);
    await delay(SWITCH_EVERY_MS, undefined, { signal }).catch(() => {});
  }
}

/** Counts the app log's lines by level and message (pino JSON lines). */
function summariseLog(file) {
  const byMessage = new Map();
  let lines = 0;
  if (!existsSync(file)) return { lines, byMessage };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    lines++;
    try {
      const entry = JSON.parse(line);
      const level = { 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[entry.level] ?? entry.level;
      count(byMessage, `${level} "${entry.msg}"`);
    } catch {
      count(byMessage, 'unparsed line');
    }
  }
  return { lines, byMessage };
}

/** Starts every part, and returns them with `close()`, which closes what was started, last first. */
async function setUp(dir) {
  let createApp;
  let parseConfig;
  try {
    ({ createApp } = await import(APP_URL));
    ({ parseConfig } = await import(CONFIG_URL));
  } catch (error) {
    throw new Error(`cannot load the built app (run \`npx tsc -b\` first): ${error.message}`, {
      cause: error,
    });
  }
  const { pino } = requireFromApp('pino');

  const closers = [];
  /** Resolves with the errors it met; never rejects. */
  const close = async () => {
    const problems = [];
    for (const closer of closers.splice(0).reverse()) {
      try {
        const outcome = await within(closer(), CLOSE_LIMIT_MS);
        if (!outcome.settled)
          problems.push(new Error(`a close did not finish within ${CLOSE_LIMIT_MS / 1000} s`));
      } catch (error) {
        problems.push(error);
      }
    }
    return problems;
  };

  try {
    const upstream = await startUpstream();
    closers.push(() => upstream.close());

    const plugin = [
      `models_source_url = ${JSON.stringify(upstream.url)}`,
      `models_cache_dir = ${JSON.stringify(join(dir, 'cache'))}`,
      `models_fetch_timeout = ${FETCH_TIMEOUT_SECONDS}`,
    ].join('\n');
    const toml = [
      '[server]\nhost = "127.0.0.1"\nport = 0\nlog_level = "warn"',
      `[plugins.codex]\n${plugin}`,
      `[plugins.claude_api]\n${plugin}`,
    ].join('\n\n');
    // No environment: a PORT or LOG_LEVEL in the caller's shell must not change the soak.
    const config = parseConfig(toml, { env: {}, cwd: dir, file: null });

    const logFile = join(dir, 'app.log');
    const logStream = createWriteStream(logFile);
    closers.push(() => new Promise((resolve) => logStream.end(resolve)));
    const logger = pino({ level: config.server.logLevel, name: 'ccproxy-soak' }, logStream);

    const proxy = createApp(config, { logger });
    closers.push(() => proxy.close());
    const server = http.createServer(proxy.app);
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, resolve);
    });
    closers.push(async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    });
    const { port } = server.address();
    // Both plugins have equal catalog options, so they should share one catalog; refresh each distinct one.
    const catalogs = [...new Set(proxy.plugins.map((entry) => entry.router.catalog))];
    return { upstream, proxy, port, catalogs, logFile, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const clockFrom = (t0) => () => `[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`;

async function soak(seconds, dir, onInterrupt) {
  const { upstream, proxy, port, catalogs, logFile, close } = await setUp(dir);
  try {
    const mounts = proxy.plugins.map((p) => `${p.name} ${p.mount}`).join(', ');
    console.log(
      `soak: ${seconds} s on the demo app at http://127.0.0.1:${port} (${mounts}; ` +
        `${catalogs.length} distinct catalog${catalogs.length === 1 ? '' : 's'})`,
    );
    console.log(
      `      ${CLIENTS} keep-alive clients; upstream ${upstream.url} changes mode every ${SWITCH_EVERY_MS / 1000} s ` +
        `(${[...new Set(MODES)].join(', ')}); forced refresh every ${REFRESH_EVERY_MS / 1000} s; ` +
        `fetch timeout ${FETCH_TIMEOUT_SECONDS} s; app log (warn) in ${logFile}`,
    );

    // Warm-up: the first load from a good upstream, then load without faults.
    await proxy.warm();
    const warmHealth = proxy.health();
    const listed = proxy.plugins
      .map((p) => {
        const plugin = warmHealth.plugins[p.name];
        return `${p.name} lists ${plugin.listed} from ${plugin.catalog.source}`;
      })
      .join(', ');
    const warmStats = newStats();
    const warmClock = clockFrom(performance.now());
    const warmSignal = AbortSignal.timeout(WARMUP_MS);
    await runLoad({ port, stats: warmStats, signal: warmSignal, upstream, clock: warmClock });
    console.log(
      `warm-up: ${listed}; ${warmStats.requests} requests in ${WARMUP_MS / 1000} s, ` +
        `${warmStats.failures} failures, ${warmStats.emptyLists} empty lists`,
    );

    const start = settledMemory();
    console.log(`start        ${memoryText(start)}`);

    const stats = newStats();
    const stop = new AbortController();
    const { signal } = stop;
    onInterrupt(() => stop.abort());
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    const modesSeen = new Set();
    const modes = runModes(upstream, signal, modesSeen);
    const refresher = startRefresher(catalogs, upstream, signal);
    const load = runLoad({ port, stats, signal, upstream, clock: clockFrom(t0) });
    const reporter = reportEvery(REPORT_EVERY_MS, seconds, { stats, upstream, signal, elapsed, refresher });

    await delay(seconds * 1000, undefined, { signal }).catch(() => {});
    const interrupted = signal.aborted;
    stop.abort();
    await load;
    const ran = elapsed();
    const stuckMs = refresher.oldestPendingMs();
    const [, , pending] = await Promise.all([modes, reporter, refresher.settle()]);
    const wedged = pending > 0 ? { pending, ms: stuckMs + SETTLE_LIMIT_MS } : undefined;

    // The upstream is good again: the catalog must come back to it.
    await upstream.setMode('good');
    const recovery = [];
    for (const catalog of catalogs) {
      const outcome = await within(catalog.refresh(), SETTLE_LIMIT_MS);
      recovery.push(
        outcome.settled
          ? outcome.value
          : {
              ok: false,
              error: `did not settle within ${SETTLE_LIMIT_MS / 1000} s`,
              status: catalog.status(),
            },
      );
    }
    const health = proxy.health();

    // Still open, idle: the same state as the start reading.
    const end = settledMemory();
    const closeStarted = performance.now();
    const closeProblems = await close();
    const closeMs = performance.now() - closeStarted;

    const held = report({
      seconds,
      ran,
      interrupted,
      stats,
      warmStats,
      refreshes: refresher.stats,
      wedged,
      upstream,
      modesSeen,
      recovery,
      health,
      plugins: proxy.plugins,
      start,
      end,
      closeMs,
      closeProblems,
      log: summariseLog(logFile),
    });
    return { held, interrupted };
  } finally {
    // After an early error: close whatever is still open.
    for (const error of await close()) console.error(`soak: closing failed: ${error.message}`);
  }
}

/** One line every `everyMs`: elapsed, requests so far, req/s since the last line, failures, mode, memory. */
async function reportEvery(everyMs, seconds, { stats, upstream, signal, elapsed, refresher }) {
  let lastRequests = 0;
  let lastAt = 0;
  for (let next = everyMs / 1000; next < seconds; next += everyMs / 1000) {
    await delay(Math.max(0, (next - elapsed()) * 1000), undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    gc();
    const { rss, heapUsed } = process.memoryUsage();
    const now = elapsed();
    const rate = (stats.requests - lastRequests) / (now - lastAt);
    [lastRequests, lastAt] = [stats.requests, now];
    const pendingMs = refresher.oldestPendingMs();
    const stuck =
      pendingMs > SETTLE_LIMIT_MS
        ? `  (a forced refresh pending for ${(pendingMs / 1000).toFixed(0)} s)`
        : '';
    console.log(
      `[${now.toFixed(0).padStart(3)} s]  requests ${String(stats.requests).padStart(8)}  ` +
        `${rate.toFixed(0).padStart(5)} req/s  failures ${stats.failures}  empty lists ${stats.emptyLists}  ` +
        `upstream ${upstream.mode.padEnd(12)}  ${memoryText({ rss, heap: heapUsed })}${stuck}`,
    );
  }
}

/** Prints the summary; returns whether every expectation held (an interruption aside). */
function report(r) {
  const { stats, warmStats, refreshes: f, start, end } = r;
  const failures = stats.failures + warmStats.failures;
  const emptyLists = stats.emptyLists + warmStats.emptyLists;
  const heapGrowth = end.heap - start.heap;
  const recovered = r.recovery.every((one) => one.ok) && r.health.status === 'ok';
  const checks = [
    [failures === 0, `failed requests: ${failures} (must be 0)`],
    [emptyLists === 0, `empty lists: ${emptyLists} (must be 0)`],
    [heapGrowth <= MAX_HEAP_GROWTH, `heap growth: ${signedMb(heapGrowth)} (limit +${mb(MAX_HEAP_GROWTH)})`],
    [stats.requests > 0, `requests: ${stats.requests} (must be > 0)`],
    [f.rejected === 0, `refresh() rejections: ${f.rejected} (must be 0: it is documented never to reject)`],
    [
      r.wedged === undefined,
      `forced refreshes never settled: ${r.wedged?.pending}, the oldest pending ${((r.wedged?.ms ?? 0) / 1000).toFixed(0)} s ` +
        `with a ${FETCH_TIMEOUT_SECONDS} s fetch deadline (every later refresh joins the stuck one)`,
    ],
    [recovered, 'recovery: with the upstream good again, a forced refresh must succeed and /health be ok'],
    [r.closeProblems.length === 0, `close: ${r.closeProblems.map((e) => e.message).join('; ')}`],
  ];
  const held = checks.every(([ok]) => ok);

  const pct = (p) => ms(stats.latency.percentile(p));
  const warm = (n) => (n > 0 ? ` (+${n} in warm-up)` : '');
  const statuses = [...stats.byStatus].map(([status, n]) => `${status}: ${n}`).join(', ');
  const byMode = [...f.byMode].map(([mode, o]) => `${mode} ${o.ok}/${o.ok + o.failed}`).join(', ');
  const versions = [...stats.listVersions].map(([path, set]) => `${path} ${set.size}`).join(', ');
  const recovery = r.recovery
    .map((one) => {
      if (one.ok) return `refresh ok (${one.notModified ? '304' : 'downloaded'})`;
      const status = one.status ? ` (catalog status: ${JSON.stringify(one.status)})` : '';
      return `refresh failed: ${one.error}${status}`;
    })
    .join(', ');
  const healthText = r.plugins.map((p) => `${p.name} lists ${r.health.plugins[p.name].listed}`).join(', ');
  const lines = [
    `end          ${memoryText(end)}`,
    '',
    `total requests   ${stats.requests} in ${r.ran.toFixed(1)} s (${(stats.requests / r.ran).toFixed(0)} req/s; ` +
      `${statuses}; ${stats.revalidations} with If-None-Match)`,
    `latency          p50 ${pct(50)}, p99 ${pct(99)}, p99.9 ${pct(99.9)}, max ${ms(stats.latency.max)}`,
    `failures         ${stats.failures}${warm(warmStats.failures)}`,
    `empty lists      ${stats.emptyLists}${warm(warmStats.emptyLists)}`,
    ...[...warmStats.problems, ...stats.problems].map(
      ([key, p]) =>
        `  ${String(p.count).padStart(5)} x ${key}\n          first ${p.first}${warmStats.problems.get(key) === p ? ' of the warm-up' : ''}, ` +
        `upstream modes: ${[...p.modes].join(', ')}`,
    ),
    `refreshes        forced ${f.forced} / succeeded ${f.ok} (${f.notModified} not modified, ` +
      `${f.downloaded} downloaded) / failed ${f.failed}; longest ${(f.maxMs / 1000).toFixed(1)} s` +
      (r.wedged ? `; ${r.wedged.pending} never settled` : ''),
    `  by mode        ${byMode} (succeeded/forced, by the mode when forced)`,
    ...[...f.errors]
      .sort((a, b) => b[1] - a[1])
      .map(([error, n]) => `  ${String(n).padStart(4)} x ${error.slice(0, 140)}`),
    `sources seen     ${counts(stats.sources)} (x-models-source)`,
    `list versions    ${versions} (distinct ETags)`,
    `upstream         ${counts(r.upstream.requests)} (requests by mode); ` +
      `modes seen ${r.modesSeen.size} of ${new Set(MODES).size}`,
    `recovery         ${recovery}; /health ${r.health.status}, ${healthText}`,
    `app log          ${r.log.lines} lines: ${counts(r.log.byMessage)}`,
    `close            ${r.closeMs.toFixed(0)} ms${r.closeProblems.length ? `, ${r.closeProblems.length} problems` : ''}`,
    `RSS              ${mb(start.rss)} -> ${mb(end.rss)} (${signedMb(end.rss - start.rss)}, reported only)`,
    `heap             ${mb(start.heap)} -> ${mb(end.heap)} (${signedMb(heapGrowth)} after full GC, ` +
      `limit +${mb(MAX_HEAP_GROWTH)})`,
    ...checks.filter(([ok]) => !ok).map(([, text]) => `FAILED           ${text}`),
  ];
  if (r.interrupted) lines.push(`INTERRUPTED      after ${r.ran.toFixed(1)} of ${r.seconds} s`);
  lines.push(held && !r.interrupted ? 'PASS' : 'FAIL');
  console.log(lines.join('\n'));
  return held;
}

/** The short in-process soak (test/faults/soak.soak.ts), under Vitest; its exit status. */
function inProcessSoak() {
  const config = fileURLToPath(new URL('./vitest.soak.config.mjs', import.meta.url));
  const vitest = spawnSync('pnpm', ['exec', 'vitest', 'run', '--config', config], { stdio: 'inherit' });
  return vitest.status ?? 1;
}

async function main() {
  const seconds = parseSeconds();
  const dir = mkdtempSync(join(tmpdir(), 'ccproxy-soak-'));
  let stopSoak = () => {};
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) {
      // A second Ctrl-C: do not wait for the shutdown.
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    }
    console.log('soak: interrupted; stopping (Ctrl-C again to quit at once)');
    stopSoak();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Every wait inside is bounded; this is the last resort if one is not.
  const watchdog = setTimeout(
    () => {
      console.error(`soak: not finished ${seconds + 120} s after starting; giving up (${dir} kept)`);
      console.error(`soak: open: ${process.getActiveResourcesInfo().join(', ')}`);
      process.exit(1);
    },
    (seconds + 120) * 1000,
  );
  watchdog.unref();

  let outcome = { held: false, interrupted: false };
  try {
    outcome = await soak(seconds, dir, (stop) => {
      stopSoak = stop;
      // A Ctrl-C during the warm-up stops the soak as soon as it starts.
      if (signals > 0) stop();
    });
  } catch (error) {
    console.error(`soak: broke: ${error.stack ?? error}`);
  }
  clearTimeout(watchdog);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (outcome.held) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir} (SQLite cache and app.log) for a look; remove it when done`);
  process.exitCode = outcome.interrupted ? 130 : outcome.held ? 0 : 1;
  if (outcome.held && !outcome.interrupted) process.exitCode = inProcessSoak();

  // Everything is closed, so the process should end now; if a handle keeps it alive, say which.
  setTimeout(() => {
    console.error(
      `soak: still running 5 s after closing; open: ${process.getActiveResourcesInfo().join(', ')}`,
    );
    process.exit(1);
  }, 5_000).unref();
}

await main();

// `pnpm bench`: measures @ccproxy/models-middleware against its ceiling and a naive route, prints a
// Markdown table and writes it to bench/results/latest.md. The servers under test run in their own
// processes (forked from here); autocannon and the fake upstream run in this one. A MISS is a
// result, not a failure: the exit code is non-zero only when the benchmark itself breaks.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  ANTHROPIC_HEADERS,
  ANTHROPIC_PATH,
  expressVersion,
  FILTERED_PATH,
  FIXTURE,
  median,
  OPENAI_PATH,
  PROVIDER,
  percentile,
  RULES,
  RULES_PATH,
} from './common.mjs';
import { MEMBERS as FLEET_MEMBERS, fleetFigures, redisAvailable } from './fleet.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(HERE, 'results');
const QUICK = process.env.BENCH_QUICK === '1';
/** Seconds per throughput run. */
const DURATION = Number(process.env.BENCH_DURATION ?? (QUICK ? 1 : 5));
/** Throughput runs of each server, interleaved; the best counts (the machine is noisy). */
const ROUNDS = QUICK ? 1 : 2;
const CONNECTIONS = 50;
const COLD_RUNS = QUICK ? 3 : 7;
const RESTART_RUNS = QUICK ? 3 : 7;
const REFRESH_SECONDS = QUICK ? 3 : 6;
/** Alternating none/refresh pairs of saturating runs for figure 5. */
const LATENCY_ROUNDS = QUICK ? 1 : 2;
const RATE_SECONDS = QUICK ? 2 : 5;
/** Fixed request rate of the informational latency run (open-loop, unlike the saturating one). */
const FIXED_RATE = 1000;
/** Budget of the "million requests" run; fewer requests when a million would take longer. */
const MEMORY_SECONDS = QUICK ? 4 : 30;
const JOINED_CLIENTS = 200;
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Process hygiene: every child is tracked and killed on any exit; temp files go with them.

const children = new Set();
const tmp = mkdtempSync(join(os.tmpdir(), 'models-bench-'));

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function cleanup() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  rmSync(tmp, { recursive: true, force: true });
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    process.exit(130);
  });
}
setTimeout(() => {
  process.stderr.write('bench: still running after 10 minutes, giving up\n');
  process.exit(1);
}, 10 * 60_000).unref();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const log = (line = '') => process.stdout.write(`${line}\n`);
const warnings = [];
const warn = (message) => {
  warnings.push(message);
  log(`  ! ${message}`);
};

/**
 * A fake LiteLLM upstream: a full document every time, and a different one (an extra entry
 * numbered per request), so each refresh really downloads, parses and validates it instead of
 * recognising the same bytes. Hits are counted per path.
 */
function startUpstream(body) {
  const hits = new Map();
  let seq = 0;
  const rest = body.subarray(body.indexOf('{') + 1);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const send = () => {
      seq++;
      const doc = Buffer.concat([Buffer.from(`{"bench-refresh-${seq}":{"litellm_provider":"bench"},`), rest]);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': doc.length,
        ETag: `"doc-${seq}"`,
      });
      res.end(doc);
    };
    // `/slow/...` holds the answer so concurrent misses surely overlap one fetch.
    if (path.startsWith('/slow/')) setTimeout(send, 200);
    else send();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        hits,
        port,
        url: (path) => `http://127.0.0.1:${port}${path}`,
        close: () =>
          new Promise((done) => {
            server.close(done);
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Forks a server under test (server.mjs) and waits for it to listen. */
async function startServer(kind, config = {}) {
  const child = track(
    fork(join(HERE, 'server.mjs'), [kind, JSON.stringify(config)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const pending = new Map();
  let nextId = 1;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 60 s`)), 60_000);
    child.on('message', (msg) => {
      if (msg?.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
        return;
      }
      const call = pending.get(msg?.id);
      if (call === undefined) return;
      pending.delete(msg.id);
      if (msg.error) call.reject(new Error(`${kind} server: ${msg.error}`));
      else call.resolve(msg.result);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`${kind} server exited (${code ?? signal})`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
  });
  const info = await ready;
  return {
    kind,
    port: info.port,
    info,
    call: (cmd, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args });
      }),
    stop: () => stopChild(child),
  };
}

function httpGet(port, path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/** One autocannon run from this process. `collect` keeps every latency (ms, sub-ms precision). */
function load({
  port,
  path,
  headers = {},
  duration = DURATION,
  connections = CONNECTIONS,
  amount,
  overallRate,
  collect,
}) {
  return new Promise((resolve, reject) => {
    const latencies = collect ? [] : undefined;
    const opts = { url: `http://127.0.0.1:${port}${path}`, headers, connections, duration };
    if (amount !== undefined) opts.amount = amount;
    if (overallRate !== undefined) opts.overallRate = overallRate;
    const instance = autocannon(opts, (err, r) => {
      if (err) {
        reject(err);
        return;
      }
      resolve({
        rps: r.requests.total / r.duration,
        total: r.requests.total,
        duration: r.duration,
        errors: r.errors + r.timeouts,
        codes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([code, s]) => [code, s.count])),
        latency: r.latency,
        latencies,
      });
    });
    if (latencies) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

/** Warns when a run saw errors or statuses other than the expected one. */
function checkRun(label, run, expected = 200) {
  const unexpected = Object.entries(run.codes).filter(([code]) => Number(code) !== expected);
  if (run.errors > 0 || unexpected.length > 0 || run.total === 0) {
    warn(`${label}: ${run.errors} errors, statuses ${JSON.stringify(run.codes)} (expected only ${expected})`);
  }
}

function runColdChild(mode) {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(join(HERE, 'cold-build.mjs'), [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    let result;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('message', (msg) => {
      result = msg;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`cold-build ${mode} exited (${code ?? signal}) without a result`));
    });
  });
}

/** Spawns restart-app.mjs and times spawn -> first 200 from /v1/models (full body received). */
async function timeToFirst200(kind, config) {
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, [join(HERE, 'restart-app.mjs'), kind, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${kind} app did not listen within 20 s`)), 20_000);
      child.stdout.on('data', (data) => {
        out += data;
        const match = /PORT (\d+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${kind} app exited (${code}) before listening`));
      });
    });
    for (;;) {
      const res = await httpGet(port, OPENAI_PATH).catch(() => undefined);
      if (res?.status === 200) return { ms: performance.now() - t0, source: res.headers['x-models-source'] };
      if (performance.now() - t0 > 20_000) throw new Error(`${kind} app: no 200 within 20 s`);
      await sleep(2);
    }
  } finally {
    await stopChild(child);
  }
}

function runToExit(args) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout.on('data', (data) => {
      out += data;
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** CPU cores kept busy by everything on the machine over `ms` (Linux /proc/stat), or undefined. */
async function busyCores(ms = 1000) {
  const read = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { idle, total: fields.reduce((sum, x) => sum + x, 0) };
  };
  try {
    const a = read();
    await sleep(ms);
    const b = read();
    return (1 - (b.idle - a.idle) / (b.total - a.total)) * os.cpus().length;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

const fmtRps = (x) => `${Math.round(x).toLocaleString('en-US')} req/s`;
const fmtMs = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const fmtCores = (x) => (x === undefined ? 'unknown' : `${x.toFixed(2)} cores`);
const fmtUs = (x) => `${x.toFixed(0)} µs`;
const fmtMb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}` : '—');

const rows = [];
/** pass: true | false | undefined (informational). */
const row = (n, figure, measured, reference, ratio, goal, pass) =>
  rows.push({ n, figure, measured, reference, ratio, goal, pass });

function markdownTable() {
  const head = ['#', 'figure', 'measured', 'reference', 'ratio', 'goal', 'result'];
  const body = rows.map((r) => [
    String(r.n),
    r.figure,
    r.measured,
    r.reference ?? '—',
    r.ratio ?? '—',
    r.goal ?? '—',
    r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const startedAt = Date.now();
  // Other processes' CPU use, sampled while this benchmark runs nothing.
  const busyAtStart = await busyCores();
  const sectionTimes = [];
  let sectionStart = Date.now();
  const section = (name) => {
    sectionTimes.push(`${name} ${((Date.now() - sectionStart) / 1000).toFixed(0)} s`);
    sectionStart = Date.now();
  };
  const fixture = readFileSync(FIXTURE);
  const cpus = os.cpus();
  const header = [
    '# @ccproxy/models-middleware benchmark',
    '',
    `- ${new Date().toISOString()}, Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${os.platform()} ${os.arch()}, ${fmtMb(os.totalmem())} RAM`,
    `- Express ${expressVersion()}, autocannon ${autocannonVersion()}, fixture ${FIXTURE.split('/').at(-1)} (${fmtMb(fixture.length)})`,
    `- CPU in use by other processes just before the run: ${busyAtStart === undefined ? 'unknown' : `${busyAtStart.toFixed(2)} of ${cpus.length} cores`}`,
    `- ${CONNECTIONS} connections, ${DURATION} s runs interleaved a, b, c, 304, a, ...; best of ${ROUNDS + 1} for (a), (b) and 304, of ${ROUNDS} for (c)${QUICK ? ' (BENCH_QUICK)' : ''}`,
    `- provider \`${PROVIDER}\`; each server in its own child process, load generator and fake upstream in the parent`,
  ];
  for (const line of header) log(line);
  log();

  const upstream = await startUpstream(fixture);

  // --- Servers under test -------------------------------------------------------------------
  log('Starting servers...');
  sectionStart = Date.now();
  const router = await startServer('router', {
    url: upstream.url('/doc.json'),
    cacheDir: join(tmp, 'router-cache'),
  });
  const naive = await startServer('naive', { fixture: FIXTURE });
  const ceiling = await startServer('ceiling');

  const routerOpenai = await httpGet(router.port, OPENAI_PATH);
  const routerAnthropic = await httpGet(router.port, ANTHROPIC_PATH, ANTHROPIC_HEADERS);
  const routerFiltered = await httpGet(router.port, FILTERED_PATH);
  const routerRules = await httpGet(router.port, RULES_PATH);
  for (const [name, res] of [
    ['openai', routerOpenai],
    ['anthropic', routerAnthropic],
    ['filtered', routerFiltered],
    ['rules', routerRules],
  ]) {
    if (res.status !== 200) throw new Error(`router ${name} list answered ${res.status}`);
  }
  await ceiling.call('bodies', {
    openai: routerOpenai.body.toString('base64'),
    anthropic: routerAnthropic.body.toString('base64'),
    filtered: routerFiltered.body.toString('base64'),
    rules: routerRules.body.toString('base64'),
  });
  const formats = {
    openai: { path: OPENAI_PATH, headers: {}, body: routerOpenai },
    anthropic: { path: ANTHROPIC_PATH, headers: { ...ANTHROPIC_HEADERS }, body: routerAnthropic },
    // No naive route for these two: they are measured against the ceiling only.
    filtered: { path: FILTERED_PATH, headers: {}, body: routerFiltered, naive: false },
    rules: { path: RULES_PATH, headers: {}, body: routerRules, naive: false },
  };
  const ruleCount = Object.values(RULES).reduce(
    (n, value) => n + (Array.isArray(value) ? value.length : Object.keys(value).length),
    0,
  );
  // Same bytes and type from the ceiling; the naive route lists the same models.
  for (const [name, f] of Object.entries(formats)) {
    const top = await httpGet(ceiling.port, f.path, f.headers);
    if (!top.body.equals(f.body.body) || top.headers['content-type'] !== f.body.headers['content-type']) {
      throw new Error(`ceiling ${name} body differs from the router's`);
    }
    if (f.naive === false) {
      const n = JSON.parse(f.body.body.toString()).data.length;
      log(`  ${name}: router ${n} models, ${(f.body.body.length / 1024).toFixed(1)} KB body`);
      continue;
    }
    const naiveRes = await httpGet(naive.port, f.path, f.headers);
    const ids = (buf) => JSON.parse(buf.toString()).data.map((m) => m.id);
    const a = ids(f.body.body);
    const c = ids(naiveRes.body);
    const sameSet = a.length === c.length && new Set([...a, ...c]).size === a.length;
    log(
      `  ${name}: router ${a.length} models, ${(f.body.body.length / 1024).toFixed(1)} KB body; naive ${c.length} models (${sameSet ? 'same ids' : 'DIFFERENT ids'})`,
    );
    if (!sameSet) warn(`naive ${name} list differs from the router's (${c.length} vs ${a.length} models)`);
  }
  const etag = routerOpenai.headers.etag;

  // --- 1 & 2: warm throughput ---------------------------------------------------------------
  const best = {};
  const cpuPerRequest = {};
  // [label, server, extra headers, expected status, runs]: (a), (b) and the 304 runs decide goals
  // near 1.0, so they get an extra round; (c) is far from its goal.
  const plan = {
    openai: [
      ['a', router, {}, 200, ROUNDS + 1],
      ['b', ceiling, {}, 200, ROUNDS + 1],
      ['c', naive, {}, 200, ROUNDS],
      ['304', router, { 'if-none-match': etag }, 304, ROUNDS + 1],
    ],
    anthropic: [
      ['a', router, {}, 200, ROUNDS + 1],
      ['b', ceiling, {}, 200, ROUNDS + 1],
      ['c', naive, {}, 200, ROUNDS],
    ],
    filtered: [
      ['a', router, {}, 200, ROUNDS + 1],
      ['b', ceiling, {}, 200, ROUNDS + 1],
    ],
    rules: [
      ['a', router, {}, 200, ROUNDS + 1],
      ['b', ceiling, {}, 200, ROUNDS + 1],
    ],
  };
  for (const [name, runs] of Object.entries(plan)) {
    const f = formats[name];
    const what =
      name === 'filtered'
        ? 'OpenAI list, filtered'
        : name === 'rules'
          ? `OpenAI list under ${ruleCount} rules`
          : `${name} format`;
    log(`\n1${name === 'openai' ? '+2' : ''}. Warm list throughput, ${what} (${f.path})`);
    for (const [, server, extra] of runs) {
      await load({ port: server.port, path: f.path, headers: { ...f.headers, ...extra }, duration: 1 });
    }
    for (let round = 1; round <= ROUNDS + 1; round++) {
      for (const [label, server, extra, status, rounds] of runs) {
        if (round > rounds) continue;
        const cpu0 = await server.call('cpu');
        const run = await load({ port: server.port, path: f.path, headers: { ...f.headers, ...extra } });
        const cpu1 = await server.call('cpu');
        checkRun(`${name} ${label} round ${round}`, run, status);
        const key = `${name}.${label}`;
        best[key] = Math.max(best[key] ?? 0, run.rps);
        // Server CPU per answer: steadier than req/s when other processes compete for the cores.
        const cpuUs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / run.total;
        cpuPerRequest[key] = Math.min(cpuPerRequest[key] ?? Number.POSITIVE_INFINITY, cpuUs);
        log(
          `  round ${round} ${label.padEnd(3)} ${server.kind.padEnd(7)} ${fmtRps(run.rps).padStart(12)}, server CPU ${cpuUs.toFixed(0)} µs/answer`,
        );
      }
    }
  }
  section('throughput');

  // --- 6: memory ----------------------------------------------------------------------------
  log('\n6. Memory');
  const heapRetained = router.info.heapAfter - router.info.heapBefore;
  log(
    `  heap: ${fmtMb(router.info.heapBefore)} after imports, ${fmtMb(router.info.heapAfter)} with a warm catalog and router (source ${router.info.source})`,
  );
  const fullMillionSeconds = 1_000_000 / best['openai.a'];
  const amount = Math.min(
    1_000_000,
    Math.max(20_000, Math.floor((best['openai.a'] * MEMORY_SECONDS) / 20_000) * 20_000),
  );
  // Read after full GCs, so a young generation that happens to be large does not look like growth.
  const mem0 = await router.call('mem', { settle: true });
  const halves = [];
  for (let half = 1; half <= 2; half++) {
    const run = await load({ port: router.port, path: OPENAI_PATH, amount: amount / 2 });
    checkRun(`memory run half ${half}`, run);
    halves.push({ run, mem: await router.call('mem', { settle: true }) });
    log(
      `  ${(amount / 2).toLocaleString('en-US')} requests in ${run.duration.toFixed(1)} s: RSS ${fmtMb(halves.at(-1).mem.rss)}`,
    );
  }
  const memEnd = halves[1].mem;
  const rss0 = mem0.rss;
  const rss1 = halves[0].mem.rss;
  const rss2 = halves[1].mem.rss;
  const secondHalfGrowth = rss2 - rss1;
  const rssFlat = secondHalfGrowth <= Math.max(5 * MB, 0.05 * rss1);

  section('memory');

  // --- 5: refresh under load ----------------------------------------------------------------
  log('\n5. Refresh under load (a full download + parse + validate every second)');
  // Saturating runs alternate (none, refresh, none, refresh) and pool their latencies per mode,
  // so one unlucky run on a noisy machine does not decide the p99; then one open-loop run each.
  const latency = {};
  const refreshStats = {};
  const pooled = {};
  const schedule = [
    ...Array.from({ length: LATENCY_ROUNDS }, () => [
      ['none', { connections: CONNECTIONS, duration: REFRESH_SECONDS }],
      ['refresh', { connections: CONNECTIONS, duration: REFRESH_SECONDS }],
    ]).flat(),
    ['none@rate', { connections: 10, duration: RATE_SECONDS, overallRate: FIXED_RATE }],
    ['refresh@rate', { connections: 10, duration: RATE_SECONDS, overallRate: FIXED_RATE }],
  ];
  for (const [mode, opts] of schedule) {
    const refreshing = mode.startsWith('refresh');
    await router.call('eld-start');
    if (refreshing) await router.call('refresh-start', { intervalMs: 1000 });
    const run = await load({ port: router.port, path: OPENAI_PATH, collect: true, ...opts });
    const stats = refreshing ? await router.call('refresh-stop') : undefined;
    const eld = await router.call('eld-stop');
    checkRun(`latency ${mode}`, run);
    pooled[mode] ??= { latencies: [], total: 0, seconds: 0, eldMax: 0, stats: undefined };
    const pool = pooled[mode];
    for (const ms of run.latencies) pool.latencies.push(ms);
    pool.total += run.total;
    pool.seconds += run.duration;
    pool.eldMax = Math.max(pool.eldMax, eld.max);
    if (stats) {
      pool.stats ??= { ok: 0, notModified: 0, failed: 0, ms: [], errors: [] };
      pool.stats.ok += stats.ok;
      pool.stats.notModified += stats.notModified;
      pool.stats.failed += stats.failed;
      pool.stats.ms.push(...stats.ms);
      pool.stats.errors.push(...stats.errors);
    }
    log(
      `  ${mode.padEnd(12)} ${fmtRps(run.rps)}, p50 ${fmtMs(percentile(run.latencies, 50))}, p99 ${fmtMs(percentile(run.latencies, 99))}, max ${fmtMs(percentile(run.latencies, 100))}; event-loop delay max ${fmtMs(eld.max)}` +
        (stats
          ? `; ${stats.ok} full refreshes (${stats.notModified} 304, ${stats.failed} failed), median ${fmtMs(median(stats.ms))} each`
          : ''),
    );
    if (stats?.failed) warn(`refresh failures during ${mode}: ${stats.errors.join('; ')}`);
    if (stats && stats.ok === 0) warn(`no full refresh happened during ${mode}`);
  }
  for (const [mode, pool] of Object.entries(pooled)) {
    latency[mode] = {
      p50: percentile(pool.latencies, 50),
      p99: percentile(pool.latencies, 99),
      max: percentile(pool.latencies, 100),
      rps: pool.total / pool.seconds,
      eld: { max: pool.eldMax },
      samples: pool.latencies.length,
    };
    if (pool.stats) refreshStats[mode] = pool.stats;
  }
  const routerStatus = await router.call('status');
  section('refresh');

  await Promise.all([router.stop(), naive.stop(), ceiling.stop()]);

  // --- 3: cold build ------------------------------------------------------------------------
  log('\n3. Cold build (fresh process per run)');
  const cold = { json: [], router: [], blocks: [] };
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const mode of ['json', 'router', 'blocks']) cold[mode].push(await runColdChild(mode));
  }
  const coldJson = median(cold.json.map((r) => r.ms));
  const coldRouter = median(cold.router.map((r) => r.ms));
  const blocks = {
    parse: median(cold.blocks.map((r) => r.parse)),
    select: median(cold.blocks.map((r) => r.select)),
    serialise: median(cold.blocks.map((r) => r.serialise)),
    warmTotal: median(cold.blocks.map((r) => r.warmTotal)),
    warmJson: median(cold.blocks.map((r) => r.warmJson)),
  };
  log(`  JSON.parse ${fmtMs(coldJson)} (runs: ${cold.json.map((r) => r.ms.toFixed(1)).join(', ')})`);
  log(`  router     ${fmtMs(coldRouter)} (runs: ${cold.router.map((r) => r.ms.toFixed(1)).join(', ')})`);
  log(
    `  blocks: parseDocument ${fmtMs(blocks.parse)}, selectModels ${fmtMs(blocks.select)}, serialise+hash ${fmtMs(blocks.serialise)}; warm (same process, 8th run) total ${fmtMs(blocks.warmTotal)} vs JSON.parse ${fmtMs(blocks.warmJson)}`,
  );

  section('cold build');

  // --- 4: restart ---------------------------------------------------------------------------
  log('\n4. Restart with a warm disk cache and no network');
  const restartCache = join(tmp, 'restart-cache');
  const bodyFile = join(tmp, 'body.json');
  writeFileSync(bodyFile, routerOpenai.body);
  // The disk record is keyed by URL: fill it from a live upstream, then close that upstream so
  // the same URL is a dead port for every timed start.
  const fillUpstream = await startUpstream(fixture);
  const deadUrl = fillUpstream.url('/doc.json');
  const fill = await runToExit([
    join(HERE, 'restart-app.mjs'),
    'fill',
    JSON.stringify({ url: deadUrl, cacheDir: restartCache }),
  ]);
  await fillUpstream.close();
  if (fill.code !== 0) throw new Error(`filling the disk cache failed: ${fill.out}`);
  if (
    await httpGet(fillUpstream.port, '/').then(
      () => true,
      () => false,
    )
  ) {
    warn(`port ${fillUpstream.port} is alive again; the restart runs may reach a network`);
  }
  const restart = { router: [], bare: [] };
  const sources = new Set();
  for (let i = 0; i < RESTART_RUNS; i++) {
    const r = await timeToFirst200('router', { url: deadUrl, cacheDir: restartCache });
    sources.add(r.source);
    restart.router.push(r.ms);
    restart.bare.push((await timeToFirst200('bare', { bodyFile })).ms);
  }
  if (sources.size !== 1 || !sources.has('disk'))
    warn(`restart answers came from ${[...sources].join(', ')}, expected disk`);
  const restartRouter = median(restart.router);
  const restartBare = median(restart.bare);
  log(
    `  router ${fmtMs(restartRouter)} (runs: ${restart.router.map((x) => x.toFixed(0)).join(', ')}; source ${[...sources].join(', ')})`,
  );
  log(`  bare   ${fmtMs(restartBare)} (runs: ${restart.bare.map((x) => x.toFixed(0)).join(', ')})`);

  section('restart');

  // --- 7: joined misses ---------------------------------------------------------------------
  log(`\n7. Joined misses: ${JOINED_CLIENTS} concurrent requests on a cold cache`);
  const joined = {};
  for (const [name, cacheDir] of [
    ['sqlite', join(tmp, 'joined-cache')],
    ['memory-only', false],
  ]) {
    const path = `/slow/joined-${name}.json`;
    const server = await startServer('router', { url: upstream.url(path), cacheDir, warm: false });
    const answers = await Promise.all(
      Array.from({ length: JOINED_CLIENTS }, () =>
        httpGet(server.port, OPENAI_PATH).catch((error) => ({ error })),
      ),
    );
    await sleep(300); // a stray second fetch would land by now
    const ok = answers.filter((a) => a.status === 200).length;
    const bySource = {};
    for (const a of answers) {
      const key = a.error ? 'error' : `${a.status} ${a.headers['x-models-source']}`;
      bySource[key] = (bySource[key] ?? 0) + 1;
    }
    joined[name] = { hits: upstream.hits.get(path) ?? 0, ok, bySource };
    log(`  cache ${name}: ${joined[name].hits} upstream request(s); answers ${JSON.stringify(bySource)}`);
    await server.stop();
  }
  await upstream.close();
  section('joined');

  // --- Table --------------------------------------------------------------------------------
  const LABELS = {
    openai: 'OpenAI list',
    anthropic: 'Anthropic list, limit=1000',
    filtered: `OpenAI list, ${FILTERED_PATH.slice(FILTERED_PATH.indexOf('?'))}`,
    rules: `OpenAI list under ${ruleCount} rules (include/exclude/overrides/extra/aliases)`,
  };
  for (const name of ['openai', 'anthropic', 'filtered', 'rules']) {
    const a = best[`${name}.a`];
    const b = best[`${name}.b`];
    const c = best[`${name}.c`];
    const label = LABELS[name];
    row(
      1,
      `${label}: modelsRouter (a) vs ceiling (b)`,
      fmtRps(a),
      fmtRps(b),
      fmtRatio(a / b),
      '≥ 0.90',
      a / b >= 0.9,
    );
    if (c !== undefined) {
      row(
        1,
        `${label}: modelsRouter (a) vs naive (c)`,
        fmtRps(a),
        fmtRps(c),
        fmtRatio(a / c),
        '≥ 2.0',
        a / c >= 2,
      );
    }
    const cpuA = cpuPerRequest[`${name}.a`];
    const cpuB = cpuPerRequest[`${name}.b`];
    row(
      1,
      `${label}: server CPU per answer, (a) vs (b) (ratio b/a)`,
      fmtUs(cpuA),
      fmtUs(cpuB),
      fmtRatio(cpuB / cpuA),
      undefined,
      undefined,
    );
  }
  const r304 = best['openai.304'] / best['openai.b'];
  row(
    2,
    '304 to a matching If-None-Match vs ceiling (b)',
    fmtRps(best['openai.304']),
    fmtRps(best['openai.b']),
    fmtRatio(r304),
    '≥ 0.90',
    r304 >= 0.9,
  );
  const rCold = coldRouter / coldJson;
  row(
    3,
    `Cold build, bytes to first list body (median of ${COLD_RUNS}) vs JSON.parse`,
    fmtMs(coldRouter),
    fmtMs(coldJson),
    fmtRatio(rCold),
    '≤ 3',
    rCold <= 3,
  );
  row(
    3,
    'public blocks on the main thread, cold: parseDocument / selectModels / serialise',
    `${fmtMs(blocks.parse)} / ${fmtMs(blocks.select)} / ${fmtMs(blocks.serialise)}`,
    fmtMs(coldJson),
    fmtRatio(blocks.parse / coldJson),
    undefined,
    undefined,
  );
  row(
    3,
    'same blocks warm (8th run in the process) vs warm JSON.parse',
    fmtMs(blocks.warmTotal),
    fmtMs(blocks.warmJson),
    fmtRatio(blocks.warmTotal / blocks.warmJson),
    undefined,
    undefined,
  );
  const rRestart = restartRouter / restartBare;
  row(
    4,
    `Restart to first 200, warm disk, no network (median of ${RESTART_RUNS}) vs bare Express`,
    fmtMs(restartRouter),
    fmtMs(restartBare),
    fmtRatio(rRestart),
    '≤ 2',
    rRestart <= 2,
  );
  const lNone = latency.none;
  const lRefresh = latency.refresh;
  const rP99 = lRefresh.p99 / lNone.p99;
  row(
    5,
    `p99 latency, ${CONNECTIONS} connections, refresh every 1 s vs none (${LATENCY_ROUNDS}×${REFRESH_SECONDS} s pooled)`,
    fmtMs(lRefresh.p99),
    fmtMs(lNone.p99),
    fmtRatio(rP99),
    '≤ 2',
    rP99 <= 2,
  );
  row(
    5,
    'p50 latency, same runs',
    fmtMs(lRefresh.p50),
    fmtMs(lNone.p50),
    fmtRatio(lRefresh.p50 / lNone.p50),
    undefined,
    undefined,
  );
  row(
    5,
    'throughput, same runs',
    fmtRps(lRefresh.rps),
    fmtRps(lNone.rps),
    fmtRatio(lRefresh.rps / lNone.rps),
    undefined,
    undefined,
  );
  row(
    5,
    'max event-loop delay, same runs',
    fmtMs(lRefresh.eld.max),
    fmtMs(lNone.eld.max),
    fmtRatio(lRefresh.eld.max / lNone.eld.max),
    undefined,
    undefined,
  );
  const rateNone = latency['none@rate'];
  const rateRefresh = latency['refresh@rate'];
  row(
    5,
    `p99 latency at a fixed ${FIXED_RATE} req/s (10 connections), refresh vs none`,
    fmtMs(rateRefresh.p99),
    fmtMs(rateNone.p99),
    fmtRatio(rateRefresh.p99 / rateNone.p99),
    undefined,
    undefined,
  );
  row(
    6,
    'Heap retained by a warm catalog + router (after GC)',
    fmtMb(heapRetained),
    undefined,
    undefined,
    '≤ 20 MB',
    heapRetained <= 20 * MB,
  );
  const reqLabel =
    amount === 1_000_000
      ? '1,000,000'
      : `${amount.toLocaleString('en-US')} (not 1M: ~${Math.round(fullMillionSeconds)} s here)`;
  row(
    6,
    `RSS after GC: before → half → after ${reqLabel} requests`,
    `${fmtMb(rss0)} → ${fmtMb(rss1)} → ${fmtMb(rss2)}`,
    fmtMb(rss0),
    fmtRatio(rss2 / rss0),
    'flat: 2nd half ≤ +5% (min 5 MB)',
    rssFlat,
  );
  row(
    6,
    'heapUsed after GC, warm → after those requests',
    `${fmtMb(memEnd.heapUsed)}`,
    fmtMb(router.info.heapAfter),
    fmtRatio(memEnd.heapUsed / router.info.heapAfter),
    undefined,
    undefined,
  );
  row(
    7,
    `Upstream requests from ${JOINED_CLIENTS} concurrent cold requests (SQLite cache)`,
    `${joined.sqlite.hits} (${joined.sqlite.ok}/${JOINED_CLIENTS} answered 200)`,
    undefined,
    undefined,
    '= 1',
    joined.sqlite.hits === 1 && joined.sqlite.ok === JOINED_CLIENTS,
  );
  row(
    7,
    'same, cacheDir: false',
    `${joined['memory-only'].hits} (${joined['memory-only'].ok}/${JOINED_CLIENTS} answered 200)`,
    undefined,
    undefined,
    '= 1',
    joined['memory-only'].hits === 1 && joined['memory-only'].ok === JOINED_CLIENTS,
  );

  // 8. A fleet on Redis (bench/fleet.mjs): skipped where redis-server is not installed.
  let fleet;
  if (redisAvailable()) {
    log('fleet: 4 processes on one Redis');
    fleet = await fleetFigures(track, log);
    section('fleet');
    row(
      8,
      `Upstream requests, ${FLEET_MEMBERS} processes on one Redis cold together`,
      String(fleet.coldRequests),
      undefined,
      undefined,
      '= 1',
      fleet.coldRequests === 1,
    );
    row(
      8,
      `Upstream requests per refresh, ${FLEET_MEMBERS} processes (${fleet.periods} TTL periods)`,
      String(fleet.perPeriod),
      undefined,
      undefined,
      '= 1',
      fleet.perPeriod === 1,
    );
    row(
      8,
      `New version reaches the other processes, p95 of ${fleet.propagation.length}`,
      fmtMs(fleet.propagationP95),
      undefined,
      undefined,
      '< 1 s',
      fleet.propagationP95 < 1000,
    );
    row(
      8,
      `Worst request while Redis is killed and restarted (${fleet.outage.answers} requests, ${fleet.outage.bad} not a full 200)`,
      fmtMs(fleet.outage.worstMs),
      `storeTimeoutMs ${fleet.outage.storeTimeoutMs} ms`,
      undefined,
      '< storeTimeoutMs, none bad',
      fleet.outage.worstMs < fleet.outage.storeTimeoutMs && fleet.outage.bad === 0,
    );
    row(
      8,
      'Shared tier back to ok after Redis restarts',
      fmtMs(fleet.outage.healedMs),
      undefined,
      undefined,
      undefined,
      undefined,
    );
  } else {
    warnings.push('redis-server is not installed: the fleet figures (8) were skipped');
  }

  const table = markdownTable();
  const cpuNote = ['openai', 'anthropic', 'filtered', 'rules']
    .map(
      (name) =>
        `${name}: ${['a', 'b', 'c', '304']
          .filter((l) => cpuPerRequest[`${name}.${l}`] !== undefined)
          .map((l) => `${l} ${cpuPerRequest[`${name}.${l}`].toFixed(0)} µs`)
          .join(', ')}`,
    )
    .join('; ');
  const busyAtEnd = await busyCores();
  const busy = Math.max(busyAtStart ?? 0, busyAtEnd ?? 0);
  const notes = [
    `Server CPU per answer (best run; less sensitive to other load than req/s): ${cpuNote}.`,
    `CPU in use by other processes: ${fmtCores(busyAtStart)} before, ${fmtCores(busyAtEnd)} after the run (of ${os.cpus().length}).${busy > 0.25 ? ' Other processes competed for the cores: absolute figures are low and ratios noisier than usual.' : ''}`,
    `Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s (${sectionTimes.join(', ')}). (a) modelsRouter, (b) Express route sending the router's bytes precomputed, (c) Express route filtering the parsed document and calling res.json() per request.`,
    `Refresh runs: ${Object.entries(refreshStats)
      .map(([mode, s]) => `${mode}: ${s.ok} full downloads, median ${fmtMs(median(s.ms))}`)
      .join(
        '; ',
      )}. Router status after them: ${routerStatus.catalog.models} models, source ${routerStatus.source}, disk ${routerStatus.catalog.disk}.`,
    ...(amount < 1_000_000
      ? [
          `Memory run: ${amount.toLocaleString('en-US')} requests instead of 1,000,000 (a million would take ~${Math.round(fullMillionSeconds)} s at ${fmtRps(best['openai.a'])}).`,
        ]
      : []),
    ...warnings.map((w) => `Warning: ${w}`),
  ];
  const report = [...header, '', table, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
  log(`\n${table}\n`);
  for (const n of notes) log(`- ${n}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.md'), report);
  writeFileSync(
    join(RESULTS_DIR, 'latest.json'),
    `${JSON.stringify({ best, cold, blocks, restart, latency, refreshStats, memory: { heapRetained, mem0, halves: halves.map((h) => h.mem), memEnd, amount }, joined, fleet }, null, 2)}\n`,
  );
  log(`\nWritten to ${join(RESULTS_DIR, 'latest.md')}`);
}

function autocannonVersion() {
  try {
    return JSON.parse(
      readFileSync(new URL('../node_modules/autocannon/package.json', import.meta.url), 'utf8'),
    ).version;
  } catch {
    return '?';
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench: crashed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);

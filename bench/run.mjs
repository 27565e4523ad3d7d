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
  CODEX_QUERY,
  codexCacheText,
  DEMO_MOUNTS,
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
import { scaleFigures } from './scale.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(HERE, 'results');
const QUICK = process.env.BENCH_QUICK === '1';
/** Seconds per throughput round. */
const DURATION = Number(process.env.BENCH_DURATION ?? (QUICK ? 1 : 4));
/** Seconds per round of the two rows beside the dialects (filtered list, 50 rules). */
const SIDE_DURATION = QUICK ? 1 : 3;
/** Throughput rounds of each server per request shape, interleaved; the median counts. */
const ROUNDS = QUICK ? 1 : 3;
/** Rounds of the naive route, which is far from its goal. */
const NAIVE_ROUNDS = QUICK ? 1 : 2;
/** Warm-up run of each server before a shape's rounds. */
const WARM_SECONDS = QUICK ? 0.25 : 0.5;
/** `BENCH_SHAPES=<regex>`: only the matching request shapes (e.g. `demo\.`), figures 1 and 2 only. */
const SHAPES = process.env.BENCH_SHAPES ? new RegExp(process.env.BENCH_SHAPES) : undefined;
/**
 * `BENCH_PROFILE=<regex>`: the servers whose kind matches (`router`, `demo`, `ceiling`, ...) run
 * under `node --cpu-prof`; their profiles land in bench/results/profiles when they stop.
 */
const PROFILE = process.env.BENCH_PROFILE ? new RegExp(process.env.BENCH_PROFILE) : undefined;
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
const MEMORY_SECONDS = QUICK ? 4 : 20;
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
  process.stderr.write('bench: still running after 15 minutes, giving up\n');
  process.exit(1);
}, 15 * 60_000).unref();

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
async function startServer(kind, config = {}, { env = process.env, stdout = 'inherit' } = {}) {
  const execArgv = ['--expose-gc'];
  if (PROFILE?.test(kind)) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(RESULTS_DIR, 'profiles')}`);
  const child = track(
    fork(join(HERE, 'server.mjs'), [kind, JSON.stringify(config)], {
      execArgv,
      env,
      stdio: ['ignore', stdout, 'inherit', 'ipc'],
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
        resolve({
          status: res.statusCode,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/** Headers Node adds to every answer by itself (and to the ceiling's alike): not replayed. */
const NODE_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * One real answer, as the ceiling will replay it: status, the headers as sent (names as written,
 * in order, from rawHeaders) and the bytes.
 */
async function capture(server, path, headers, status) {
  const res = await httpGet(server.port, path, headers);
  if (res.status !== status)
    throw new Error(`${server.kind} ${path} answered ${res.status}, expected ${status}`);
  const pairs = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (!NODE_HEADERS.has(res.rawHeaders[i].toLowerCase()))
      pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  }
  return { status: res.status, headers: pairs, body: res.body };
}

/** The distinct sets of header names among the shapes, each with the shapes that sent it. */
function headerSets(shapes) {
  const sets = new Map();
  for (const s of shapes) {
    const names = s.answer.headers.map(([n]) => n.toLowerCase()).join(', ');
    sets.set(names, [...(sets.get(names) ?? []), s.name]);
  }
  return [...sets].map(([names, who]) => `${names} (${who.join(', ')})`).join('; ');
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
    `- ${CONNECTIONS} connections, ${DURATION} s rounds interleaved per request shape (a, b, a, b, ...); median of ${ROUNDS} with the spread (min–max), ${NAIVE_ROUNDS} for (c)${QUICK ? ' (BENCH_QUICK)' : ''}`,
    `- provider \`${PROVIDER}\`; each server in its own child process, load generator and fake upstream in the parent`,
  ];
  for (const line of header) log(line);
  log();

  const upstream = await startUpstream(fixture);
  // Codex's models cache, the Codex dialect's source: the bare router is given its path, the demo
  // finds it where Codex keeps it ($CODEX_HOME/models_cache.json).
  const codexHome = join(tmp, 'codex-home');
  mkdirSync(codexHome);
  const codexCacheFile = join(codexHome, 'models_cache.json');
  writeFileSync(codexCacheFile, codexCacheText());

  // --- Servers under test -------------------------------------------------------------------
  log('Starting servers...');
  sectionStart = Date.now();
  const router = await startServer('router', {
    url: upstream.url('/doc.json'),
    cacheDir: join(tmp, 'router-cache'),
    codexCacheFile,
  });
  // The demo writes its request log to stdout: /dev/null here ('ignore'), never the terminal.
  const demoOptions = { env: { ...process.env, CODEX_HOME: codexHome }, stdout: 'ignore' };
  const demo = await startServer(
    'demo',
    { url: upstream.url('/demo.json'), cacheDir: join(tmp, 'demo-cache') },
    demoOptions,
  );
  // The same demo at log level warn (no per-request line), to size the access log's share.
  const demoWarn = await startServer(
    'demo',
    { url: upstream.url('/demo-warn.json'), cacheDir: join(tmp, 'demo-warn-cache'), logLevel: 'warn' },
    demoOptions,
  );
  const naive = await startServer('naive', { fixture: FIXTURE });
  const ceiling = await startServer('ceiling');
  demo.kind = `demo/${demo.info.logLevel}`;
  demoWarn.kind = `demo/${demoWarn.info.logLevel}`;

  const ruleCount = Object.values(RULES).reduce(
    (n, value) => n + (Array.isArray(value) ? value.length : Object.keys(value).length),
    0,
  );
  // Every request shape of figures 1 and 2: what (a) is asked, in which app. The ceiling (b) is
  // handed each shape's real answer from (a), status, headers and bytes, before anything is timed.
  const apps = [
    { app: 'bare', server: router, openai: '/v1', anthropic: '/v1' },
    { app: 'demo', server: demo, openai: DEMO_MOUNTS.codex, anthropic: DEMO_MOUNTS.claude_api },
  ];
  const shapes = [];
  for (const { app, server, openai, anthropic } of apps) {
    const lists = [
      { dialect: 'openai', label: 'OpenAI list', path: `${openai}/models`, headers: {} },
      {
        dialect: 'anthropic',
        label: 'Anthropic list, limit=1000',
        path: `${anthropic}/models?limit=1000`,
        headers: { ...ANTHROPIC_HEADERS },
      },
      {
        dialect: 'codex',
        label: `Codex list (${CODEX_QUERY.slice(1)})`,
        path: `${openai}/models${CODEX_QUERY}`,
        headers: {},
      },
    ];
    for (const list of lists) {
      const answer = await capture(server, list.path, list.headers, 200);
      const s = { ...list, app, server, name: `${app}.${list.dialect}`, status: 200, answer };
      if (app === 'bare' && list.dialect !== 'codex') s.naive = naive;
      if (app === 'demo' && list.dialect === 'openai') s.warn = demoWarn;
      shapes.push(s);
      const models = JSON.parse(answer.body.toString())[list.dialect === 'codex' ? 'models' : 'data'];
      log(`  ${s.name}: ${models.length} models, ${(answer.body.length / 1024).toFixed(1)} KB body`);
      if (list.dialect !== 'codex') {
        // The first listed id a route parameter can carry (no `/`).
        const id = models.map((m) => m.id).find((x) => !x.includes('/'));
        const base = list.path.split('?')[0];
        const path = `${base}/${encodeURIComponent(id)}`;
        const label = `${list.dialect === 'openai' ? 'OpenAI' : 'Anthropic'} retrieve (${id})`;
        shapes.push({
          dialect: list.dialect,
          label,
          path,
          headers: list.headers,
          app,
          server,
          name: `${app}.${list.dialect}.retrieve`,
          status: 200,
          answer: await capture(server, path, list.headers, 200),
        });
      }
      const conditional = {
        ...list.headers,
        'if-none-match': answer.headers.find(([n]) => n.toLowerCase() === 'etag')[1],
      };
      shapes.push({
        dialect: list.dialect,
        label: `${list.label}: 304 to a matching If-None-Match`,
        path: list.path,
        headers: conditional,
        app,
        server,
        name: `${app}.${list.dialect}.304`,
        status: 304,
        answer: await capture(server, list.path, conditional, 304),
      });
    }
  }
  for (const [name, path, label] of [
    ['filtered', FILTERED_PATH, `OpenAI list, ${FILTERED_PATH.slice(FILTERED_PATH.indexOf('?'))}`],
    ['rules', RULES_PATH, `OpenAI list under ${ruleCount} rules (include/exclude/overrides/extra/aliases)`],
  ]) {
    const answer = await capture(router, path, {}, 200);
    const n = JSON.parse(answer.body.toString()).data.length;
    log(`  bare.${name}: ${n} models, ${(answer.body.length / 1024).toFixed(1)} KB body`);
    shapes.push({
      dialect: 'openai',
      label,
      path,
      headers: {},
      app: 'bare',
      server: router,
      name: `bare.${name}`,
      status: 200,
      answer,
      duration: SIDE_DURATION,
      goal: 0.9,
    });
  }
  const selected = SHAPES === undefined ? shapes : shapes.filter((s) => SHAPES.test(s.name));
  await ceiling.call(
    'answers',
    shapes.map((s) => ({
      url: s.path,
      requestHeaders: s.headers,
      status: s.answer.status,
      headers: s.answer.headers,
      body: s.answer.body.toString('base64'),
    })),
  );
  // The ceiling must answer byte for byte what (a) answered: status, every header, the body.
  for (const s of shapes) {
    const top = await capture(ceiling, s.path, s.headers, s.status);
    const same = (x) => JSON.stringify(x.headers.map(([n, v]) => [n.toLowerCase(), v]).sort());
    if (!top.body.equals(s.answer.body) || same(top) !== same(s.answer)) {
      throw new Error(
        `ceiling ${s.name} differs from the server's answer:\n  ${same(s.answer)}\n  ${same(top)}`,
      );
    }
  }
  // The naive route lists the same models as the router.
  for (const s of shapes.filter((x) => x.naive !== undefined)) {
    const naiveRes = await httpGet(naive.port, s.path, s.headers);
    const ids = (buf) => JSON.parse(buf.toString()).data.map((m) => m.id);
    const a = ids(s.answer.body);
    const c = ids(naiveRes.body);
    const sameSet = a.length === c.length && new Set([...a, ...c]).size === a.length;
    if (!sameSet) warn(`naive ${s.name} list differs from the router's (${c.length} vs ${a.length} models)`);
  }
  const sentHeaders = (s) =>
    s.answer.headers
      .filter(([n]) => n.toLowerCase() !== 'content-length')
      .map(([n, v]) => `${n.toLowerCase()}: ${v}`)
      .join(', ');
  log(`  headers replayed by the ceiling, e.g. ${shapes[0].name}: ${sentHeaders(shapes[0])}`);
  section('start');

  // --- 1 & 2: warm throughput ---------------------------------------------------------------
  // Per shape: a short warm-up of each server, then ROUNDS rounds of (a), (w), (b), (c), each
  // server's run followed by the next's. Medians count; min and max are the spread.
  const runs = {};
  for (const s of selected) {
    log(
      `\n${s.status === 304 ? 2 : 1}. ${s.app} ${s.label} (${s.path}${s.headers['anthropic-version'] ? ', anthropic-version' : ''})`,
    );
    const contenders = [
      ['a', s.server],
      ...(s.warn ? [['w', s.warn]] : []),
      ['b', ceiling],
      ...(s.naive ? [['c', s.naive]] : []),
    ];
    for (const [, server] of contenders) {
      await load({ port: server.port, path: s.path, headers: s.headers, duration: WARM_SECONDS });
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [label, server] of contenders) {
        // The naive route is far from its goal: fewer rounds.
        if (label === 'c' && round > NAIVE_ROUNDS) continue;
        const cpu0 = await server.call('cpu');
        const run = await load({
          port: server.port,
          path: s.path,
          headers: s.headers,
          duration: s.duration ?? DURATION,
        });
        const cpu1 = await server.call('cpu');
        checkRun(`${s.name} ${label} round ${round}`, run, s.status);
        // Server CPU per answer: steadier than req/s when other processes compete for the cores.
        const cpuUs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / run.total;
        const key = `${s.name}.${label}`;
        runs[key] ??= { rps: [], cpu: [] };
        const r = runs[key];
        r.rps.push(run.rps);
        r.cpu.push(cpuUs);
        log(
          `  round ${round} ${label} ${server.kind.padEnd(10)} ${fmtRps(run.rps).padStart(12)}, server CPU ${cpuUs.toFixed(0)} µs/answer`,
        );
      }
    }
  }
  section('throughput');
  const stat = (key, field = 'rps') => {
    const values = runs[key]?.[field];
    if (values === undefined) return undefined;
    return { median: median(values), min: Math.min(...values), max: Math.max(...values), values };
  };
  const spread = (x, f) => (x.values.length > 1 ? ` (${f(x.min)}–${f(x.max)})` : '');
  const rpsCell = (x) => `${fmtRps(x.median)}${spread(x, (v) => Math.round(v).toLocaleString('en-US'))}`;
  const summary = {};
  for (const s of selected) {
    const a = stat(`${s.name}.a`);
    const b = stat(`${s.name}.b`);
    const goal = s.goal ?? 0.95;
    // Per-round ratios (a_i / b_i of the same round) give the spread of the ratio.
    const ratios = a.values.map((v, i) => v / b.values[i]);
    const ratio = a.median / b.median;
    const cpuA = stat(`${s.name}.a`, 'cpu');
    const cpuB = stat(`${s.name}.b`, 'cpu');
    summary[s.name] = { path: s.path, a, b, ratio, ratios, cpuA, cpuB, headers: sentHeaders(s) };
    const who = s.app === 'bare' ? 'bare app' : `demo (log ${demo.info.logLevel})`;
    row(
      s.status === 304 ? 2 : 1,
      `${who}, ${s.label}: (a) vs ceiling (b)`,
      rpsCell(a),
      rpsCell(b),
      `${fmtRatio(ratio)} (${fmtRatio(Math.min(...ratios))}–${fmtRatio(Math.max(...ratios))})`,
      `≥ ${goal.toFixed(2)}`,
      ratio >= goal,
    );
    row(
      s.status === 304 ? 2 : 1,
      `${who}, ${s.label}: server CPU per answer, (a) vs (b) (ratio b/a)`,
      `${fmtUs(cpuA.median)}${spread(cpuA, (v) => v.toFixed(0))}`,
      `${fmtUs(cpuB.median)}${spread(cpuB, (v) => v.toFixed(0))}`,
      fmtRatio(cpuB.median / cpuA.median),
      undefined,
      undefined,
    );
    const w = stat(`${s.name}.w`);
    if (w !== undefined) {
      const cpuW = stat(`${s.name}.w`, 'cpu');
      summary[s.name].w = w;
      summary[s.name].cpuW = cpuW;
      row(
        1,
        `demo at log level ${demoWarn.info.logLevel} (no request log), ${s.label}: (w) vs ceiling (b); CPU per answer`,
        `${rpsCell(w)}; ${fmtUs(cpuW.median)}`,
        `${rpsCell(b)}; ${fmtUs(cpuB.median)}`,
        fmtRatio(w.median / b.median),
        undefined,
        undefined,
      );
    }
    const c = stat(`${s.name}.c`);
    if (c !== undefined) {
      summary[s.name].c = c;
      row(
        1,
        `bare app, ${s.label}: (a) vs naive (c)`,
        rpsCell(a),
        rpsCell(c),
        fmtRatio(a.median / c.median),
        '≥ 2.0',
        a.median / c.median >= 2,
      );
    }
  }
  if (SHAPES !== undefined) {
    // A partial run (BENCH_SHAPES): figures 1 and 2 only.
    log(`\n${markdownTable()}\n`);
    // Stopped, not killed, so a profiled server writes its profile.
    await Promise.all([router, demo, demoWarn, naive, ceiling].map((server) => server.stop()));
    await upstream.close();
    return;
  }
  const openaiRps = summary['bare.openai'].a.median;

  // --- 6: memory ----------------------------------------------------------------------------
  log('\n6. Memory');
  const heapRetained = router.info.heapAfter - router.info.heapBefore;
  log(
    `  heap: ${fmtMb(router.info.heapBefore)} after imports, ${fmtMb(router.info.heapAfter)} with a warm catalog and router (source ${router.info.source})`,
  );
  const fullMillionSeconds = 1_000_000 / openaiRps;
  const amount = Math.min(
    1_000_000,
    Math.max(20_000, Math.floor((openaiRps * MEMORY_SECONDS) / 20_000) * 20_000),
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

  await Promise.all([router.stop(), demo.stop(), demoWarn.stop(), naive.stop(), ceiling.stop()]);

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
  writeFileSync(bodyFile, shapes.find((x) => x.name === 'bare.openai').answer.body);
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
  const rCold = coldRouter / coldJson;
  row(
    3,
    `Cold build, bytes to first list body (median of ${COLD_RUNS}) vs JSON.parse`,
    fmtMs(coldRouter),
    fmtMs(coldJson),
    fmtRatio(rCold),
    '≤ 2',
    rCold <= 2,
  );
  row(
    3,
    'public blocks on the main thread, cold: parseDocument (whole set built) / selectModels / serialise',
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

  // 9. The scale sweep (bench/scale.mjs): the fixture's entries copied to 1x, 3x and 10x.
  log('scale: 1x, 3x, 10x catalogs');
  const scale = await scaleFigures({ quick: QUICK, log });
  rows.push(...scale);
  section('scale');

  const table = markdownTable();
  const busyAtEnd = await busyCores();
  const busy = Math.max(busyAtStart ?? 0, busyAtEnd ?? 0);
  const notes = [
    `Figures 1 and 2: median of ${ROUNDS} interleaved ${DURATION} s rounds (the filtered and rules rows: ${SIDE_DURATION} s), spread (min–max) in brackets; the ratio's spread is that of the per-round ratios a/b. Server CPU per answer (process.cpuUsage() around each run) is less sensitive to other load than req/s. The demo's request log goes to /dev/null.`,
    `Headers the ceiling replays with (a)'s values (besides Date, Connection, Keep-Alive, which Node adds to both): ${headerSets(selected)}; values in results/latest.json.`,
    `CPU in use by other processes: ${fmtCores(busyAtStart)} before, ${fmtCores(busyAtEnd)} after the run (of ${os.cpus().length}).${busy > 0.25 ? ' Other processes competed for the cores: absolute figures are low and ratios noisier than usual.' : ''}`,
    `Total time ${((Date.now() - startedAt) / 1000).toFixed(0)} s (${sectionTimes.join(', ')}). (a) modelsRouter in a bare Express app or the demo (apps/proxy), (b) Express route replaying (a)'s status, headers and bytes, precomputed, (c) Express route filtering the parsed document and calling res.json() per request.`,
    `Refresh runs: ${Object.entries(refreshStats)
      .map(([mode, s]) => `${mode}: ${s.ok} full downloads, median ${fmtMs(median(s.ms))}`)
      .join(
        '; ',
      )}. Router status after them: ${routerStatus.catalog.models} models, source ${routerStatus.source}, disk ${routerStatus.catalog.disk}.`,
    ...(amount < 1_000_000
      ? [
          `Memory run: ${amount.toLocaleString('en-US')} requests instead of 1,000,000 (a million would take ~${Math.round(fullMillionSeconds)} s at ${fmtRps(openaiRps)}).`,
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
    `${JSON.stringify({ throughput: summary, cold, blocks, restart, latency, refreshStats, memory: { heapRetained, mem0, halves: halves.map((h) => h.mem), memEnd, amount }, joined, fleet, scale }, null, 2)}\n`,
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

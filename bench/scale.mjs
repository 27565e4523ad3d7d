// Figure 9, the scale sweep: the fixture's entries copied under new ids to 1x, 3x and 10x, served
// by a fake upstream on 127.0.0.1:0 to a router in its own process. Per scale: p99 under 50
// connections with a refresh every second vs none, the event-loop delay during refreshes vs none
// (measured in the server process) both under that saturating load and at a fixed request rate,
// heap and RSS per 1,000 models after GC, and the cold build vs JSON.parse of the same bytes (each
// in a fresh process).
//
// Why two event-loop figures: under 50 saturating connections the loop is never idle, so its delay
// is the time to serve the batch of requests that arrived together (~20 ms with no refresh at
// all): it measures batching, not stalls. A stall caused by a refresh is judged at a fixed rate
// (FIXED_RATE requests per second, far from saturation), where the loop is mostly idle and the
// no-refresh baseline is small: a longer delay there is a block of work the refresh put on it.
//
//   node bench/scale.mjs            (~2 minutes; BENCH_QUICK=1 for under a minute)
//   import { scaleFigures } from './scale.mjs'; await scaleFigures({ quick }) -> rows like run.mjs's
//
// The same file is the server process (`scale.mjs serve <url>`) and the cold-build process
// (`scale.mjs cold <json|router> <file>`); both report over IPC.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  coldFirstListMs,
  FIXTURE,
  invoke,
  loadExpress,
  median,
  OPENAI_PATH,
  PKG_URL,
  PROVIDER,
  settledMemory,
} from './common.mjs';

const HERE = fileURLToPath(import.meta.url);
const SCALES = [1, 3, 10];
const CONNECTIONS = 50;
/** The fixed-rate load the stall figures are measured under: requests per second, over few connections. */
const FIXED_RATE = 100;
const FIXED_CONNECTIONS = 5;
const MB = 1024 * 1024;
/** Models the event-loop goal allows to stall for longer: the 1x document gets the tighter bound. */
const ELD_GOAL_MS = { 1: 20, 3: 50, 10: 50 };
const P99_GOAL = 1.2;
/** Per-1,000-models memory within this factor of the 1x figure counts as linear. */
const LINEAR_WITHIN = 1.25;

const fmtMs = (x) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
const fmtMb = (bytes) => `${(bytes / MB).toFixed(2)} MB`;
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}` : '—');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Child processes

async function serve(url) {
  process.on('disconnect', () => process.exit(0));
  const express = loadExpress();
  const { createCatalog, modelsRouter } = await import(PKG_URL);
  const app = express();
  const before = settledMemory();
  const catalog = createCatalog({ url, cacheDir: false, snapshot: false });
  const router = modelsRouter({ provider: PROVIDER, catalog });
  app.use('/v1', router);
  const first = await invoke(router, '/models');
  if (first.status !== 200) throw new Error(`first list answered ${first.status}`);
  const { models } = catalog.status();
  const after = settledMemory();
  const eld = monitorEventLoopDelay({ resolution: 2 });
  // The same delay per second: its largest value each second, so a stall every refresh causes
  // (in most seconds) is told from a one-off delay (the process not scheduled on a shared machine).
  const perSecond = monitorEventLoopDelay({ resolution: 2 });
  let seconds;
  let refresh;
  const commands = {
    'eld-start': () => {
      eld.reset();
      eld.enable();
      perSecond.reset();
      perSecond.enable();
      const maxima = [];
      const timer = setInterval(() => {
        maxima.push(perSecond.max / 1e6);
        perSecond.reset();
      }, 1000);
      seconds = { timer, maxima };
      return true;
    },
    'eld-stop': () => {
      eld.disable();
      perSecond.disable();
      clearInterval(seconds.timer);
      return { max: eld.max / 1e6, p99: eld.percentile(99) / 1e6, secondMaxima: seconds.maxima };
    },
    'refresh-start': () => {
      const stats = { ok: 0, failed: 0, errors: [] };
      let inFlight = Promise.resolve();
      const timer = setInterval(() => {
        inFlight = catalog.refresh().then((report) => {
          if (report.ok && !report.notModified) stats.ok++;
          else if (!report.ok) {
            stats.failed++;
            if (stats.errors.length < 3) stats.errors.push(String(report.error));
          }
        });
      }, 1000);
      refresh = { timer, stats, settle: () => inFlight };
      return true;
    },
    'refresh-stop': async () => {
      clearInterval(refresh.timer);
      await refresh.settle();
      return refresh.stats;
    },
    // Read after refreshes: whatever the refresh path keeps alive (a parse worker) is counted.
    mem: () => settledMemory(),
    cpu: () => ({ ...mainThreadSchedule(), processUs: cpuUs(), refreshes: refresh?.stats.ok ?? 0 }),
  };
  process.on('message', async ({ id, cmd }) => {
    const result = await commands[cmd]();
    process.send({ id, result });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', port: server.address().port, models, before, after });
  });
}

/**
 * The main thread's CPU time and its time runnable but waiting for a CPU, in ns (Linux's
 * schedstat of the thread whose id is the process id); zeros elsewhere. Unlike wall-clock figures
 * these tell the refresh's own main-thread work from the other processes on a shared machine.
 */
function mainThreadSchedule() {
  try {
    const [runNs, waitNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return { runNs, waitNs };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function cold(mode, file) {
  const bytes = readFileSync(file);
  let ms;
  if (mode === 'json') {
    const t0 = performance.now();
    JSON.parse(bytes.toString('utf8'));
    ms = performance.now() - t0;
  } else {
    ({ ms } = await coldFirstListMs(file));
  }
  process.send({ ms }, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Orchestrator

/** The fixture's entries copied under new ids (`<id>-x<copy>`) to `scale` times as many. */
function scaledDocument(doc, scale) {
  const out = { ...doc };
  for (let copy = 1; copy < scale; copy++) {
    for (const [id, entry] of Object.entries(doc)) {
      if (id === 'sample_spec') continue;
      out[`${id}-x${copy}`] = entry;
    }
  }
  return Buffer.from(JSON.stringify(out));
}

/** Every answer a new document (one extra entry numbered per request), so each refresh parses. */
function startUpstream(bodies) {
  let seq = 0;
  const server = http.createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    seq++;
    const head = Buffer.from(`{"bench-seq-${seq}":{"litellm_provider":"openai","mode":"chat"},`);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': head.length + body.length - 1,
    });
    res.write(head);
    res.end(body.subarray(1));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: (path) => `http://127.0.0.1:${port}${path}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

function startChild(args, children) {
  const child = fork(HERE, args, {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function firstMessage(child, what) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) first`)));
  });
}

async function startServer(url, children) {
  const child = startChild(['serve', url], children);
  const ready = await firstMessage(child, 'scale server');
  let nextId = 1;
  const ask = (cmd) =>
    new Promise((resolve) => {
      const id = nextId++;
      const onMessage = (message) => {
        if (message.id !== id) return;
        child.off('message', onMessage);
        resolve(message.result);
      };
      child.on('message', onMessage);
      child.send({ id, cmd });
    });
  return { ...ready, ask, stop: () => child.kill('SIGTERM') };
}

async function coldMs(mode, file, children) {
  const { ms } = await firstMessage(startChild(['cold', mode, file], children), `cold ${mode}`);
  return ms;
}

/** Saturating load (`CONNECTIONS` as fast as answered), or `rate` requests per second. */
async function load(port, seconds, rate) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${OPENAI_PATH}`,
    connections: rate === undefined ? CONNECTIONS : FIXED_CONNECTIONS,
    duration: seconds,
    ...(rate !== undefined && { overallRate: rate }),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`load run: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { p99: result.latency.p99, rps: result.requests.average };
}

/**
 * Measures the sweep and returns figure-9 rows shaped like bench/run.mjs's
 * `{ n, figure, measured, reference, ratio, goal, pass }` (pass undefined: informational).
 */
export async function scaleFigures({ quick = false, log = () => {} } = {}) {
  const seconds = quick ? 2 : 6;
  const coldRuns = quick ? 1 : 5;
  const rows = [];
  const row = (figure, measured, reference, ratio, goal, pass) =>
    rows.push({ n: 9, figure, measured, reference, ratio, goal, pass });
  const children = new Set();
  const tmp = mkdtempSync(join(os.tmpdir(), 'models-scale-'));
  const doc = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const bodies = new Map(SCALES.map((scale) => [`/doc-${scale}x.json`, scaledDocument(doc, scale)]));
  const upstream = await startUpstream(bodies);
  const perThousand = {};
  try {
    for (const scale of SCALES) {
      const path = `/doc-${scale}x.json`;
      const file = join(tmp, `doc-${scale}x.json`);
      writeFileSync(file, bodies.get(path));

      const json = [];
      const router = [];
      for (let i = 0; i < coldRuns; i++) {
        json.push(await coldMs('json', file, children));
        router.push(await coldMs('router', file, children));
      }

      const server = await startServer(upstream.url(path), children);
      const { models } = server;
      await load(server.port, 1); // warm-up: JIT and sockets, not measured
      /** A load run with the event-loop delay recorded in the server meanwhile. */
      const measured = async (rate) => {
        const cpu = await server.ask('cpu');
        await server.ask('eld-start');
        const http = await load(server.port, seconds, rate);
        const eld = await server.ask('eld-stop');
        const end = await server.ask('cpu');
        const ms = (ns) => ns / 1e6;
        return {
          ...http,
          eld,
          cpu: {
            mainMs: ms(end.runNs - cpu.runNs),
            waitMs: ms(end.waitNs - cpu.waitNs),
            otherMs: (end.processUs - cpu.processUs) / 1000 - ms(end.runNs - cpu.runNs),
            refreshes: end.refreshes - cpu.refreshes,
          },
        };
      };
      const none = await measured();
      const steadyNone = await measured(FIXED_RATE);
      await server.ask('refresh-start');
      await sleep(50);
      const refreshed = await measured();
      const steady = await measured(FIXED_RATE);
      const eldNone = none.eld;
      const eldRefresh = refreshed.eld;
      const stats = await server.ask('refresh-stop');
      if (stats.ok === 0) throw new Error(`no refresh succeeded at ${scale}x: ${stats.errors.join('; ')}`);
      const memRefreshed = await server.ask('mem');
      server.stop();

      const k = models / 1000;
      const heap = (server.after.heap - server.before.heap) / k;
      const rss = (server.after.rss - server.before.rss) / k;
      perThousand[scale] = { heap, rss };
      log(
        `  ${scale}x ${models} models: p99 ${none.p99} -> ${refreshed.p99} ms, max ELD ${eldNone.max.toFixed(1)} -> ${eldRefresh.max.toFixed(1)} ms; ` +
          `at ${FIXED_RATE}/s: p99 ${steadyNone.p99} -> ${steady.p99} ms, ELD max ${steadyNone.eld.max.toFixed(1)} -> ${steady.eld.max.toFixed(1)} ms, ` +
          `per-second max median ${median(steadyNone.eld.secondMaxima).toFixed(1)} -> ${median(steady.eld.secondMaxima).toFixed(1)} ms ` +
          `[${steady.eld.secondMaxima.map((ms) => ms.toFixed(0)).join(' ')}], ` +
          `p99 ${steadyNone.eld.p99.toFixed(1)} -> ${steady.eld.p99.toFixed(1)} ms ` +
          `(${stats.ok} refreshes); per refresh at ${FIXED_RATE}/s: main thread ${fmtMs((steady.cpu.mainMs - steadyNone.cpu.mainMs) / Math.max(1, steady.cpu.refreshes))}, ` +
          `other threads ${fmtMs((steady.cpu.otherMs - steadyNone.cpu.otherMs) / Math.max(1, steady.cpu.refreshes))}, ` +
          `main thread waiting ${fmtMs(steadyNone.cpu.waitMs / seconds)} -> ${fmtMs(steady.cpu.waitMs / seconds)} per s; ` +
          `heap/1k ${fmtMb(heap)}, RSS/1k ${fmtMb(rss)}`,
      );

      const label = `${scale}x (${models.toLocaleString('en-US')} models)`;
      const rP99 = refreshed.p99 / none.p99;
      row(
        `${label}: p99, ${CONNECTIONS} connections, refresh every 1 s vs none (${seconds} s each)`,
        fmtMs(refreshed.p99),
        fmtMs(none.p99),
        fmtRatio(rP99),
        scale === 10 ? `≤ ${P99_GOAL}` : undefined,
        scale === 10 ? rP99 <= P99_GOAL : undefined,
      );
      const eldGoal = ELD_GOAL_MS[scale];
      // Informational: the no-refresh baseline is itself the batching delay of 50 connections.
      row(
        `${label}: max event-loop delay under ${CONNECTIONS} saturating connections, refreshes vs none (batching, not stalls)`,
        fmtMs(eldRefresh.max),
        fmtMs(eldNone.max),
        fmtRatio(eldRefresh.max / eldNone.max),
        undefined,
        undefined,
      );
      row(
        `${label}: p99 event-loop delay under ${CONNECTIONS} saturating connections, refreshes vs none`,
        fmtMs(eldRefresh.p99),
        fmtMs(eldNone.p99),
        fmtRatio(eldRefresh.p99 / eldNone.p99),
        undefined,
        undefined,
      );
      // The stall figure: at a fixed rate, the longest delay of a typical second while refreshes
      // run (a refresh every second: a stall each one causes is in most seconds), judged against
      // the goal; the single longest delay beside it, which a shared machine's scheduling can
      // cause with no refresh at all (its no-refresh reference says how much).
      const typical = median(steady.eld.secondMaxima);
      const typicalNone = median(steadyNone.eld.secondMaxima);
      row(
        `${label}: event-loop stall at ${FIXED_RATE} requests/s, median of each second's longest delay, refreshes vs none`,
        fmtMs(typical),
        fmtMs(typicalNone),
        fmtRatio(typical / typicalNone),
        `≤ ${eldGoal} ms`,
        typical <= eldGoal,
      );
      row(
        `${label}: max event-loop delay at ${FIXED_RATE} requests/s, refreshes vs none (the single longest)`,
        fmtMs(steady.eld.max),
        fmtMs(steadyNone.eld.max),
        fmtRatio(steady.eld.max / steadyNone.eld.max),
        undefined,
        undefined,
      );
      // CPU per refresh, from the same fixed-rate runs: what the refreshes added to the main
      // thread (which serves requests) and to the other threads (the parse worker, GC helpers),
      // and how long the main thread waited for a CPU (2 cores shared by the server, its worker,
      // autocannon, the fake upstream and other processes).
      const perRefresh = (key) => (steady.cpu[key] - steadyNone.cpu[key]) / Math.max(1, steady.cpu.refreshes);
      row(
        `${label}: CPU per refresh at ${FIXED_RATE} requests/s, main thread / other threads (${steady.cpu.refreshes} refreshes vs none)`,
        `${fmtMs(perRefresh('mainMs'))} / ${fmtMs(perRefresh('otherMs'))}`,
        '—',
        '—',
        undefined,
        undefined,
      );
      row(
        `${label}: main thread waiting for a CPU per second at ${FIXED_RATE} requests/s, refreshes vs none`,
        fmtMs(steady.cpu.waitMs / seconds),
        fmtMs(steadyNone.cpu.waitMs / seconds),
        fmtRatio(steady.cpu.waitMs / steadyNone.cpu.waitMs),
        undefined,
        undefined,
      );
      row(
        `${label}: p99 event-loop delay / p99 latency at ${FIXED_RATE} requests/s, refreshes vs none`,
        `${fmtMs(steady.eld.p99)} / ${fmtMs(steady.p99)}`,
        `${fmtMs(steadyNone.eld.p99)} / ${fmtMs(steadyNone.p99)}`,
        fmtRatio(steady.eld.p99 / steadyNone.eld.p99),
        undefined,
        undefined,
      );
      // Per 1,000 models including the fixed cost of a router (code, views), which weighs most
      // at 1x; linearity is judged on the slope: what 1,000 more models cost from one scale to the
      // next, against the slope from 1x to 3x.
      row(
        `${label}: heap / RSS per 1,000 models after GC (all retained, fixed cost included)`,
        `${fmtMb(heap)} / ${fmtMb(rss)}`,
        '—',
        '—',
        undefined,
        undefined,
      );
      perThousand[scale].abs = { heap: server.after.heap - server.before.heap, models };
      const prev = SCALES[SCALES.indexOf(scale) - 1];
      if (prev !== undefined) {
        const a = perThousand[prev].abs;
        const slope = ((server.after.heap - server.before.heap - a.heap) / (models - a.models)) * 1000;
        perThousand[scale].slope = slope;
        const ref = perThousand[3].slope ?? slope;
        const linear = slope <= ref * LINEAR_WITHIN && slope >= ref / LINEAR_WITHIN;
        row(
          `${label}: heap per 1,000 more models, ${prev}x to ${scale}x, vs 1x to 3x`,
          fmtMb(slope),
          fmtMb(ref),
          fmtRatio(slope / ref),
          scale === 3 ? undefined : `linear (±${Math.round((LINEAR_WITHIN - 1) * 100)}%)`,
          scale === 3 ? undefined : linear,
        );
      }
      row(
        `${label}: RSS after the refresh run vs after the first list`,
        fmtMb(memRefreshed.rss - server.before.rss),
        fmtMb(server.after.rss - server.before.rss),
        fmtRatio((memRefreshed.rss - server.before.rss) / (server.after.rss - server.before.rss)),
        undefined,
        undefined,
      );
      const rCold = median(router) / median(json);
      row(
        `${label}: cold build, bytes to first list body (median of ${coldRuns}) vs JSON.parse`,
        fmtMs(median(router)),
        fmtMs(median(json)),
        fmtRatio(rCold),
        scale === 1 ? '≤ 2' : undefined,
        scale === 1 ? rCold <= 2 : undefined,
      );
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await upstream.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Entry

// Imported (by run.mjs), this file does nothing until scaleFigures() is called.
const [mode, ...args] = process.argv[1] === HERE ? process.argv.slice(2) : [];
if (mode === 'serve') await serve(args[0]);
else if (mode === 'cold') await cold(args[0], args[1]);
else if (process.argv[1] === HERE) {
  const started = performance.now();
  const rows = await scaleFigures({
    quick: process.env.BENCH_QUICK === '1',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const table = [
    '| # | figure | measured | reference | ratio | goal | result |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.figure} | ${r.measured} | ${r.reference} | ${r.ratio} | ${r.goal ?? ''} | ${
          r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'MISS'
        } |`,
    ),
  ];
  process.stdout.write(`\n${table.join('\n')}\n\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

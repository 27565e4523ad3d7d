// Fleet figures for `pnpm bench` (issue #14): four server processes sharing one real Redis, each
// a models router over Keyv on @keyv/redis (the members are the fleet test's worker,
// packages/models-middleware/test/fleet/fleet-worker.mjs). Measures upstream requests per
// refresh, how fast a new version reaches the other members, and the worst request latency while
// Redis is killed and restarted. Needs `redis-server` on PATH; without it the figures are skipped.
import { fork, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { percentile } from './common.mjs';

const WORKER = fileURLToPath(
  new URL('../packages/models-middleware/test/fleet/fleet-worker.mjs', import.meta.url),
);
export const MEMBERS = 4;
const TTL_MS = 600;
const PERIODS = 5;
const STORE_TIMEOUT_MS = 500;

/** A small valid document of `count` models: the figures are about coordination, not parsing. */
const documentOf = (count) =>
  JSON.stringify(
    Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `gpt-fleet-${i + 1}`,
        { litellm_provider: 'openai', mode: 'chat' },
      ]),
    ),
  );

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis(port, track) {
  const child = track(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ),
  );
  let output = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  child.stdout.resume();
  return child;
}

function startUpstream() {
  const state = { body: documentOf(3), arrivals: [] };
  const server = http.createServer((req, res) => {
    state.arrivals.push(Date.now());
    const etag = `"${state.body.length}-${state.body.slice(-12)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: etag }).end(state.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ state, server, url: `http://127.0.0.1:${port}/model_prices_and_context_window.json` });
    }),
  );
}

function get(port) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/models' }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        let models = 0;
        try {
          models = JSON.parse(Buffer.concat(chunks).toString()).data?.length ?? 0;
        } catch {
          // counted as an empty answer
        }
        resolve({ status: res.statusCode, models, ms: performance.now() - started });
      });
    });
    req.on('error', () => resolve({ status: 0, models: 0, ms: performance.now() - started }));
  });
}

/** Starts the members; `events` collects what they report, `waitFor` resolves on a matching one. */
async function startMembers(options, track) {
  const events = [];
  const waiters = [];
  const members = await Promise.all(
    Array.from({ length: MEMBERS }, async (_, index) => {
      const child = track(
        fork(WORKER, [JSON.stringify(options)], {
          execArgv: [],
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        }),
      );
      child.on('message', (message) => {
        if (message.type !== 'event') return;
        const event = { ...message, member: index };
        events.push(event);
        for (const waiter of waiters.filter((w) => w.test(event))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      });
      const [ready] = await once(child, 'message');
      return { child, port: ready.port };
    }),
  );
  const waitFor = (test, after = 0) => {
    const seen = events.slice(after).find(test);
    return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ test, resolve }));
  };
  const close = () =>
    Promise.all(
      members.map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'close' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  return { members, events, waitFor, close };
}

/** Requests to every member back to back (10 ms apart) until `stop` settles. */
async function load(members, stop) {
  let stopped = false;
  stop.then(() => {
    stopped = true;
  });
  const answers = [];
  await Promise.all(
    members.map(async ({ port }) => {
      while (!stopped) {
        answers.push(await get(port));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }),
  );
  return answers;
}

export function redisAvailable() {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The fleet figures: `{ coldRequests, perPeriod, periods, propagation: number[] (ms),
 * outage: { worstMs, bad, answers, healedMs } }`. `track` registers a child for the caller's cleanup.
 */
export async function fleetFigures(track, log = () => {}) {
  const redisPort = await freePort();
  let redis = await startRedis(redisPort, track);
  const upstream = await startUpstream();
  const options = {
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    url: upstream.url,
    ttl: TTL_MS,
    memoryTtl: 60_000,
    timeoutMs: 2_000,
    storeTimeoutMs: STORE_TIMEOUT_MS,
    storeRetryDelayMs: 300,
    retryDelayMs: 200,
  };
  const fleet = await startMembers(options, track);
  try {
    // 1. Cold together.
    await Promise.all(fleet.members.map(({ port }) => get(port)));
    const coldRequests = upstream.state.arrivals.length;
    log(`  fleet: ${MEMBERS} cold members made ${coldRequests} upstream request(s)`);

    // 2. Several TTL periods under load, with a new document each period.
    const propagation = [];
    const before = upstream.state.arrivals.length;
    let periodsSeen = 0;
    const periodsDone = (async () => {
      while (periodsSeen < PERIODS) {
        const marker = fleet.events.length;
        upstream.state.body = documentOf(4 + periodsSeen);
        const finish = await fleet.waitFor((e) => e.name === 'refreshFinish' && e.changed === true, marker);
        const others = fleet.members.map((_, m) => m).filter((m) => m !== finish.member);
        const adopted = await Promise.all(
          others.map((m) =>
            fleet.waitFor((e) => e.member === m && e.name === 'storeAdopt' && e.changed, marker),
          ),
        );
        for (const event of adopted) propagation.push(event.at - finish.at);
        periodsSeen++;
      }
    })();
    await load(fleet.members, periodsDone);
    const perPeriod = (upstream.state.arrivals.length - before) / PERIODS;
    log(`  fleet: ${perPeriod} upstream request(s) per refresh over ${PERIODS} TTL periods`);

    // 3. Redis killed for a moment, then back, under load.
    upstream.state.body = documentOf(3);
    let healedMs = 0;
    const outage = (async () => {
      const marker = fleet.events.length;
      redis.kill('SIGKILL');
      await once(redis, 'exit');
      await Promise.all(
        fleet.members.map((_, m) =>
          fleet.waitFor((e) => e.member === m && e.name === 'storeDegraded', marker),
        ),
      );
      const restarted = fleet.events.length;
      redis = await startRedis(redisPort, track);
      const back = Date.now();
      await Promise.all(
        fleet.members.map((_, m) =>
          fleet.waitFor((e) => e.member === m && e.name === 'storeRecovered', restarted),
        ),
      );
      healedMs = Date.now() - back;
    })();
    const answers = await load(fleet.members, outage);
    const worstMs = Math.max(...answers.map((a) => a.ms));
    const bad = answers.filter((a) => a.status !== 200 || a.models === 0).length;
    log(
      `  fleet: outage: worst ${worstMs.toFixed(1)} ms over ${answers.length} requests, ${bad} bad, healed in ${healedMs} ms`,
    );
    return {
      coldRequests,
      perPeriod,
      periods: PERIODS,
      propagation,
      propagationP95: percentile(propagation, 95),
      outage: { worstMs, bad, answers: answers.length, healedMs, storeTimeoutMs: STORE_TIMEOUT_MS },
    };
  } finally {
    await fleet.close();
    upstream.server.close();
    redis.kill('SIGKILL');
  }
}

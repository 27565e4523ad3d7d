// A server under test, forked by run.mjs: `node server.mjs <router|demo|ceiling|naive> '<json config>'`.
// `router`, `ceiling` and `naive` are default Express 5 apps with their routes mounted at /v1;
// `demo` is apps/proxy started the way its main.js starts it. It reports
// { type: 'ready', port, ... } over IPC, then answers { id, cmd } messages with { id, result }.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  ANTHROPIC_HEADERS,
  CODEX_QUERY,
  FILTERED_PATH,
  invoke,
  loadExpress,
  MODES,
  naiveCreated,
  PKG_URL,
  PROVIDER,
  RULES,
  settledMemory,
} from './common.mjs';

const kind = process.argv[2];
const config = JSON.parse(process.argv[3] ?? '{}');
// The orchestrator owns this process: when it goes away, so do we.
process.on('disconnect', () => process.exit(0));
// An exit rather than a kill, so `--cpu-prof` (BENCH_PROFILE) writes its profile.
process.on('SIGTERM', () => process.exit(0));

/** Retained heap after full GCs. */
const settledHeap = () => settledMemory().heap;

const express = loadExpress();
const commands = new Map();
let extra = {};

const heapBeforeImport = settledHeap();
const app = express();
/** The demo listens by itself (apps/proxy's startServer); every other kind is put on a socket below. */
let listening;

if (kind === 'router') {
  const { createCatalog, modelsRouter } = await import(PKG_URL);
  const heapBefore = settledHeap();
  const catalog = createCatalog({ url: config.url, cacheDir: config.cacheDir ?? false });
  // The Codex dialect reads Codex's models cache; `false` where the run has none (its default
  // would be the ~/.codex of whoever runs the benchmark).
  const router = modelsRouter({
    provider: PROVIDER,
    catalog,
    codex: { cacheFile: config.codexCacheFile ?? false },
  });
  // The same catalog under the operator rules of common.mjs, for the rules row.
  const ruled = modelsRouter({ provider: PROVIDER, catalog, ...RULES });
  app.use('/v1', router);
  app.use('/rules/v1', ruled);
  if (config.warm !== false) {
    const warm = [
      await invoke(router, '/models'),
      await invoke(router, '/models?limit=1000', ANTHROPIC_HEADERS),
      await invoke(router, '/models', { 'if-none-match': '"x"' }),
      await invoke(router, `/models${CODEX_QUERY}`),
    ];
    for (const r of warm) if (r.status !== 200) throw new Error(`warm-up answered ${r.status}`);
    // Let the disk write of the first fetch land before measuring what stays.
    await new Promise((resolve) => setTimeout(resolve, 300));
    extra = {
      heapBeforeImport,
      heapBefore,
      heapAfter: settledHeap(),
      source: warm[0].headers['x-models-source'],
    };
    // Warmed after the heap reading, which stays the figure of one router.
    const more = [await invoke(router, FILTERED_PATH.slice('/v1'.length)), await invoke(ruled, '/models')];
    for (const r of more) if (r.status !== 200) throw new Error(`warm-up answered ${r.status}`);
  }

  let refresh;
  commands.set('refresh-start', ({ intervalMs = 1000 }) => {
    const stats = { started: 0, ok: 0, notModified: 0, failed: 0, ms: [], errors: [] };
    let inFlight = Promise.resolve();
    const timer = setInterval(() => {
      stats.started++;
      const t0 = performance.now();
      inFlight = catalog.refresh().then((report) => {
        stats.ms.push(performance.now() - t0);
        if (!report.ok) {
          stats.failed++;
          if (stats.errors.length < 3) stats.errors.push(report.error);
        } else if (report.notModified) stats.notModified++;
        else stats.ok++;
      });
    }, intervalMs);
    refresh = { timer, stats, settle: () => inFlight };
    return true;
  });
  commands.set('refresh-stop', async () => {
    if (refresh === undefined) return null;
    clearInterval(refresh.timer);
    await refresh.settle();
    const { stats } = refresh;
    refresh = undefined;
    return stats;
  });
  commands.set('status', () => router.status());
} else if (kind === 'demo') {
  // apps/proxy as its main.js runs it: its config (the defaults, with the fake upstream as both
  // plugins' source, so they share one catalog), pino at `server.log_level` (default `info`: one
  // line per request) writing to this process's stdout, which run.mjs points at /dev/null.
  const { parseConfig } = await import(new URL('../apps/proxy/dist/config.js', import.meta.url).href);
  const { startServer } = await import(new URL('../apps/proxy/dist/server.js', import.meta.url).href);
  const { pino } = createRequire(new URL('../apps/proxy/package.json', import.meta.url))('pino');
  const source = (plugin) =>
    `[plugins.${plugin}]\nmodels_source_url = ${JSON.stringify(config.url)}\nmodels_cache_dir = ${JSON.stringify(config.cacheDir)}\n`;
  const toml = [
    `[server]\nhost = "127.0.0.1"\nport = 0\n${config.logLevel ? `log_level = ${JSON.stringify(config.logLevel)}\n` : ''}`,
    source('codex'),
    source('claude_api'),
  ].join('\n');
  // No environment overrides (PORT, LOG_LEVEL, ...): the figures are the config's. The Codex
  // dialect's cache file comes from $CODEX_HOME, which run.mjs sets for this process.
  const proxyConfig = parseConfig(toml, { env: {} });
  const logger = pino({ level: proxyConfig.server.logLevel, name: 'ccproxy' });
  const running = await startServer(proxyConfig, { logger, refreshSecret: null });
  await running.ready;
  extra = { logLevel: proxyConfig.server.logLevel };
  listening = running.server;
} else if (kind === 'ceiling') {
  // Each answer the run captured from a server under test (status, headers, bytes), sent back
  // with nothing else done per request: `Date`, `Connection` and `Keep-Alive` come from Node as
  // they do for the router, every other header is replayed by name and value.
  app.disable('x-powered-by'); // replayed like any other header where the captured answer had it
  const answers = new Map();
  const keyOf = (url, headers) =>
    [url, headers['anthropic-version'] ?? '', headers['if-none-match'] ?? '', headers.originator ?? ''].join(
      '\0',
    );
  const ceiling = function ceiling(req, res, next) {
    const answer = answers.get(keyOf(req.originalUrl, req.headers));
    if (answer === undefined) {
      next();
      return;
    }
    res.statusCode = answer.status;
    for (const [name, value] of answer.headers) res.setHeader(name, value);
    res.end(answer.body);
  };
  // An Express route at each mount, as a hand-written endpoint would be.
  const mounts = new Set();
  commands.set('answers', (list) => {
    for (const a of list) {
      answers.set(keyOf(a.url, a.requestHeaders), {
        status: a.status,
        headers: a.headers,
        body: Buffer.from(a.body, 'base64'),
      });
      const mount = a.url.slice(0, a.url.indexOf('/models'));
      if (!mounts.has(mount)) {
        mounts.add(mount);
        const route = express.Router();
        route.get('/models', ceiling);
        route.get('/models/:id', ceiling);
        app.use(mount, route);
      }
    }
    return answers.size;
  });
} else if (kind === 'naive') {
  // What one would write without the package: keep the parsed document, filter it on every request.
  const { displayName } = await import(PKG_URL);
  const doc = JSON.parse(readFileSync(config.fixture, 'utf8'));
  const FLAGS = [
    'supports_vision',
    'supports_function_calling',
    'supports_parallel_function_calling',
    'supports_tool_choice',
    'supports_response_schema',
    'supports_prompt_caching',
    'supports_system_messages',
    'supports_assistant_prefill',
    'supports_computer_use',
    'supports_pdf_input',
    'supports_reasoning',
  ];
  const CAPABILITIES = [
    ['image_input', 'supports_vision'],
    ['pdf_input', 'supports_pdf_input'],
    ['thinking', 'supports_reasoning'],
    ['structured_outputs', 'supports_response_schema'],
    ['tool_use', 'supports_function_calling'],
    ['computer_use', 'supports_computer_use'],
    ['prompt_caching', 'supports_prompt_caching'],
  ];
  const listed = () => {
    const today = new Date().toISOString().slice(0, 10);
    const cards = [];
    for (const [id, e] of Object.entries(doc)) {
      if (id === 'sample_spec' || typeof e !== 'object' || e === null) continue;
      if (e.litellm_provider !== PROVIDER) continue;
      if (!MODES.includes(e.mode ?? 'chat')) continue;
      if (id.startsWith('ft:')) continue;
      if (typeof e.deprecation_date === 'string' && e.deprecation_date < today) continue;
      const card = { id, object: 'model', created: naiveCreated(id), owned_by: e.litellm_provider };
      if (e.max_input_tokens !== undefined) {
        card.context_length = e.max_input_tokens;
        card.max_input_tokens = e.max_input_tokens;
      }
      if (e.max_output_tokens !== undefined) card.max_output_tokens = e.max_output_tokens;
      if (e.max_tokens !== undefined) card.max_tokens = e.max_tokens;
      for (const flag of FLAGS) if (e[flag] !== undefined) card[flag] = e[flag];
      card.mode = e.mode ?? 'chat';
      card.litellm_provider = e.litellm_provider;
      if (e.deprecation_date !== undefined) card.deprecation_date = e.deprecation_date;
      cards.push(card);
    }
    return cards;
  };
  const modelInfo = (card) => {
    const info = {
      type: 'model',
      id: card.id,
      display_name: displayName(card.id),
      created_at: new Date(card.created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const maxInput = card.max_input_tokens || undefined;
    const maxTokens = card.max_output_tokens || card.max_tokens || undefined;
    if (maxInput !== undefined) info.max_input_tokens = maxInput;
    if (maxTokens !== undefined) info.max_tokens = maxTokens;
    const capabilities = {};
    for (const [name, flag] of CAPABILITIES) {
      if (typeof card[flag] === 'boolean') capabilities[name] = { supported: card[flag] };
    }
    if (Object.keys(capabilities).length > 0) info.capabilities = capabilities;
    return info;
  };
  const route = express.Router();
  route.get('/models', function naive(req, res) {
    const cards = listed();
    if (req.headers['anthropic-version'] === undefined) {
      res.json({ object: 'list', data: cards });
      return;
    }
    const limit = Math.min(1000, Math.max(1, Number.parseInt(req.query.limit ?? '20', 10) || 20));
    const infos = cards
      .sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(modelInfo);
    const data = infos.slice(0, limit);
    res.json({
      data,
      has_more: infos.length > limit,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  });
  app.use('/v1', route);
} else {
  throw new Error(`unknown server kind ${kind}`);
}

const eld = monitorEventLoopDelay({ resolution: 5 });
commands.set('eld-start', () => {
  eld.reset();
  eld.enable();
  return true;
});
commands.set('eld-stop', () => {
  eld.disable();
  const ms = (ns) => ns / 1e6;
  return { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) };
});
commands.set('cpu', () => process.cpuUsage());
commands.set('mem', ({ settle = false } = {}) => {
  const heapUsed = settle ? settledHeap() : process.memoryUsage().heapUsed;
  return { ...process.memoryUsage(), heapUsed };
});

process.on('message', async (msg) => {
  const command = commands.get(msg?.cmd);
  try {
    if (command === undefined) throw new Error(`unknown command ${msg?.cmd}`);
    process.send({ id: msg.id, result: await command(msg.args ?? {}) });
  } catch (error) {
    process.send({ id: msg.id, error: String(error?.stack ?? error) });
  }
});

if (listening === undefined) {
  const server = app.listen(0, '127.0.0.1', (err) => {
    if (err) throw err;
    process.send({ type: 'ready', port: server.address().port, ...extra });
  });
} else {
  process.send({ type: 'ready', port: listening.address().port, ...extra });
}

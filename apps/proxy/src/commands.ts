/**
 * `pnpm models list|refresh`: the CLI's logic with its I/O injected, so tests can run it in
 * process with a fixed clock. `cli.ts` is the thin executable around it.
 */
import { parseArgs } from 'node:util';
import {
  type AvailabilityStatus,
  type Catalog,
  type RefreshReport as CatalogRefreshReport,
  type Logger,
  type ModelsRouterOptions,
  modelsRouter,
  type RouterModels,
} from '@ccproxy/models-middleware';
import { type CatalogGroup, createPluginCatalogs } from './catalogs.js';
import { loadConfig, type ProxyConfig } from './config.js';
import { isConfigError } from './config-error.js';
import { LOG_LEVELS, type LogLevel, type PluginName } from './config-schema.js';
import { PLUGINS, routerOptions, type SharedOptions } from './plugins.js';
import {
  formatAvailability,
  formatListSummary,
  formatModelTable,
  formatRefreshSummary,
  MODEL_TABLE_LEGEND,
  type ModelRow,
  type RefreshSummary,
} from './table.js';

export const USAGE = `Usage: pnpm models <command> [options]

Commands:
  list       Print the models a plugin lists: limits, prices, capabilities, and what the
             plugin's [plugins.<name>.models] rules did (override, custom, alias)
  refresh    Fetch the LiteLLM catalog now and report the models added and removed

Options:
  --provider <openai|anthropic|all>  openai uses the codex plugin's settings, anthropic the
                                     claude_api plugin's; all lists every provider (list: default
                                     all) or refreshes both plugins' catalogs (refresh: default)
  --json                             Print JSON instead of a table
  --include-deprecated               list: also show models past their deprecation date
  --config <path>                    TOML file to read (same lookup as the server)
  -h, --help                         Show this help
`;

const PROVIDERS = ['openai', 'anthropic', 'all'] as const;
type ProviderChoice = (typeof PROVIDERS)[number];

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** @default Date.now */
  readonly clock?: SharedOptions['clock'];
}

class UsageError extends Error {
  override name = 'UsageError';
}

interface Parsed {
  readonly command: 'list' | 'refresh' | 'help';
  readonly provider: ProviderChoice | undefined;
  readonly json: boolean;
  readonly includeDeprecated: boolean;
  readonly config: string | undefined;
}

function parse(argv: readonly string[]): Parsed {
  let parsed: ReturnType<typeof parseArgsStrict>;
  try {
    parsed = parseArgsStrict(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help === true)
    return { command: 'help', provider: undefined, json: false, includeDeprecated: false, config: undefined };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: list or refresh');
  if (command !== 'list' && command !== 'refresh' && command !== 'help') {
    throw new UsageError(`unknown command "${command}": use list or refresh`);
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const provider = values.provider;
  if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider)) {
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, got "${provider}"`);
  }
  if (command === 'refresh' && values['include-deprecated'] === true) {
    throw new UsageError('--include-deprecated only applies to list');
  }
  return {
    command,
    provider: provider as ProviderChoice | undefined,
    json: values.json === true,
    includeDeprecated: values['include-deprecated'] === true,
    config: values.config,
  };
}

function parseArgsStrict(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      provider: { type: 'string' },
      json: { type: 'boolean' },
      'include-deprecated': { type: 'boolean' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

/** Warnings and errors of the catalogs, as plain lines on stderr (stdout stays parseable). */
function stderrLogger(io: CliIo, level: LogLevel): Logger {
  // Never chattier than warn (stdout is the output); `silent` prints nothing.
  const threshold = level === 'silent' ? -1 : Math.min(LOG_LEVELS.indexOf(level), LOG_LEVELS.indexOf('warn'));
  const line =
    (name: LogLevel) =>
    (obj: object, msg?: string): void => {
      if (LOG_LEVELS.indexOf(name) > threshold) return;
      const err = (obj as { err?: unknown }).err;
      const detail =
        err instanceof Error && msg !== undefined && !msg.includes(err.message) ? `: ${err.message}` : '';
      io.stderr.write(`${name}: ${msg ?? JSON.stringify(obj)}${detail}\n`);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Runs one command and resolves to the process exit code; never leaves a catalog open. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: Parsed;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`models: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }

  let config: ProxyConfig;
  try {
    config = loadConfig({
      configPath: args.config,
      env: io.env ?? process.env,
      cwd: io.cwd ?? process.cwd(),
    });
  } catch (error) {
    if (isConfigError(error)) {
      io.stderr.write(`models: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const shared: SharedOptions = { logger: stderrLogger(io, config.server.logLevel), clock: io.clock };
  const names: PluginName[] =
    args.provider === 'anthropic'
      ? ['claude_api']
      : args.provider === 'openai' || args.command === 'list'
        ? ['codex']
        : ['codex', 'claude_api'];
  // The same catalogs the server builds; list reads them through the plugin's router, as served.
  const catalogs = createPluginCatalogs(
    names.map((name) => config.plugins[name]),
    shared,
    config.cache,
  );
  try {
    return args.command === 'list'
      ? await list(
          args,
          listRouterOptions(args, config, catalogs.of(names[0] as PluginName), io.env ?? process.env),
          io,
        )
      : await refresh(args, catalogs.groups, io);
  } finally {
    await catalogs.close();
  }
}

/**
 * The router `list` reads: the plugin's own (its provider, fallback cards and rules) for
 * `openai` / `anthropic`; for `all`, one over every provider with both plugins' fallback cards
 * and no rules (rules belong to a plugin).
 */
function listRouterOptions(
  args: Parsed,
  config: ProxyConfig,
  catalog: Catalog,
  env: Readonly<Record<string, string | undefined>>,
): ModelsRouterOptions {
  const includeDeprecated = args.includeDeprecated;
  if (args.provider === 'openai')
    return { ...routerOptions(config.plugins.codex, catalog, env), includeDeprecated };
  if (args.provider === 'anthropic')
    return { ...routerOptions(config.plugins.claude_api, catalog, env), includeDeprecated };
  const fallback = Object.values(PLUGINS).flatMap((plugin) =>
    plugin.fallback.map((card) => ({ owned_by: plugin.provider, ...card })),
  );
  return { catalog, provider: 'all', fallback, includeDeprecated };
}

async function list(args: Parsed, options: ModelsRouterOptions, io: CliIo): Promise<number> {
  const provider = args.provider ?? 'all';
  const now = io.clock?.now() ?? Date.now();
  // The router's own view: what it serves, with the marks of its rules (the catalog is closed by
  // runCli; the router closes what it owns, such as the provider list's fetch).
  const router = modelsRouter(options);
  let listed: RouterModels;
  let availability: AvailabilityStatus | null;
  try {
    listed = await router.models();
    availability = router.status().availability;
  } finally {
    await router.close();
  }
  const shownSource = listed.fallback ? 'fallback (built-in cards)' : listed.source;
  const rows: ModelRow[] = [...listed.cards]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((card) => ({ card, rule: listed.marks.get(card.id) }));
  const cards = rows.map((row) => row.card);

  if (args.json) {
    io.stdout.write(`${JSON.stringify(cards, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${formatModelTable(rows)}\n\n${MODEL_TABLE_LEGEND}\n`);
  io.stdout.write(
    `${formatListSummary({
      provider,
      cards,
      source: shownSource,
      fetchedAt: listed.fetchedAt,
      catalogModels: listed.models.cards.length,
      invalid: listed.models.invalid,
      nowMs: now,
    })}\n`,
  );
  if (availability !== null) io.stdout.write(`${formatAvailability(availability)}\n`);
  return 0;
}

async function refresh(args: Parsed, groups: readonly CatalogGroup[], io: CliIo): Promise<number> {
  // Plugins with equal source settings share a catalog: each catalog is refreshed once.
  const reports: RefreshSummary[] = [];
  for (const { catalog, plugins } of groups) {
    const before = catalog.status();
    const result: CatalogRefreshReport = before.enabled
      ? await catalog.refresh()
      : {
          ...(await catalog.refresh()),
          error: `dynamic models are off (dynamic_models_enabled = false in [plugins.${plugins.join('], [plugins.')}])`,
        };
    const status = catalog.status();
    reports.push({
      plugins,
      url: status.url,
      ok: result.ok,
      source: result.source,
      notModified: result.notModified,
      changed: result.changed,
      added: result.added,
      removed: result.removed,
      models: status.models,
      error: result.error,
    });
  }

  if (args.json) io.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else io.stdout.write(`${reports.map(formatRefreshSummary).join('\n')}\n`);
  return reports.every((report) => report.ok) ? 0 : 1;
}

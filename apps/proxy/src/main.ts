#!/usr/bin/env node
/**
 * `pnpm start`: load the configuration, listen, warm the catalogs, and shut down cleanly on
 * SIGINT/SIGTERM. Exit codes: 0 after a clean shutdown, 1 when the server fails, 2 for bad
 * arguments or configuration.
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig, type ProxyConfig } from './config.js';
import { isConfigError } from './config-error.js';
import { invocationDir } from './config-file.js';
import { type RunningServer, startServer } from './server.js';
import { onShutdownSignal } from './signals.js';

const USAGE = `Usage: node dist/main.js [--config <path>]

Serves the codex (/codex/v1) and claude_api (/claude/v1) models endpoints and GET /health.

Options:
  --config <path>  TOML file to read (else $CCPROXY_CONFIG, ./.ccproxy.toml, ./ccproxy.toml,
                   $XDG_CONFIG_HOME/ccproxy/config.toml)
  -h, --help       Show this help

Environment: PORT, LOG_LEVEL, and SECTION__KEY overrides such as SERVER__PORT=9000 or
PLUGINS__CODEX__MODELS_CACHE_TTL_HOURS=12.
`;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return;
    }
    configPath = values.config;
  } catch (error) {
    fail(`ccproxy: ${(error as Error).message}\n\n${USAGE}`, 2);
  }

  let config: ProxyConfig;
  try {
    config = loadConfig({ configPath, cwd: invocationDir() });
  } catch (error) {
    if (isConfigError(error)) fail(`ccproxy: configuration error: ${error.message}`, 2);
    throw error;
  }

  const logger = pino({ level: config.server.logLevel, name: 'ccproxy' });
  let running: RunningServer;
  try {
    running = await startServer(config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.server.host}:${config.server.port}`);
    process.exit(1);
  }

  const onSignal = onShutdownSignal({
    shutdown(signal) {
      logger.info({ signal }, `${signal} received: shutting down`);
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    },
    force(signal) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    },
  });
  // `on`, not `once`: a second signal must reach the policy rather than Node's default kill.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `ccproxy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});

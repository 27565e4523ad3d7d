/**
 * Puts the app on a socket and takes it off again gracefully. Process concerns (signals, exit
 * codes) stay in `main.ts`, so this can run inside a test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppDeps, createApp, type ProxyApp } from './app.js';
import type { ProxyConfig } from './config.js';

/** In-flight requests get this long to finish after a shutdown signal before sockets are cut. */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** How often, while shutting down, keep-alive sockets that went idle are closed. */
const IDLE_SWEEP_MS = 20;

export interface ServerDeps extends AppDeps {
  /** @default DEFAULT_SHUTDOWN_GRACE_MS */
  readonly shutdownGraceMs?: number;
}

export interface RunningServer {
  readonly proxy: ProxyApp;
  readonly server: Server;
  readonly host: string;
  /** The bound port (the one the OS chose when the config said 0). */
  readonly port: number;
  readonly url: string;
  /** Settles once every catalog has been loaded once and the outcome logged. Never rejects. */
  readonly ready: Promise<void>;
  /** Stops accepting, lets in-flight requests finish, then stops timers and closes the stores. */
  close(): Promise<void>;
}

export async function startServer(config: ProxyConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const proxy = createApp(config, deps);
  const { logger } = proxy;
  const server = createServer(proxy.app);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.server.port, config.server.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await proxy.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    {
      host: address.address,
      port: address.port,
      url,
      config: config.file,
      mounts: proxy.plugins.map((plugin) => `${plugin.name}=${plugin.mount}`),
      page: `${url}/`,
    },
    `listening on ${url}; catalog page: ${url}/`,
  );

  // Nothing awaits `ready` in main.ts: a rejection here would be unhandled and end the process.
  // warm() is not meant to reject; if it does anyway (a throwing logger, a catalog bug), say so and
  // keep serving.
  const ready = proxy.warm().catch((error: unknown) => {
    logger.error({ err: error }, 'warming the models catalogs failed; the routers load on first request');
  });
  const grace = deps.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets with no request in flight would hold close() open until the server's
      // keep-alive timeout (Node still answers `Connection: keep-alive` once closing): close them
      // now, and each one whose response finishes meanwhile once it goes idle. A sweep during
      // shutdown only, so serving pays no listener per request.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      sweep.unref();
      const timer = setTimeout(() => {
        logger.warn(
          { graceMs: grace },
          'requests still running after the grace period: closing their sockets',
        );
        server.closeAllConnections();
      }, grace);
      timer.unref();
      await stopped;
      clearTimeout(timer);
      clearInterval(sweep);
      // Not waiting for `ready`: closing the routers ends a first load that is still fetching.
      await proxy.close();
      logger.info('server closed');
    })();
    return closing;
  }

  return { proxy, server, host: address.address, port: address.port, url, ready, close };
}

/**
 * Proves a client run stayed offline. The clients get this server as their HTTP(S) proxy, with
 * loopback exempt (`NO_PROXY`): every request or CONNECT meant for another host lands here, is
 * recorded and refused. Measured: without the suite's switches Claude Code tries
 * api.anthropic.com and Codex github.com, api.github.com and chatgpt.com (its plugin
 * marketplace); with them, nothing arrives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class EgressTrap {
  /** `CONNECT host:port` or `METHOD url` of every attempt to leave the machine. */
  readonly attempts: string[] = [];
  #server: Server | undefined;
  #url = '';

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.attempts.push(`${req.method} ${req.url}`);
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('the client suite is offline');
    });
    server.on('connect', (req, socket) => {
      this.attempts.push(`CONNECT ${req.url}`);
      socket.destroy();
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Proxy variables in both spellings (Rust's reqwest, git, Node and Bun read different ones). */
  env(): Record<string, string> {
    const loopback = '127.0.0.1,localhost,::1';
    return {
      HTTP_PROXY: this.#url,
      HTTPS_PROXY: this.#url,
      ALL_PROXY: this.#url,
      http_proxy: this.#url,
      https_proxy: this.#url,
      all_proxy: this.#url,
      NO_PROXY: loopback,
      no_proxy: loopback,
    };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

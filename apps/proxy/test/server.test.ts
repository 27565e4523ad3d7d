import http from 'node:http';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import { capturingLogger, tempDirs, testConfig } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes } from './support/fixture.js';
import { FakeUpstream } from './support/upstream.js';

let upstream: FakeUpstream;
const dirs = tempDirs();

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  upstream.delayMs = 0;
  await dirs.cleanup();
});

describe('startServer', () => {
  it('listens on the port the OS picks for port 0 and logs it', async () => {
    const { logger, lines } = capturingLogger();
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    const running = await startServer(config, { logger, clock: fixedClock });
    try {
      expect(running.port).toBeGreaterThan(0);
      expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
      expect(
        lines.find((line) => line.msg === `listening on ${running.url}; catalog page: ${running.url}/`),
      ).toMatchObject({ port: running.port, page: `${running.url}/` });
      await running.ready;
      const codex = await fetch(`${running.url}/codex/v1/models`);
      expect(((await codex.json()) as { data: unknown[] }).data).toHaveLength(EXPECTED.openai);
      const claude = await fetch(`${running.url}/claude/v1/models`, {
        headers: { 'anthropic-version': '2023-06-01' },
      });
      expect(((await claude.json()) as { data: unknown[] }).data).toHaveLength(EXPECTED.anthropic);
    } finally {
      await running.close();
    }
    await expect(fetch(`${running.url}/health`)).rejects.toThrow();
  });

  it('lets an in-flight request finish before closing', async () => {
    upstream.delayMs = 300;
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    // No grace cut-off to end a hung close(): the test's own timeout would.
    const running = await startServer(config, {
      logger: pino({ level: 'silent' }),
      clock: fixedClock,
      shutdownGraceMs: 600_000,
    });
    // The client keeps its socket alive: were it not closed once idle, close() would wait out this timeout.
    running.server.keepAliveTimeout = 600_000;
    const agent = new http.Agent({ keepAlive: true });
    const arrived = new Promise<void>((resolve) => running.server.once('request', () => resolve()));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`${running.url}/codex/v1/models`, { agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    await arrived;
    const closed = running.close();
    const res = await response;
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { data: unknown[] }).data).toHaveLength(EXPECTED.openai);
    await closed;
    agent.destroy();
    expect(running.server.listening).toBe(false);
  });

  it('fails when the port is taken, and releases the catalogs', async () => {
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    const first = await startServer(config, { logger: pino({ level: 'silent' }) });
    try {
      const taken = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: String(first.port) });
      await expect(startServer(taken, { logger: pino({ level: 'silent' }) })).rejects.toMatchObject({
        code: 'EADDRINUSE',
      });
    } finally {
      await first.close();
    }
  });
});

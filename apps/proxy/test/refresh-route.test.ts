import { createHmac } from 'node:crypto';
import { type Logger, pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AppDeps, createApp, type ProxyApp } from '../src/app.js';
import { REFRESH_PATH, REFRESH_SECRET_ENV, refreshSecretFromEnv } from '../src/refresh-route.js';
import { startServer } from '../src/server.js';
import { capturingLogger, tempDirs, testConfig } from './support/env.js';
import { fixedClock, fixtureBytes } from './support/fixture.js';
import { FakeUpstream } from './support/upstream.js';

const SECRET = 'demo-refresh-secret-41';
const PUSH = JSON.stringify({ ref: 'refs/heads/main', after: '4c6858bb' });
const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const silent: Logger = pino({ level: 'silent' });

let upstream: FakeUpstream;
const dirs = tempDirs();
const opened: ProxyApp[] = [];
const servers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.status = 200;
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
  await dirs.cleanup();
});

async function proxyFor(deps: AppDeps = {}, env: Record<string, string> = {}): Promise<ProxyApp> {
  const config = testConfig(upstream.url, await dirs.make(), env);
  const proxy = createApp(config, { logger: silent, clock: fixedClock, ...deps });
  opened.push(proxy);
  return proxy;
}

describe(`POST ${REFRESH_PATH}`, () => {
  it('is not mounted without a secret: 404 like any unknown path', async () => {
    const { app } = await proxyFor({ refreshSecret: null });
    await request(app).post(REFRESH_PATH).set('Authorization', `Bearer ${SECRET}`).expect(404);
    await request(app).post(`${REFRESH_PATH}/codex`).set('Authorization', `Bearer ${SECRET}`).expect(404);
    expect(upstream.count).toBe(0);
    // /health names no refresh path either, so the catalog page shows no refresh button.
    const health = await request(app).get('/health').expect(200);
    expect(health.body.plugins.codex).not.toHaveProperty('refreshPath');
    expect(health.body.plugins.claude_api).not.toHaveProperty('refreshPath');
  });

  it("/health names each plugin's refresh path when the endpoint is on", async () => {
    const { app } = await proxyFor({ refreshSecret: SECRET });
    const health = await request(app).get('/health').expect(200);
    expect(health.body.plugins.codex.refreshPath).toBe(`${REFRESH_PATH}/codex`);
    expect(health.body.plugins.claude_api.refreshPath).toBe(`${REFRESH_PATH}/claude_api`);
    await request(app)
      .post(health.body.plugins.codex.refreshPath)
      .set('Authorization', `Bearer ${SECRET}`)
      .expect(200);
  });

  it(`takes the secret from $${REFRESH_SECRET_ENV}; unset or empty means off`, async () => {
    expect(refreshSecretFromEnv({})).toBeUndefined();
    expect(refreshSecretFromEnv({ [REFRESH_SECRET_ENV]: '  ' })).toBeUndefined();
    expect(refreshSecretFromEnv({ [REFRESH_SECRET_ENV]: 'abc' })).toBe('abc');

    vi.stubEnv(REFRESH_SECRET_ENV, 'from-the-environment');
    const { app } = await proxyFor();
    await request(app).post(REFRESH_PATH).set('Authorization', 'Bearer from-the-environment').expect(200);
    vi.stubEnv(REFRESH_SECRET_ENV, '');
    const off = await proxyFor();
    await request(off.app).post(REFRESH_PATH).set('Authorization', 'Bearer x').expect(404);
  });

  it('refreshes the shared catalog with a bearer token or a GitHub-signed push, and refuses the rest', async () => {
    const { lines, logger } = capturingLogger('info');
    const { app } = await proxyFor({ refreshSecret: SECRET, logger });
    const res = await request(app).post(REFRESH_PATH).set('Authorization', `Bearer ${SECRET}`).expect(200);
    expect(res.body).toMatchObject({ ok: true, changed: true, reused: false, source: 'upstream' });
    expect(upstream.count).toBe(1);

    // Within the rate limit, on either path of the shared catalog: the same report, no fetch.
    const hook = await request(app)
      .post(`${REFRESH_PATH}/claude_api`)
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(PUSH))
      .send(PUSH)
      .expect(200);
    expect(hook.body).toMatchObject({ ok: true, reused: true });
    expect(upstream.count).toBe(1);

    await request(app).post(REFRESH_PATH).set('Authorization', 'Bearer wrong').expect(401);
    await request(app)
      .post(REFRESH_PATH)
      .set('X-Hub-Signature-256', sign(PUSH, 'wrong'))
      .set('Content-Type', 'application/json')
      .send(PUSH)
      .expect(401);
    await request(app).get(REFRESH_PATH).expect(404);
    const refused = lines.filter((line) => line.msg.startsWith('models refresh refused'));
    expect(refused).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(
      lines.some(
        (line) =>
          line.msg ===
          `models refresh endpoint: POST ${REFRESH_PATH}, ${REFRESH_PATH}/codex, ${REFRESH_PATH}/claude_api`,
      ),
    ).toBe(true);
  });

  it('a burst of 10 webhooks on a listening server makes one upstream fetch, and /metrics counts one refresh', async () => {
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    const running = await startServer(config, { logger: silent, clock: fixedClock, refreshSecret: SECRET });
    servers.push(running);
    await running.ready;
    expect(upstream.count).toBe(1);
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(running.url)
          .post(REFRESH_PATH)
          .set('Content-Type', 'application/json')
          .set('X-Hub-Signature-256', sign(PUSH))
          .send(PUSH),
      ),
    );
    expect(burst.map((res) => res.status)).toEqual(Array(10).fill(200));
    expect(burst.filter((res) => res.body.reused === false)).toHaveLength(1);
    // The warm-up fetch, then one conditional refresh answered 304.
    expect(upstream.count).toBe(2);
    expect(upstream.requests[1]?.headers['if-none-match']).toBeDefined();
    const metrics = await request(running.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^ccproxy_models_refreshes_total\{outcome="not_modified"\} 1$/m);
    expect(metrics.text).toMatch(/^ccproxy_models_refreshes_total\{outcome="changed"\} 1$/m);
  });

  it('plugins with their own catalogs get their own paths, and no shared one', async () => {
    const other = `${upstream.url}?mirror=2`;
    const { app } = await proxyFor(
      { refreshSecret: SECRET },
      { PLUGINS__CLAUDE_API__MODELS_SOURCE_URL: other },
    );
    await request(app).post(REFRESH_PATH).set('Authorization', `Bearer ${SECRET}`).expect(404);
    await request(app).post(`${REFRESH_PATH}/codex`).set('Authorization', `Bearer ${SECRET}`).expect(200);
    await request(app)
      .post(`${REFRESH_PATH}/claude_api`)
      .set('Authorization', `Bearer ${SECRET}`)
      .expect(200);
    expect(upstream.requests.map((req) => req.url)).toEqual([
      '/model_prices_and_context_window.json',
      '/model_prices_and_context_window.json?mirror=2',
    ]);
  });
});

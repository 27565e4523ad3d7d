import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDirs, writeConfigFile } from './support/env.js';
import { EXPECTED, fixtureBytes } from './support/fixture.js';
import { assertBuilt, MAIN_JS, NodeProcess, runNode } from './support/process.js';
import { closedPortUrl, FakeUpstream } from './support/upstream.js';

let upstream: FakeUpstream;
const dirs = tempDirs();
const started: NodeProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  for (const child of started.splice(0)) child.kill();
  await dirs.cleanup();
});

async function startMain(url: string): Promise<{ server: NodeProcess; base: string }> {
  const home = await dirs.make();
  const file = await writeConfigFile(home, url, join(home, 'cache'));
  const server = new NodeProcess(MAIN_JS, [], isolatedEnv(home, { CCPROXY_CONFIG: file, PORT: '0' }));
  started.push(server);
  const listening = await server.waitFor((line) => line.msg.startsWith('listening on '));
  expect(listening.port).toEqual(expect.any(Number));
  return { server, base: String(listening.url) };
}

describe('node dist/main.js', () => {
  it('serves both plugins on the port it logs and exits 0 on SIGTERM', async () => {
    const { server, base } = await startMain(upstream.url);
    const ready = await server.waitFor((line) => line.msg.startsWith('models ready'));
    expect(ready.msg).toContain('from upstream (one shared catalog)');

    const codex = await fetch(`${base}/codex/v1/models`);
    expect(codex.status).toBe(200);
    expect(((await codex.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toContain(
      'gpt-5.3-codex',
    );
    const claude = await fetch(`${base}/claude/v1/models?limit=1000`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    const page = (await claude.json()) as { data: { type: string; id: string }[] };
    expect(page.data.length).toBeGreaterThanOrEqual(EXPECTED.anthropic);
    expect(page.data.every((model) => model.type === 'model' && model.id.startsWith('claude'))).toBe(true);
    const health = (await (await fetch(`${base}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    await server.waitFor((line) => line.url === '/health' && line.status === 200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.lines.some((line) => line.msg === 'SIGTERM received: shutting down')).toBe(true);
    expect(server.lines.at(-1)?.msg).toBe('server closed');
    expect(upstream.count).toBeGreaterThanOrEqual(1);
  });

  it('starts offline from the shipped snapshot within seconds and says so in one line', async () => {
    const { server, base } = await startMain(await closedPortUrl());
    const ready = await server.waitFor((line) => line.msg.startsWith('models ready'), 5_000);
    expect(ready.msg).toMatch(
      /codex lists \d+ models from snapshot, claude_api lists \d+ models from snapshot/,
    );
    const codex = await fetch(`${base}/codex/v1/models`);
    expect(codex.headers.get('x-models-source')).toBe('snapshot');
    await server.waitFor((line) => line.url === '/codex/v1/models');
    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(0);

    // Besides the catalog's own warning and the request line, the demo logs one line about it.
    const own = server.lines.filter((line) => line.component !== 'models' && !('ms' in line));
    expect(own.map((line) => line.msg.replace(/:.*/s, ''))).toEqual([
      `listening on http`,
      'models ready',
      'SIGINT received',
      'server closed',
    ]);
    expect(ready.msg).toMatch(/; upstream failed: [^\n]*ECONNREFUSED$/);
    expect(ready).not.toHaveProperty('err');
    expect(server.stderr).toBe('');
  });

  it('exits 2 before listening when the configuration is wrong', async () => {
    const home = await dirs.make();
    const file = join(home, 'bad.toml');
    await writeFile(file, '[plugins.codex]\nmodels_cache_ttl_hours = 500\n');
    const result = await runNode(MAIN_JS, [], isolatedEnv(home, { CCPROXY_CONFIG: file, PORT: '0' }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('plugins.codex.models_cache_ttl_hours');
    expect(result.stderr).toContain('from 1 to 168');

    // A rule the package refuses stops start-up too, named by its TOML key.
    await writeFile(file, '[plugins.codex.models.overrides."gpt-5"]\nmax_input = 1\n');
    const badRule = await runNode(MAIN_JS, [], isolatedEnv(home, { CCPROXY_CONFIG: file, PORT: '0' }));
    expect(badRule.code).toBe(2);
    expect(badRule.stdout).toBe('');
    expect(badRule.stderr).toContain(
      'ccproxy: configuration error: plugins.codex.models.overrides."gpt-5".max_input: is not a field a rule may set',
    );

    const missing = await runNode(MAIN_JS, ['--config', join(home, 'nope.toml')], isolatedEnv(home));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Config file not found');

    const badArg = await runNode(MAIN_JS, ['--port', '1'], isolatedEnv(home));
    expect(badArg.code).toBe(2);
    expect(badArg.stderr).toContain('Usage:');
  });
});

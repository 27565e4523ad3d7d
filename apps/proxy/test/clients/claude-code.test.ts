/**
 * The real Claude Code (pinned in support/pinned.ts) against the demo's claude mount with gateway
 * model discovery on: `claude -p`, offline, its message answered on the demo's socket. The judge
 * is the discovery cache Claude Code writes, `$CLAUDE_CONFIG_DIR/cache/gateway-models.json`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDirs } from '../support/env.js';
import { type Demo, startDemo } from './support/demo.js';
import { EgressTrap } from './support/egress-trap.js';
import { clientBin } from './support/install.js';
import { CLAUDE_CODE } from './support/pinned.js';
import { runClient } from './support/run.js';

const API_KEY = 'sk-ant-clients-suite';

const dirs = tempDirs();
let demo: Demo;
let trap: EgressTrap;

beforeAll(async () => {
  demo = await startDemo({ cacheDir: await dirs.make() });
  trap = await new EgressTrap().start();
});
afterEach(() => {
  expect(trap.attempts).toEqual([]);
});
afterAll(async () => {
  await Promise.all([demo?.close(), trap?.stop()]);
  await dirs.cleanup();
});

export interface GatewayCache {
  readonly baseUrl: string;
  readonly fetchedAt: number;
  readonly models: ReadonlyArray<{
    readonly id: string;
    readonly display_name?: string;
    readonly description?: string;
  }>;
}

interface ServedModel {
  readonly id: string;
  readonly display_name: string;
  readonly description?: string;
  readonly created_at: string;
}

/**
 * `ANTHROPIC_BASE_URL` for the claude mount: Claude Code appends `/v1/models` and `/v1/messages`
 * itself (measured), so the mount's `/v1` is left off.
 */
function anthropicBaseUrl(): string {
  const mount = demo.proxy.plugins.find((plugin) => plugin.name === 'claude_api')?.mount;
  if (mount === undefined || !mount.endsWith('/v1')) throw new Error(`unexpected claude mount ${mount}`);
  return `${demo.url}${mount.slice(0, -'/v1'.length)}`;
}

async function claudePrint(): Promise<{ cache: GatewayCache; output: string }> {
  const root = await dirs.make();
  const configDir = join(root, 'claude-config');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, '.claude.json'), `${JSON.stringify({ hasCompletedOnboarding: true })}\n`);
  const env = isolatedEnv(join(root, 'home'), {
    ...trap.env(),
    CLAUDE_CONFIG_DIR: configDir,
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    ANTHROPIC_BASE_URL: anthropicBaseUrl(),
    ANTHROPIC_API_KEY: API_KEY,
    CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1',
  });
  const run = await runClient(clientBin(CLAUDE_CODE), ['-p', 'hi'], { env, cwd: root });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.code, output).toBe(0);
  expect(run.stdout).toContain('hello');
  const cache = JSON.parse(await readFile(join(configDir, 'cache', 'gateway-models.json'), 'utf8'));
  return { cache, output };
}

async function servedList(): Promise<ServedModel[]> {
  const res = await fetch(`${demo.url}/claude/v1/models?limit=1000`, {
    headers: { 'anthropic-version': '2023-06-01', 'x-api-key': API_KEY },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ServedModel[] }).data;
}

describe(`Claude Code ${CLAUDE_CODE.version}`, () => {
  it('asks the gateway once for up to 1000 models and caches every claude row in the order served', async () => {
    const before = demo.requests.length;
    const { cache } = await claudePrint();
    const asked = demo.requests.slice(before).filter((request) => request.url.includes('/models'));
    expect(asked.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /claude/v1/models?limit=1000',
    ]);
    const headers = asked[0]?.headers ?? {};
    expect(headers['anthropic-version']).toBe('2023-06-01');
    expect(headers['x-api-key']).toBe(API_KEY);
    expect(headers['user-agent']).toContain(`claude-code/${CLAUDE_CODE.version}`);

    expect(cache.baseUrl).toBe(anthropicBaseUrl());
    const served = (await servedList()).filter((model) => /(claude|anthropic)/i.test(model.id));
    expect(served.length).toBeGreaterThan(0);
    expect(cache.models.map((row) => row.id)).toEqual(served.map((model) => model.id));
    for (const [i, row] of cache.models.entries()) {
      expect(row.display_name).toBe(served[i]?.display_name);
      expect(row.description).toBe(served[i]?.description);
    }
  });
});

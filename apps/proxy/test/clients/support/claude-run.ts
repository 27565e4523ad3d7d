/**
 * One `claude -p hi` of the real Claude Code against the demo's claude mount, with gateway model
 * discovery on and every telemetry, update and error-reporting call off, in a throwaway HOME and
 * CLAUDE_CONFIG_DIR. Returns what Claude Code cached from the discovery.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isolatedEnv } from '../../support/env.js';
import type { Demo } from './demo.js';
import type { EgressTrap } from './egress-trap.js';
import { clientBin } from './install.js';
import { CLAUDE_CODE } from './pinned.js';
import { runClient } from './run.js';

export const CLAUDE_API_KEY = 'sk-ant-clients-suite';

/** `$CLAUDE_CONFIG_DIR/cache/gateway-models.json` as Claude Code 2.1.332 writes it (measured). */
export interface GatewayCache {
  readonly baseUrl: string;
  readonly fetchedAt: number;
  readonly models: ReadonlyArray<{
    readonly id: string;
    readonly display_name?: string;
    readonly description?: string;
  }>;
}

/**
 * `ANTHROPIC_BASE_URL` for the claude mount: Claude Code appends `/v1/models` and `/v1/messages`
 * itself (measured), so the mount's `/v1` is left off.
 */
export function anthropicBaseUrl(demo: Demo): string {
  const mount = demo.proxy.plugins.find((plugin) => plugin.name === 'claude_api')?.mount;
  if (mount === undefined || !mount.endsWith('/v1')) throw new Error(`unexpected claude mount ${mount}`);
  return `${demo.url}${mount.slice(0, -'/v1'.length)}`;
}

export async function claudePrint(demo: Demo, trap: EgressTrap, root: string): Promise<GatewayCache> {
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
    ANTHROPIC_BASE_URL: anthropicBaseUrl(demo),
    ANTHROPIC_API_KEY: CLAUDE_API_KEY,
    CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: '1',
  });
  const run = await runClient(clientBin(CLAUDE_CODE), ['-p', 'hi'], { env, cwd: root });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.code, output).toBe(0);
  expect(run.stdout, output).toContain('hello');
  return JSON.parse(await readFile(join(configDir, 'cache', 'gateway-models.json'), 'utf8')) as GatewayCache;
}

export interface ServedModel {
  readonly id: string;
  readonly display_name: string;
  readonly description?: string;
  readonly created_at: string;
}

/** The Anthropic-shaped list as Claude Code asks for it. */
export async function servedList(demo: Demo): Promise<ServedModel[]> {
  const res = await fetch(`${demo.url}/claude/v1/models?limit=1000`, {
    headers: { 'anthropic-version': '2023-06-01', 'x-api-key': CLAUDE_API_KEY },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ServedModel[] }).data;
}

/** One model by id (the API resolves aliases too); `undefined` on 404. */
export async function retrieve(demo: Demo, id: string): Promise<ServedModel | undefined> {
  const res = await fetch(`${demo.url}/claude/v1/models/${encodeURIComponent(id)}`, {
    headers: { 'anthropic-version': '2023-06-01', 'x-api-key': CLAUDE_API_KEY },
  });
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (await res.json()) as ServedModel;
}

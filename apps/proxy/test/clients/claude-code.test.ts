/**
 * The real Claude Code (pinned in support/pinned.ts) against the demo's claude mount with gateway
 * model discovery on: `claude -p`, offline, its message answered on the demo's socket. The judge
 * is the discovery cache Claude Code writes, `$CLAUDE_CONFIG_DIR/cache/gateway-models.json`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/env.js';
import { anthropicBaseUrl, CLAUDE_API_KEY, claudePrint, servedList } from './support/claude-run.js';
import { type Demo, startDemo } from './support/demo.js';
import { EgressTrap } from './support/egress-trap.js';
import { CLAUDE_CODE } from './support/pinned.js';

const dirs = tempDirs();
let demo: Demo;
let trap: EgressTrap;

beforeAll(async () => {
  demo = await startDemo({ cacheDir: await dirs.make(), codexHome: await dirs.make() });
  trap = await new EgressTrap().start();
});
afterEach(() => {
  expect(trap.attempts).toEqual([]);
});
afterAll(async () => {
  await Promise.all([demo?.close(), trap?.stop()]);
  await dirs.cleanup();
});

describe(`Claude Code ${CLAUDE_CODE.version}`, () => {
  it('asks the gateway once for up to 1000 models and caches every claude row in the order served', async () => {
    const before = demo.requests.length;
    const cache = await claudePrint(demo, trap, await dirs.make());
    const asked = demo.requests.slice(before).filter((request) => request.url.includes('/models'));
    expect(asked.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /claude/v1/models?limit=1000',
    ]);
    const headers = asked[0]?.headers ?? {};
    expect(headers['anthropic-version']).toBe('2023-06-01');
    expect(headers['x-api-key']).toBe(CLAUDE_API_KEY);
    expect(headers['user-agent']).toContain(`claude-code/${CLAUDE_CODE.version}`);

    expect(cache.baseUrl).toBe(anthropicBaseUrl(demo));
    const served = (await servedList(demo)).filter((model) => /(claude|anthropic)/i.test(model.id));
    expect(served.length).toBeGreaterThan(0);
    expect(cache.models.map((row) => row.id)).toEqual(served.map((model) => model.id));
    for (const [i, row] of cache.models.entries()) {
      expect(row.display_name).toBe(served[i]?.display_name);
      expect(row.description).toBe(served[i]?.description);
    }
  });
});

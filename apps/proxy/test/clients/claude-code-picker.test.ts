/**
 * What a person sees in Claude Code's `/model` picker, judged from the discovery cache the real
 * Claude Code writes: every row distinct (label = display_name else id, second column =
 * description else "From gateway"), newest first as a person reads it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/env.js';
import { claudePrint, type GatewayCache, retrieve, servedList } from './support/claude-run.js';
import { type Demo, startDemo } from './support/demo.js';
import { EgressTrap } from './support/egress-trap.js';
import { CLAUDE_CODE } from './support/pinned.js';

const EPOCH = '1970-01-01T00:00:00Z';
const DATED = /^(.*)-(\d{8})$/;

const dirs = tempDirs();
let demo: Demo;
let trap: EgressTrap;
let cache: GatewayCache;

beforeAll(async () => {
  demo = await startDemo({ cacheDir: await dirs.make(), codexHome: await dirs.make() });
  trap = await new EgressTrap().start();
  cache = await claudePrint(demo, trap, await dirs.make());
});
afterEach(() => {
  expect(trap.attempts).toEqual([]);
});
afterAll(async () => {
  await Promise.all([demo?.close(), trap?.stop()]);
  await dirs.cleanup();
});

/** `opus` 4.7 from `claude-opus-4-7`, `claude-opus-4-7-20260416`, `claude-3-5-sonnet-20241022`, ... */
export function lineAndVersion(id: string): { line: string; version: number } | undefined {
  const older = /^claude-(\d+)(?:-(\d))?-([a-z]+)(?:-|$)/.exec(id);
  if (older !== null)
    return { line: older[3] as string, version: Number(older[1]) * 10 + Number(older[2] ?? 0) };
  const newer = /^claude-([a-z]+)-(\d+)(?:-(\d)(?!\d))?(?:-|$)/.exec(id);
  if (newer !== null)
    return { line: newer[1] as string, version: Number(newer[2]) * 10 + Number(newer[3] ?? 0) };
  return undefined;
}

describe(`Claude Code ${CLAUDE_CODE.version} picker`, () => {
  it('shows no two rows alike', () => {
    const labels = cache.models.map(
      (row) => `${row.display_name ?? row.id} | ${row.description ?? 'From gateway'}`,
    );
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((label, i) => labels.indexOf(label) !== i)).toEqual([]);
  });

  it('gives an alias the date of its dated twin, on the list and on retrieve', async () => {
    const served = await servedList(demo);
    const byId = new Map(served.map((model) => [model.id, model]));
    let twins = 0;
    for (const model of served) {
      const alias = DATED.exec(model.id)?.[1];
      if (alias === undefined) continue;
      const listed = byId.get(alias);
      if (listed !== undefined) expect(listed.created_at, alias).toBe(model.created_at);
      const retrieved = await retrieve(demo, alias);
      if (retrieved !== undefined) {
        twins += 1;
        expect(retrieved.created_at, alias).toBe(model.created_at);
      }
    }
    expect(twins).toBeGreaterThan(0);
  });

  it('never puts a later version of a line below an older one', () => {
    const rows = cache.models.map((row) => ({ id: row.id, parsed: lineAndVersion(row.id) }));
    const misplaced: string[] = [];
    for (const [i, upper] of rows.entries()) {
      for (const lower of rows.slice(i + 1)) {
        if (upper.parsed === undefined || lower.parsed === undefined) continue;
        if (upper.parsed.line === lower.parsed.line && lower.parsed.version > upper.parsed.version)
          misplaced.push(`${lower.id} below ${upper.id}`);
      }
    }
    expect(misplaced).toEqual([]);
  });

  it('lists the models it knows a date for newest first', async () => {
    const served = await servedList(demo);
    const order = cache.models.map((row) => row.id);
    const dated = served
      .filter((model) => order.includes(model.id) && model.created_at !== EPOCH)
      .sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
    expect(dated.length).toBeGreaterThan(1);
    const outOfOrder = dated.filter(
      (model, i) => i > 0 && model.created_at > (dated[i - 1] as typeof model).created_at,
    );
    expect(outOfOrder.map((model) => model.id)).toEqual([]);
  });
});

/**
 * One machine's fleet on the default store: catalogs over one SQLite file (each its own
 * connection, as separate processes have) elect one fetcher through the lease row, and the others
 * adopt what it wrote. Time is the catalogs' injected clock; waits are on the upstream's log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { ManualClock } from '../support/clock.js';
import { tempDirs } from '../support/tmp.js';
import { FakeUpstream } from '../support/upstream.js';

const document = (count: number) =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `gpt-local-${i + 1}`,
      { litellm_provider: 'openai', mode: 'chat' },
    ]),
  );

const dirs = tempDirs();
let upstream: FakeUpstream;
const opened: Catalog[] = [];

beforeAll(async () => {
  upstream = await new FakeUpstream(document(3)).start();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((catalog) => catalog.close()));
  await dirs.cleanup();
  upstream.delayMs = 0;
});
afterAll(() => upstream.stop());

async function machine(size: number, clock: ManualClock): Promise<Catalog[]> {
  const cacheDir = await dirs.make();
  const catalogs = Array.from({ length: size }, () =>
    createCatalog({
      url: upstream.url,
      cacheDir,
      clock,
      ttl: 10_000,
      memoryTtl: 1_000,
      minModels: 0,
      snapshot: false,
    }),
  );
  opened.push(...catalogs);
  return catalogs;
}

describe('processes sharing one SQLite file', () => {
  it('cold together: the lease row elects one fetcher, the others adopt its copy', async () => {
    upstream.delayMs = 100;
    const catalogs = await machine(3, new ManualClock(1_000_000));
    const before = upstream.count;
    const answers = await Promise.all(catalogs.map((catalog) => catalog.get()));
    expect(answers.map((a) => a.models.cards.length)).toEqual([3, 3, 3]);
    expect(answers.map((a) => a.source).sort()).toEqual(['disk', 'disk', 'upstream']);
    expect(upstream.count - before).toBe(1);
    expect(catalogs.map((c) => c.status().lease)).toEqual(['sqlite', 'sqlite', 'sqlite']);
  });

  it('stale together: one refresh, which the others adopt at their next look at the store', async () => {
    const clock = new ManualClock(1_000_000);
    const catalogs = await machine(3, clock);
    await Promise.all(catalogs.map((catalog) => catalog.get()));
    await Promise.all(catalogs.map((catalog) => catalog.idle()));
    const before = upstream.count;
    upstream.setBody(document(4));
    clock.advance(10_001);
    // Every one sees its copy stale (and past memoryTtl): each serves it and looks in the background.
    for (const catalog of catalogs) expect(catalog.peek()?.models.cards).toHaveLength(3);
    await Promise.all(catalogs.map((catalog) => catalog.idle()));
    expect(upstream.count - before).toBe(1);
    clock.advance(1_001);
    for (const catalog of catalogs) catalog.peek();
    await Promise.all(catalogs.map((catalog) => catalog.idle()));
    expect(catalogs.map((catalog) => catalog.peek()?.models.cards.length)).toEqual([4, 4, 4]);
    expect(upstream.count - before).toBe(1);
  });
});

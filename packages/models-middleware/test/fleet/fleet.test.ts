/**
 * A fleet on Redis (issue #14): N server processes, each a models router whose store is Keyv on
 * @keyv/redis, against a real `redis-server` on a free port and a fake upstream on 127.0.0.1.
 * Everything waited for is an event: the upstream's request log, the members' diagnostics events.
 */
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/upstream.js';
import { Fleet, type MemberOptions } from './fleet.js';
import { RedisServer } from './redis-server.js';

/** A small valid LiteLLM document of `count` OpenAI chat models (the parse costs nothing). */
function document(count: number): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `gpt-fleet-${i + 1}`,
      { litellm_provider: 'openai', mode: 'chat' },
    ]),
  );
}

const redis = new RedisServer();
let upstream: FakeUpstream;
let fleet: Fleet | undefined;
let run = 0;

/** Each test its own Keyv namespace: the fleets of two tests never see each other's keys. */
function options(extra: Partial<MemberOptions> = {}): MemberOptions {
  run++;
  return {
    redisUrl: redis.url,
    namespace: `fleet-${run}`,
    url: upstream.url,
    ttl: 60_000,
    memoryTtl: 60_000,
    timeoutMs: 1_500,
    storeTimeoutMs: 500,
    storeRetryDelayMs: 300,
    retryDelayMs: 100,
    ...extra,
  };
}

beforeAll(async () => {
  await redis.start();
  upstream = await new FakeUpstream(document(3)).start();
});

afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
  upstream.handle = undefined;
  upstream.delayMs = 0;
  upstream.setBody(document(3));
});

afterAll(async () => {
  await upstream.stop();
  await redis.kill();
});

// Child processes start slowly on a busy machine: a longer budget than the default, never needed otherwise.
describe('a fleet sharing Redis', { timeout: 40_000 }, () => {
  it('cold together: one upstream request, every member answers with the catalog', async () => {
    upstream.delayMs = 200;
    fleet = await Fleet.start(4, options());
    const before = upstream.count;
    const answers = await fleet.getAll();
    expect(answers.map((a) => [a.status, a.models])).toEqual(Array(4).fill([200, 3]));
    expect(upstream.count - before).toBe(1);
    expect(fleet.of('refreshStart')).toHaveLength(1);
  });

  it('one upstream request per TTL period, and a changed upstream reaches every member within 1 s', async () => {
    const ttl = 700;
    // memoryTtl far beyond the test: only an announcement can carry the change this fast.
    fleet = await Fleet.start(4, options({ ttl, memoryTtl: 60_000 }));
    const before = upstream.count;
    const periods = 3;
    const done = upstream.whenCount(before + 1 + periods);
    let changedAt = 0;
    void upstream.whenCount(before + periods).then(() => {
      // The last period's fetch gets a new document.
      changedAt = Date.now();
      upstream.setBody(document(4));
    });
    const answers = await fleet.load(done);
    const arrivals = upstream.arrivals.slice(before);
    expect(arrivals).toHaveLength(1 + periods);
    // A second request in one period would come within milliseconds of the first.
    for (let i = 1; i < arrivals.length; i++)
      expect((arrivals[i] as number) - (arrivals[i - 1] as number)).toBeGreaterThan(ttl / 2);
    expect(answers.every((a) => a.status === 200 && a.models >= 3)).toBe(true);
    expect(changedAt).toBeGreaterThan(0);

    // The member that fetched the new document, then every other one adopting it.
    const finish = await fleet.next(
      (e) => e.name === 'refreshFinish' && e.changed === true && e.at >= changedAt,
    );
    const adopted = await Promise.all(
      Array.from({ length: fleet.size }, (_, member) => member)
        .filter((member) => member !== finish.member)
        .map((member) =>
          (fleet as Fleet).next((e) => e.member === member && e.name === 'storeAdopt' && e.changed === true),
        ),
    );
    for (const event of adopted) {
      expect(event.via).toBe('announcement');
      expect(event.at - finish.at).toBeLessThan(1_000);
    }
    expect((await fleet.getAll()).map((a) => a.models)).toEqual([4, 4, 4, 4]);
  });

  it('a lease holder killed mid-fetch: another member takes over once the lease expires', async () => {
    const hung: Array<() => void> = [];
    upstream.handle = (_req, res) => {
      // The first request never gets an answer (its process dies); later ones are served.
      hung.push(() => res.destroy());
      upstream.handle = undefined;
    };
    fleet = await Fleet.start(3, options());
    const before = upstream.count;
    const answers = [0, 1, 2].map((member) => (fleet as Fleet).get(member).catch(() => undefined));
    const holder = await fleet.next((e) => e.name === 'refreshStart');
    await upstream.whenCount(before + 1);
    await fleet.kill(holder.member);
    for (const close of hung) close();
    const served = (await Promise.all(answers)).filter((_, member) => member !== holder.member);
    expect(served.map((a) => [a?.status, a?.models])).toEqual([
      [200, 3],
      [200, 3],
    ]);
    expect(upstream.count - before).toBe(2);
    const starts = fleet.of('refreshStart');
    expect(starts).toHaveLength(2);
    expect(starts[1]?.member).not.toBe(holder.member);
  });

  it('Redis killed and restarted: no 5xx, no empty list, no request slower than the store deadline; the tier heals', async () => {
    // A request that waited on a store call would take at least this long; a second leaves room
    // for a busy machine's scheduling without hiding such a wait.
    const storeTimeoutMs = 1_000;
    const storeRetryDelayMs = 300;
    fleet = await Fleet.start(3, options({ memoryTtl: 150, storeTimeoutMs, storeRetryDelayMs }));
    await fleet.getAll();
    const members = [0, 1, 2];
    let outage = 0;
    const healed = (async () => {
      const marker = fleet?.events.length ?? 0;
      await redis.kill();
      outage = Date.now();
      await Promise.all(
        members.map((m) =>
          fleet?.next((e) => e.member === m && e.name === 'storeDegraded', { after: marker }),
        ),
      );
      const degraded = await Promise.all(members.map((m) => fleet?.status(m)));
      expect(degraded.map((s) => s?.disk)).toEqual(['degraded', 'degraded', 'degraded']);
      // One prefix, not one per wrapping (the issue saw `cache store get failed: cache store get failed`).
      for (const status of degraded) expect(status?.diskError?.match(/cache store/g)).toHaveLength(1);
      const restarted = fleet?.events.length ?? 0;
      await redis.start();
      const back = Date.now();
      await Promise.all(
        members.map((m) =>
          fleet?.next((e) => e.member === m && e.name === 'storeRecovered', { after: restarted }),
        ),
      );
      return Date.now() - back;
    })();
    const answers = await fleet.load(healed);
    const healedMs = await healed;
    expect(outage).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.status !== 200 || a.models === 0)).toEqual([]);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(storeTimeoutMs);
    // The client's own reconnect backoff (@keyv/redis: up to 2 s), then the retry delay and a look.
    expect(healedMs).toBeLessThan(2_000 + storeRetryDelayMs + 150 + 2_000);
    const statuses = await Promise.all(members.map((m) => (fleet as Fleet).status(m)));
    expect(statuses.map((s) => [s.disk, s.diskError, s.lease])).toEqual(Array(3).fill(['ok', null, 'redis']));
  });

  it("never reads or overwrites another application's keys on the same Redis", async () => {
    const namespace = 'other-app';
    const other = new Keyv(new KeyvRedis(redis.url), { namespace });
    const ours = options();
    // The other application happens to use the very key names the package uses inside its own namespace.
    const theirs = {
      [`ccproxy-models:${upstream.url}`]: { v: 1, url: upstream.url, cards: 'theirs' },
      [`ccproxy-models:meta:${upstream.url}`]: {
        v: 1,
        url: upstream.url,
        fetchedAt: Date.now() + 1e9,
        version: 'x',
      },
      [`ccproxy-models:lease:${upstream.url}`]: 'theirs',
      [upstream.url]: 'theirs',
    };
    for (const [key, value] of Object.entries(theirs)) await other.set(key, value);
    try {
      fleet = await Fleet.start(2, { ...ours, namespace: undefined });
      const before = upstream.count;
      expect((await fleet.getAll()).map((a) => [a.status, a.models])).toEqual([
        [200, 3],
        [200, 3],
      ]);
      expect(upstream.count - before).toBe(1);
      for (const [key, value] of Object.entries(theirs)) expect(await other.get(key)).toEqual(value);
      const adapter = other.store as KeyvRedis<unknown>;
      const client = await adapter.getClient();
      const keys = (await client.keys('*')).sort();
      // Ours: Keyv's default namespace (`keyv`, as the adapter writes it), then the package's.
      const outside = keys.filter((key) => !key.startsWith(`${namespace}::`) && !key.startsWith('fleet-'));
      expect(outside.length).toBeGreaterThan(0);
      for (const key of outside) expect(key).toMatch(/^keyv::keyv:ccproxy-models:/);
    } finally {
      await other.disconnect();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { type RefreshLease, RefreshScheduler } from './refresh.js';

/** One lease shared by the schedulers of a pretend fleet: the first claim wins until it is freed. */
class SharedLease {
  holder: string | undefined;
  for(name: string): RefreshLease {
    return {
      acquire: async () => {
        if (this.holder !== undefined && this.holder !== name) return false;
        this.holder = name;
        return true;
      },
      release: async () => {
        if (this.holder === name) this.holder = undefined;
      },
    };
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A member of the fleet: its store copy is the shared `stored` value, its fetches are counted. */
function member(name: string, lease: SharedLease, shared: { stored: number | undefined; fetches: number }) {
  const clock = new ManualClock(0);
  let held: number | undefined;
  let write = Promise.resolve();
  const tasks: Promise<unknown>[] = [];
  const writeGate = deferred();
  const scheduler = new RefreshScheduler<number>({
    clock,
    ttl: 60_000,
    retryDelayMs: 100,
    intervalMs: 0,
    lease: lease.for(name),
    fetch: async () => {
      shared.fetches++;
      held = shared.fetches;
      // The copy reaches the store later than the caller gets it (a store call in flight).
      write = writeGate.promise.then(() => {
        shared.stored = held;
      });
      return held;
    },
    written: () => write,
    follow: async () => {
      if (shared.stored !== undefined) held = shared.stored;
    },
    fresh: () => held !== undefined,
    followBackoffMs: () => 0,
    onInterval: () => {},
    track: (task) => tasks.push(task),
  });
  return { scheduler, writeGate, idle: () => Promise.all(tasks) };
}

describe('RefreshScheduler.lead: the lease is handed over once the copy is stored', () => {
  it('a fetch answers its caller at once, but keeps the lease until its write lands: the next holder finds the copy', async () => {
    const lease = new SharedLease();
    const shared = { stored: undefined as number | undefined, fetches: 0 };
    const a = member('a', lease, shared);
    const b = member('b', lease, shared);

    expect(await a.scheduler.lead()).toEqual({ kind: 'fetched', value: 1 });
    // a's copy is not stored yet: b must not take the lease and fetch it a second time.
    expect(lease.holder).toBe('a');
    expect(await b.scheduler.lead()).toEqual({ kind: 'lost' });

    a.writeGate.resolve();
    await a.idle();
    expect(lease.holder).toBeUndefined();
    expect(await b.scheduler.lead()).toEqual({ kind: 'fresh' });
    expect(shared.fetches).toBe(1);
  });

  it('a failed fetch frees the lease at once', async () => {
    const lease = new SharedLease();
    let calls = 0;
    const scheduler = new RefreshScheduler<number>({
      clock: new ManualClock(0),
      ttl: 60_000,
      retryDelayMs: 100,
      intervalMs: 0,
      lease: lease.for('a'),
      fetch: async () => {
        calls++;
        throw new Error('upstream down');
      },
      written: () => new Promise(() => {}), // never: a failed fetch has nothing to wait for
      follow: async () => {},
      fresh: () => false,
      followBackoffMs: () => 0,
      onInterval: () => {},
      track: () => {},
    });
    await expect(scheduler.lead()).rejects.toThrow('upstream down');
    expect(lease.holder).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('the same process leads again only after its last grant was released', async () => {
    const lease = new SharedLease();
    const shared = { stored: undefined as number | undefined, fetches: 0 };
    const a = member('a', lease, shared);
    await a.scheduler.lead();
    const again = a.scheduler.lead();
    let settled = false;
    void again.then(() => {
      settled = true;
    });
    // Every promise that waits on nothing has settled by the next turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    a.writeGate.resolve();
    expect(await again).toEqual({ kind: 'fresh' });
    await a.idle();
    expect(lease.holder).toBeUndefined();
  });
});

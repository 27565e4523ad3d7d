import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import type { Logger } from '../../src/logger.js';
import { ManualClock } from '../support/clock.js';
import { status } from '../support/faults.js';
import { FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { nextTurn } from '../support/host.js';
import { FakeUpstream } from '../support/upstream.js';

/**
 * The refresh timer runs outside any request: nothing that goes wrong in it may reach the event
 * loop, even a host logger that throws (a broken transport, a strict test double).
 */
describe('background refresh on the interval', () => {
  let upstream: FakeUpstream;
  let catalog: Catalog | undefined;

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(() => upstream.stop());
  afterEach(async () => {
    vi.useRealTimers();
    await catalog?.close();
  });

  it('a throwing host logger during a timer refresh leaves no unhandled rejection', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let warned: () => void = () => {};
    const firstWarning = new Promise<void>((resolve) => {
      warned = resolve;
    });
    const broken = (): never => {
      throw new Error('host logger broke');
    };
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {
        warned();
        broken();
      },
      error: broken,
    };
    upstream.handle = status(500);
    catalog = createCatalog({
      url: upstream.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      logger,
      coldWaitMs: 0,
      refreshIntervalMs: 60_000,
    });
    vi.advanceTimersByTime(60_000);
    // The failed fetch's warning throws inside the timer's refresh.
    await firstWarning;
    await catalog.idle();
    await nextTurn();
    // The escape guard fails this test if the timer's refresh rejected unhandled. The catalog
    // still answers.
    expect(['snapshot', 'fallback']).toContain((await catalog.get()).source);
    upstream.handle = undefined;
  });
});

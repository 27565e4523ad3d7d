import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog } from '../src/catalog/catalog.js';
import { MODELS_CHANNELS } from '../src/events.js';
import { isComplete } from '../src/model-set.js';
import { modelsRouter, SOURCE_HEADER } from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { memoryLogger } from './support/logger.js';
import { FakeUpstream } from './support/upstream.js';

const [, makeApp] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];
const ALL_MODELS = Object.keys(JSON.parse(fixtureBytes().toString('utf8'))).length - 2;

describe('a cold start', () => {
  let upstream: FakeUpstream;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
  });
  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  it('answers from the provider’s cards, then builds the rest, logs the counts and stores the whole set', async () => {
    const store = new Map();
    const logger = memoryLogger();
    const clock = new ManualClock(FIXED_NOW);
    const catalog = createCatalog({ url: upstream.url, store, clock, logger, snapshot: false });
    const router = modelsRouter({ provider: 'openai', catalog });
    open.push(catalog, router);
    // Read while the first list is answered, in the turn the document was parsed in.
    const whileServing: boolean[] = [];
    const onList = (): void => {
      const held = catalog.peek();
      if (held !== undefined) whileServing.push(isComplete(held.models));
    };
    subscribe(MODELS_CHANNELS.list, onList);
    try {
      const res = await request(proxyApp(makeApp, router, []))
        .get('/v1/models')
        .expect(200);
      expect(res.headers[SOURCE_HEADER]).toBe('upstream');
      expect(res.body.data).toHaveLength(EXPECTED.openai);
    } finally {
      unsubscribe(MODELS_CHANNELS.list, onList);
    }
    expect(whileServing).toEqual([false]);

    await catalog.idle();
    const held = await catalog.get();
    expect(isComplete(held.models)).toBe(true);
    expect(held.models.cards).toHaveLength(ALL_MODELS);
    expect(catalog.status()).toMatchObject({ models: ALL_MODELS, invalid: 0 });
    expect(
      logger.at('info').find((line) => line.msg === 'models catalog fetched from upstream')?.obj,
    ).toMatchObject({ models: ALL_MODELS, invalid: 0 });

    // The store holds the whole set: a restart answers every provider from it.
    const restarted = createCatalog({ url: upstream.url, store, clock, logger, snapshot: false });
    open.push(restarted);
    const fromDisk = await restarted.get();
    expect(fromDisk.source).toBe('disk');
    expect(fromDisk.models.version).toBe(held.models.version);
    expect(fromDisk.models.cards).toHaveLength(ALL_MODELS);
    expect(upstream.count).toBe(1);
  });

  it('a cold document with too few valid models is still refused, whichever providers were asked for', async () => {
    const few = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [
        `m-${i}`,
        { litellm_provider: 'openai', max_tokens: i < 20 ? 1 : 'x' },
      ]),
    );
    const bad = await new FakeUpstream(few).start();
    try {
      const catalog = createCatalog({ url: bad.url, cacheDir: false, snapshot: false, minModels: 50 });
      open.push(catalog);
      const result = await catalog.get();
      expect(result.source).toBe('fallback');
      expect(catalog.status().lastError?.message).toContain('only 20 valid models (minimum 50)');
    } finally {
      await bad.stop();
    }
  });
});

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS_CHANNELS } from '../src/events.js';
import { modelsRouter } from '../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './support/app.js';
import { ManualClock } from './support/clock.js';
import { resetMidBody } from './support/faults.js';
import { FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { memoryLogger } from './support/logger.js';
import { FakeProviders, SECRET } from './support/providers.js';
import { tempDirs } from './support/tmp.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const [, makeApp] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];
const everything = (value: unknown): string =>
  inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true });

describe('the credentials of the availability list', () => {
  let litellm: FakeUpstream;
  let providers: FakeProviders;
  const dirs = tempDirs();
  const events: unknown[] = [];
  const onEvent = (message: unknown): void => {
    events.push(message);
  };

  beforeAll(async () => {
    litellm = await new FakeUpstream(fixtureBytes()).start();
    providers = await new FakeProviders().start();
    for (const channel of Object.values(MODELS_CHANNELS)) subscribe(channel, onEvent);
  });
  afterAll(async () => {
    for (const channel of Object.values(MODELS_CHANNELS)) unsubscribe(channel, onEvent);
    await providers.stop();
    await litellm.stop();
    await dirs.cleanup();
  });

  it('are in no log line, status, event, error body or cache file, through success and every kind of fault', async () => {
    const cacheDir = await dirs.make();
    const logger = memoryLogger();
    const clock = new ManualClock(FIXED_NOW);
    let key = SECRET;
    const routers = (['openai', 'anthropic'] as const).map((provider) =>
      modelsRouter({
        provider,
        url: litellm.url,
        cacheDir,
        clock,
        logger,
        snapshot: false,
        availability: {
          url: provider === 'openai' ? providers.openaiUrl : providers.anthropicUrl,
          ttlMs: 1_000,
          timeoutMs: 1_500,
          headers: (): Record<string, string> => {
            if (key === 'throw') throw new Error(`vault said no to ${SECRET}`);
            return provider === 'openai' ? { Authorization: `Bearer ${key}` } : { 'x-api-key': key };
          },
        },
      }),
    );
    const [openai, anthropic] = routers.map((router) => proxyApp(makeApp, router)) as [
      ReturnType<typeof proxyApp>,
      ReturnType<typeof proxyApp>,
    ];
    const bodies: unknown[] = [];
    const round = async (): Promise<void> => {
      const lists = await Promise.all([
        request(openai).get('/v1/models'),
        request(anthropic).get('/v1/models').set(ANTHROPIC),
        request(openai).get('/v1/models/no-such-model'),
        request(anthropic).get('/v1/models/no-such-model').set(ANTHROPIC),
        request(anthropic).get('/v1/models?limit=0').set(ANTHROPIC),
      ]);
      for (const res of lists) bodies.push(res.headers, res.text);
      for (const router of routers) await router.idle();
      for (const router of routers) bodies.push(router.status());
      clock.advance(1_000);
    };

    await round();
    expect(routers[0]?.status().availability?.state).toBe('ok');
    // An upstream that echoes the key it refused (as OpenAI's 401 does, in part).
    providers.handle = (req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json', 'X-Echo': String(req.headers.authorization) });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRET}` } }));
    };
    await round();
    providers.handle = resetMidBody(Buffer.from(`{"data":[{"id":"${SECRET}"}${',1'.repeat(4000)}]}`));
    await round();
    providers.handle = (req) => req.socket.destroy();
    await round();
    providers.handle = () => {};
    await round();
    providers.handle = undefined;
    key = 'throw';
    await round();
    key = SECRET;
    await round();
    expect(routers[1]?.status().availability?.state).toBe('ok');
    expect(routers[0]?.status().availability?.lastError).toBeNull();
    for (const router of routers) await router.close();

    // The fetches really carried the key: the search below is not vacuous.
    expect(everything(providers.requests.map((r) => r.headers))).toContain(SECRET);
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.length).toBeGreaterThanOrEqual(4);
    expect(everything(logger.lines)).not.toContain(SECRET);
    expect(everything(bodies)).not.toContain(SECRET);
    expect(everything(events)).not.toContain(SECRET);
    const files = await readdir(cacheDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(join(cacheDir, file));
      expect(bytes.includes(SECRET)).toBe(false);
      // The lists themselves are there: the file is the cache that was searched.
      if (file.endsWith('.sqlite')) expect(bytes.includes('availability:openai')).toBe(true);
    }
  });
});

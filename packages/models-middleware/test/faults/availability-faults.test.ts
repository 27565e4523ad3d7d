import type { Express } from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from '../support/app.js';
import { ManualClock } from '../support/clock.js';
import {
  body,
  neverAnswers,
  redirectLoop,
  refusedUrl,
  resetMidBody,
  status,
  trickle,
} from '../support/faults.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from '../support/fixture.js';
import { memoryLogger } from '../support/logger.js';
import { anthropicInfo, FakeProviders, SECRET } from '../support/providers.js';
import { FakeUpstream, type UpstreamHandler } from '../support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const [, makeApp] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];

interface Fault {
  readonly name: string;
  readonly handle?: UpstreamHandler;
  /** The list's URL fails on its own (nothing listens). */
  readonly refused?: true;
  readonly timeoutMs?: number;
  readonly message: RegExp;
}

const FAULTS: readonly Fault[] = [
  { name: 'HTTP 401 (a bad key)', handle: status(401, {}, '{"error":{}}'), message: /HTTP 401/ },
  { name: 'HTTP 403 (a key without access)', handle: status(403), message: /HTTP 403/ },
  { name: 'HTTP 429 with Retry-After', handle: status(429, { 'Retry-After': '30' }), message: /HTTP 429/ },
  { name: 'HTTP 500', handle: status(500, {}, 'oops'), message: /HTTP 500/ },
  { name: 'connection refused', refused: true, message: /ECONNREFUSED/ },
  {
    name: 'connection dropped before an answer',
    handle: (req) => req.socket.destroy(),
    message: /ECONNRESET|socket hang up/,
  },
  {
    name: 'connection reset mid-body',
    handle: resetMidBody(Buffer.from(`{"data":[${'1,'.repeat(5000)}1]}`)),
    message: /ECONNRESET|aborted/,
  },
  {
    name: 'a server that never answers',
    handle: neverAnswers,
    timeoutMs: 800,
    message: /timed out after 800 ms/,
  },
  {
    name: 'a body trickling one byte a second',
    handle: trickle(1000),
    timeoutMs: 800,
    message: /timed out after 800 ms/,
  },
  // A redirect would take the key along: not followed, an HTTP error.
  { name: 'a redirect (loop)', handle: redirectLoop, message: /HTTP 302/ },
  {
    name: 'an HTML body',
    handle: body('<!doctype html><p>Rate limited</p>', 'text/html'),
    message: /not JSON/,
  },
  { name: 'truncated JSON', handle: body('{"data":[{"id":"gpt-4o"'), message: /not JSON/ },
  { name: 'JSON null', handle: body('null'), message: /no `data` array|no `models` array/ },
  {
    name: 'an object without the list',
    handle: body('{"models":1,"object":"list"}'),
    message: /no `data` array|no `models` array/,
  },
  {
    name: 'an empty list',
    handle: body('{"data":[],"has_more":false,"models":[]}'),
    message: /lists no models/,
  },
  {
    name: 'entries without ids',
    handle: body('{"data":[1,"x",{},{"id":""}],"has_more":false,"models":[]}'),
    message: /lists no models/,
  },
];

const FORMATS = [
  {
    provider: 'openai',
    format: 'openai',
    listed: EXPECTED.openai,
    headers: () => ({ Authorization: `Bearer ${SECRET}` }),
  },
  {
    provider: 'anthropic',
    format: 'anthropic',
    listed: EXPECTED.anthropic,
    headers: () => ({ 'x-api-key': SECRET }),
  },
  {
    provider: 'openai',
    format: 'codex',
    listed: EXPECTED.openai,
    headers: () => ({ Authorization: `Bearer ${SECRET}` }),
  },
] as const;

describe.each(FORMATS)('a faulty $format model list', ({ provider, format, listed, headers }) => {
  let litellm: FakeUpstream;
  let providers: FakeProviders;
  let refused: string;
  const open: ModelsRouter[] = [];
  const errors: unknown[] = [];
  const urlOf = (p: FakeProviders): string =>
    format === 'openai' ? p.openaiUrl : format === 'anthropic' ? p.anthropicUrl : p.codexUrl;

  beforeAll(async () => {
    litellm = await new FakeUpstream(fixtureBytes()).start();
    providers = await new FakeProviders().start();
    refused = await refusedUrl();
  });
  afterAll(async () => {
    await providers.stop();
    await litellm.stop();
  });
  afterEach(async () => {
    for (const router of open.splice(0)) await router.close();
    providers.handle = undefined;
    expect(errors.splice(0)).toEqual([]);
  });

  /** `fault` sets the deadline and (when `refusedNow`) the refused URL; its handler is the test's to set. */
  const mount = (fault: Fault, ttlMs = 60_000, refusedNow = true) => {
    const clock = new ManualClock(FIXED_NOW);
    const logger = memoryLogger();
    const router = modelsRouter({
      provider,
      url: litellm.url,
      store: new Map(),
      clock,
      logger,
      snapshot: false,
      availability: {
        url: fault.refused && refusedNow ? refused : urlOf(providers),
        format,
        headers,
        ttlMs,
        ...(fault.timeoutMs === undefined ? {} : { timeoutMs: fault.timeoutMs }),
      },
    });
    open.push(router);
    const app: Express = proxyApp(makeApp, router, errors);
    const list = () => {
      const req = request(app).get('/v1/models?limit=1000');
      return provider === 'anthropic' ? req.set(ANTHROPIC) : req;
    };
    return { router, clock, logger, list };
  };

  it.each(FAULTS)('$name: LiteLLM alone is served, and status() and the header say so', async (fault) => {
    providers.handle = fault.handle;
    const { router, logger, list } = mount(fault);
    const res = await list().expect(200);
    expect(res.body.data).toHaveLength(listed);
    expect(res.headers[SOURCE_HEADER]).toBe('upstream; availability=failed');
    const availability = router.status().availability;
    expect(availability).toMatchObject({ state: 'failed', models: null, from: null });
    expect(availability?.lastError?.message).toMatch(fault.message);
    expect(logger.at('warn').filter((line) => line.msg?.includes('availability'))).toHaveLength(1);
    // The next request does not wait for the broken list again.
    await list().expect(200);
    await router.idle();
  });

  const onRefresh = FAULTS.filter((fault) => fault.refused === undefined);
  it.each(onRefresh)('$name on a refresh: the last good list stays in force, state stale', async (fault) => {
    const { router, clock, list } = mount(fault, 1_000, false);
    const good = await list().expect(200);
    const goodIds = good.body.data.map((m: { id: string }) => m.id);
    expect(goodIds.length).toBeLessThan(listed);
    providers.handle = fault.handle;
    clock.advance(1_000);
    await list().expect(200);
    await router.idle();
    const after = await list().expect(200);
    expect(after.body.data.map((m: { id: string }) => m.id)).toEqual(goodIds);
    expect(after.headers[SOURCE_HEADER]).toBe('memory; availability=stale');
    if (fault.refused === undefined)
      expect(router.status().availability?.lastError?.message).toMatch(fault.message);
  });
});

describe('Anthropic pagination faults', () => {
  let litellm: FakeUpstream;
  let providers: FakeProviders;
  const open: ModelsRouter[] = [];

  beforeAll(async () => {
    litellm = await new FakeUpstream(fixtureBytes()).start();
    providers = await new FakeProviders().start();
  });
  afterAll(async () => {
    for (const router of open.splice(0)) await router.close();
    await providers.stop();
    await litellm.stop();
  });

  const fetchWith = async (handle: UpstreamHandler) => {
    providers.handle = handle;
    const router = modelsRouter({
      provider: 'anthropic',
      url: litellm.url,
      store: new Map(),
      clock: new ManualClock(FIXED_NOW),
      snapshot: false,
      availability: { url: providers.anthropicUrl, headers: () => ({ 'x-api-key': SECRET }) },
    });
    open.push(router);
    const res = await request(proxyApp(makeApp, router))
      .get('/v1/models?limit=1000')
      .set(ANTHROPIC)
      .expect(200);
    return { res, status: router.status().availability };
  };
  const page = (ids: string[], hasMore: boolean, lastId: string | null = ids.at(-1) ?? null) =>
    JSON.stringify({
      data: ids.map((id) => anthropicInfo(id)),
      has_more: hasMore,
      first_id: ids[0],
      last_id: lastId,
    });

  it('a later page that fails fails the whole list: never a partial one', async () => {
    const { res, status: s } = await fetchWith((req, res) => {
      const second = req.url?.includes('after_id');
      res.writeHead(second ? 429 : 200, { 'Content-Type': 'application/json' });
      res.end(second ? '' : page(['claude-sonnet-4-5-20250929'], true));
    });
    expect(res.body.data).toHaveLength(EXPECTED.anthropic);
    expect(s?.lastError?.message).toMatch(/after_id=claude-sonnet-4-5-20250929.*HTTP 429/);
  });

  it('has_more without last_id is refused', async () => {
    const { status: s } = await fetchWith(body(page(['claude-sonnet-4-5-20250929'], true, null)));
    expect(s?.lastError?.message).toMatch(/`has_more` but no `last_id`/);
  });

  it('a cursor that repeats is refused instead of looping', async () => {
    const { status: s } = await fetchWith(body(page(['claude-sonnet-4-5-20250929'], true)));
    expect(s).toMatchObject({ state: 'failed' });
    expect(s?.lastError?.message).toMatch(/cursor `claude-sonnet-4-5-20250929` repeats/);
  });
});

import diagnosticsChannel from 'node:diagnostics_channel';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MODELS_CHANNELS } from '@ccproxy/models-middleware';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { type Logger, pino } from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type ProxyApp } from '../src/app.js';
import { tempDirs, testConfig } from './support/env.js';
import { EXPECTED, FIXED_NOW, fixtureBytes } from './support/fixture.js';
import { closedPortUrl, FakeUpstream, openaiModelList } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const silent: Logger = pino({ level: 'silent' });

let upstream: FakeUpstream;
const dirs = tempDirs();
const opened: ProxyApp[] = [];
let now = FIXED_NOW;
const clock = { now: () => now };

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.status = 200;
  now = FIXED_NOW;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((proxy) => proxy.close()));
  await dirs.cleanup();
});

async function proxyFor(
  url = upstream.url,
  cacheDir?: string,
  env: Record<string, string> = {},
): Promise<ProxyApp> {
  const config = testConfig(url, cacheDir ?? (await dirs.make()), env);
  const proxy = createApp(config, { logger: silent, clock, refreshSecret: null });
  opened.push(proxy);
  return proxy;
}

/** Scrapes /metrics and parses it with a Prometheus text-format parser. */
async function scrape(proxy: ProxyApp): Promise<Scrape> {
  const res = await request(proxy.app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(parsePrometheusTextFormat(res.text));
}

class Scrape {
  constructor(readonly families: readonly PrometheusFamily[]) {}

  family(name: string): PrometheusFamily {
    const family = this.families.find((f) => f.name === name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    return family;
  }

  /** The value of the one series whose labels include `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const matching = this.family(name).metrics.filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value),
    );
    if (matching.length > 1)
      throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} series`);
    const raw = matching[0]?.value;
    if (raw === undefined) return undefined;
    return raw === '+Inf'
      ? Number.POSITIVE_INFINITY
      : raw === '-Inf'
        ? Number.NEGATIVE_INFINITY
        : Number(raw);
  }

  labelValues(name: string, label: string): string[] {
    return this.family(name)
      .metrics.map((sample) => sample.labels?.[label])
      .filter((value): value is string => value !== undefined);
  }
}

describe('GET /metrics', () => {
  it('counts requests by plugin, route, format, status and tier after known traffic', async () => {
    const proxy = await proxyFor();
    const { app } = proxy;
    const first = await request(app).get('/codex/v1/models').expect(200);
    await request(app).get('/codex/v1/models').expect(200);
    await request(app).get('/codex/v1/models').set('If-None-Match', String(first.headers.etag)).expect(304);
    for (let i = 0; i < 3; i++) await request(app).get('/codex/v1/models/gpt-5').expect(200);
    await request(app).get('/codex/v1/models/no-such-model').expect(404);
    const claude = await request(app).get('/claude/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    const claudeId = claude.body.data[0].id as string;
    await request(app).get(`/claude/v1/models/${claudeId}`).set(ANTHROPIC).expect(200);

    const m = await scrape(proxy);
    const requests = 'ccproxy_models_requests_total';
    const codexList = { plugin: 'codex', route: 'list', format: 'openai' };
    expect(m.value(requests, { ...codexList, status: '200', tier: 'upstream' })).toBe(1);
    expect(m.value(requests, { ...codexList, status: '200', tier: 'memory' })).toBe(1);
    expect(m.value(requests, { ...codexList, status: '304', tier: 'memory' })).toBe(1);
    expect(m.value(requests, { plugin: 'codex', route: 'retrieve', status: '200' })).toBe(3);
    expect(m.value(requests, { plugin: 'codex', route: 'retrieve', status: '404' })).toBe(1);
    expect(
      m.value(requests, { plugin: 'claude_api', route: 'list', format: 'anthropic', status: '200' }),
    ).toBe(1);
    expect(m.family(requests).metrics.reduce((sum, s) => sum + Number(s.value), 0)).toBe(9);

    expect(m.value('ccproxy_models_retrieves_total', { plugin: 'codex', model: 'gpt-5' })).toBe(3);
    expect(m.value('ccproxy_models_retrieves_total', { plugin: 'claude_api', model: claudeId })).toBe(1);
    expect(m.labelValues('ccproxy_models_retrieves_total', 'model')).not.toContain('no-such-model');

    // One shared catalog: one refresh for both plugins.
    expect(m.value('ccproxy_models_refreshes_total', { outcome: 'changed' })).toBe(1);
    expect(m.value('ccproxy_models_refresh_bytes_total')).toBe(fixtureBytes().length);
    const histogram = m.family('ccproxy_models_refresh_duration_seconds');
    expect(histogram.type).toBe('HISTOGRAM');
    expect(histogram.metrics).toHaveLength(1);
    expect(histogram.metrics[0]?.count).toBe('1');
    expect(histogram.metrics[0]?.buckets?.['+Inf']).toBe('1');
    expect(Number(histogram.metrics[0]?.sum)).toBeGreaterThan(0);

    const all = proxy.plugins[0]?.router.catalog.status().models;
    expect(m.value('ccproxy_models_catalog_models', { plugin: 'codex' })).toBe(all);
    expect(m.value('ccproxy_models_listed', { plugin: 'codex' })).toBe(EXPECTED.openai);
    expect(m.value('ccproxy_models_listed', { plugin: 'claude_api' })).toBe(EXPECTED.anthropic);
    expect(m.value('ccproxy_models_catalog_age_seconds', { plugin: 'codex' })).toBe(0);
    expect(m.value('ccproxy_models_catalog_refresh_failing', { plugin: 'codex' })).toBe(0);
    expect(m.value('ccproxy_models_store_state', { plugin: 'codex', state: 'ok' })).toBe(1);
    expect(m.value('ccproxy_models_store_state', { plugin: 'codex', state: 'degraded' })).toBe(0);
  });

  it('a client asking for many unknown ids adds no label value', async () => {
    const proxy = await proxyFor();
    await request(proxy.app).get('/codex/v1/models/gpt-5').expect(200);
    for (let i = 0; i < 50; i++) await request(proxy.app).get(`/codex/v1/models/random-${i}`).expect(404);
    const m = await scrape(proxy);
    expect(m.labelValues('ccproxy_models_retrieves_total', 'model')).toEqual(['gpt-5']);
    expect(m.value('ccproxy_models_requests_total', { route: 'retrieve', status: '404' })).toBe(50);
  });

  it('catalog age grows with the clock; a failing refresh shows as an outcome and a gauge', async () => {
    const proxy = await proxyFor();
    await proxy.warm();
    now += 2 * 3_600_000;
    upstream.status = 500;
    const report = await proxy.plugins[0]?.router.catalog.refresh();
    expect(report?.ok).toBe(false);
    const m = await scrape(proxy);
    expect(m.value('ccproxy_models_catalog_age_seconds', { plugin: 'codex' })).toBe(7200);
    expect(m.value('ccproxy_models_catalog_age_seconds', { plugin: 'claude_api' })).toBe(7200);
    expect(m.value('ccproxy_models_refreshes_total', { outcome: 'failed' })).toBe(1);
    expect(m.value('ccproxy_models_refreshes_total', { outcome: 'changed' })).toBe(1);
    expect(m.value('ccproxy_models_catalog_refresh_failing', { plugin: 'codex' })).toBe(1);
  });

  it('serving the shipped snapshot: age +Inf, one fallback event, stale', async () => {
    const proxy = await proxyFor(await closedPortUrl());
    await proxy.warm();
    const m = await scrape(proxy);
    expect(m.value('ccproxy_models_catalog_age_seconds', { plugin: 'codex' })).toBe(Number.POSITIVE_INFINITY);
    expect(m.value('ccproxy_models_fallback_total', { kind: 'snapshot' })).toBe(1);
    expect(m.value('ccproxy_models_catalog_stale', { plugin: 'codex' })).toBe(1);
    expect(m.value('ccproxy_models_refreshes_total', { outcome: 'failed' })).toBe(1);
  });

  it('a broken disk cache: store state degraded, one degraded event; a recovery is counted too', async () => {
    const dir = await dirs.make();
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    const proxy = await proxyFor(upstream.url, join(file, 'cache'));
    await request(proxy.app).get('/codex/v1/models').expect(200);
    await proxy.plugins[0]?.router.catalog.idle();
    let m = await scrape(proxy);
    expect(m.value('ccproxy_models_store_state', { plugin: 'codex', state: 'degraded' })).toBe(1);
    expect(m.value('ccproxy_models_store_state', { plugin: 'codex', state: 'ok' })).toBe(0);
    expect(m.value('ccproxy_models_store_events_total', { event: 'degraded' })).toBe(1);

    // Nothing in the package heals the store yet: publish what it will, on the real channel.
    diagnosticsChannel
      .channel(MODELS_CHANNELS.storeRecovered)
      .publish({ previousError: null, degradedMs: 5 });
    m = await scrape(proxy);
    expect(m.value('ccproxy_models_store_events_total', { event: 'recovered' })).toBe(1);
  });

  it('counts the copies another process fetched and this one adopted from the shared store', async () => {
    const dir = await dirs.make();
    const [first, second] = [await proxyFor(upstream.url, dir), await proxyFor(upstream.url, dir)];
    const catalogOf = (proxy: ProxyApp) => proxy.plugins[0]?.router.catalog;
    await request(first.app).get('/codex/v1/models').expect(200);
    await catalogOf(first)?.idle();
    // The second finds the first's copy cold: a first load, not an adoption.
    await request(second.app).get('/codex/v1/models').expect(200);
    const before = upstream.requests.length;
    const bytes = JSON.parse(fixtureBytes().toString('utf8'));
    bytes['gpt-metrics-new'] = { litellm_provider: 'openai', mode: 'chat' };
    upstream.setBody(bytes);
    now += 24 * 3_600_000 + 1;
    // Both stale: the first fetches the new document; the second adopts it at its look at the store.
    await request(first.app).get('/codex/v1/models').expect(200);
    await catalogOf(first)?.idle();
    await request(second.app).get('/codex/v1/models').expect(200);
    await catalogOf(second)?.idle();
    expect(upstream.requests.length - before).toBe(1);
    expect((await scrape(second)).value('ccproxy_models_store_adoptions_total', { via: 'poll' })).toBe(1);
    // The first adopted nothing: no series at all.
    expect(
      (await scrape(first)).value('ccproxy_models_store_adoptions_total', { via: 'poll' }),
    ).toBeUndefined();
  });

  it("counts the provider list's loads and failed fetches per plugin", async () => {
    const provider = await new FakeUpstream(openaiModelList('gpt-4o')).start();
    try {
      const proxy = await proxyFor(upstream.url, undefined, {
        PLUGINS__CODEX__AVAILABILITY__URL: provider.url,
      });
      const listed = await request(proxy.app).get('/codex/v1/models').expect(200);
      expect(listed.body.data.map((card: { id: string }) => card.id)).toEqual(['gpt-4o']);
      let metrics = await scrape(proxy);
      expect(
        metrics.value('ccproxy_models_availability_loads_total', { plugin: 'codex', from: 'upstream' }),
      ).toBe(1);
      expect(
        metrics.value('ccproxy_models_availability_failures_total', { plugin: 'codex' }),
      ).toBeUndefined();
      // Past its TTL (600 s) the list is fetched again; the provider now refuses the key.
      provider.status = 401;
      now += 601_000;
      await request(proxy.app).get('/codex/v1/models').expect(200);
      await proxy.plugins[0]?.router.idle();
      metrics = await scrape(proxy);
      expect(metrics.value('ccproxy_models_availability_failures_total', { plugin: 'codex' })).toBe(1);
      expect(metrics.labelValues('ccproxy_models_availability_loads_total', 'plugin')).toEqual(['codex']);
    } finally {
      await provider.stop();
    }
  });

  it('counts only its own routers: another app in the process does not leak in', async () => {
    const a = await proxyFor();
    const b = await proxyFor();
    await request(b.app).get('/codex/v1/models').expect(200);
    await request(a.app).get('/codex/v1/models').expect(200);
    const ma = await scrape(a);
    expect(ma.value('ccproxy_models_requests_total', { plugin: 'codex', route: 'list' })).toBe(1);
    expect(ma.value('ccproxy_models_refreshes_total', { outcome: 'changed' })).toBe(1);
  });
});

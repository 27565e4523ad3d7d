import { createServer, type Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import express from 'express';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../src/catalog/catalog.js';
import { modelsRouter } from '../src/router.js';
import { EXPECTED, fixtureBytes } from './support/fixture.js';
import { closeServer, listen } from './support/http.js';
import { fixtureCatalog } from './support/rig.js';
import { FakeUpstream } from './support/upstream.js';

/** The official SDKs, pointed at a real server on 127.0.0.1:0 that mounts the router like a proxy. */
describe('official SDKs accept the output', () => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
    catalog = fixtureCatalog(upstream.url);
    const app = express();
    app.use('/openai/v1', modelsRouter({ provider: 'openai', catalog }));
    app.use('/anthropic/v1', modelsRouter({ provider: 'anthropic', catalog }));
    server = createServer(app);
    base = await listen(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await catalog.close();
    await upstream.stop();
  });

  it('openai: lists and retrieves models, and surfaces a 404 as NotFoundError', async () => {
    const client = new OpenAI({ baseURL: `${base}/openai/v1`, apiKey: 'sk-test' });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toHaveLength(EXPECTED.openai);
    expect(ids).toContain('gpt-5.1-codex');
    const model = await client.models.retrieve('gpt-4.1');
    expect(model).toMatchObject({ id: 'gpt-4.1', object: 'model', owned_by: 'openai' });
    expect(typeof model.created).toBe('number');
    const missing = await client.models.retrieve('no-such-model').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('anthropic: auto-paginates over several pages, retrieves, and surfaces a 404 as NotFoundError', async () => {
    const client = new Anthropic({ baseURL: `${base}/anthropic`, apiKey: 'sk-ant-test' });
    const ids: string[] = [];
    let pages = 0;
    const first = await client.models.list({ limit: 5 });
    for await (const page of first.iterPages()) {
      pages++;
      ids.push(...page.data.map((m) => m.id));
    }
    expect(pages).toBe(Math.ceil(EXPECTED.anthropic / 5));
    expect(ids).toHaveLength(EXPECTED.anthropic);
    expect(new Set(ids).size).toBe(EXPECTED.anthropic);
    const flat: string[] = [];
    for await (const model of client.models.list({ limit: 7 })) flat.push(model.id);
    expect(flat).toEqual(ids);
    const model = await client.models.retrieve('claude-sonnet-4-5-20250929');
    expect(model).toMatchObject({
      type: 'model',
      display_name: 'Claude Sonnet 4.5',
      created_at: '2025-09-29T00:00:00Z',
    });
    const missing = await client.models.retrieve('gpt-4.1').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('anthropic: filters by lifecycle the way the SDK sends it (lifecycle[]=...)', async () => {
    const client = new Anthropic({ baseURL: `${base}/anthropic`, apiKey: 'sk-ant-test' });
    const retired: string[] = [];
    for await (const model of client.models.list({ lifecycle: ['retired'], limit: 2 })) {
      expect(model.lifecycle).toBe('retired');
      retired.push(model.id);
    }
    expect(retired).toHaveLength(EXPECTED.anthropicWithDeprecated - EXPECTED.anthropic);
    const every = await client.models.list({ lifecycle: ['active', 'deprecated', 'retired'], limit: 1000 });
    expect(every.data).toHaveLength(EXPECTED.anthropicWithDeprecated);
    const bad = await client.models
      .list({ lifecycle: ['gone' as 'active'] })
      .catch((error: unknown) => error);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

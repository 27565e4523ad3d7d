/**
 * The operator's rules end to end: a config file with every rule kind, the real app over a fake
 * upstream serving the LiteLLM fixture, and what OpenAI and Anthropic clients then see.
 */
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ProxyApp } from '../src/app.js';
import { capturingLogger, type LogRecord, tempDirs, testConfig } from './support/env.js';
import { fixedClock, fixtureBytes } from './support/fixture.js';
import { readmeBlocks } from './support/readme.js';
import { FakeUpstream } from './support/upstream.js';

const ANTHROPIC = { 'anthropic-version': '2023-06-01' };

/** Every rule kind for each plugin: the README's examples, so they are what the app does. */
const RULES = readmeBlocks('Operating it', 'toml').join('\n');

let upstream: FakeUpstream;
let proxy: ProxyApp;
let lines: LogRecord[];
const dirs = tempDirs();

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
  const captured = capturingLogger('warn');
  lines = captured.lines;
  const config = testConfig(upstream.url, await dirs.make(), {}, RULES);
  proxy = createApp(config, { logger: captured.logger, clock: fixedClock });
});
afterAll(async () => {
  await proxy.close();
  await upstream.stop();
  await dirs.cleanup();
});
afterEach(() => {
  upstream.status = 200;
});

const ids = (body: { data: { id: string }[] }): string[] => body.data.map((model) => model.id);

describe('codex plugin with rules (OpenAI shape)', () => {
  it('lists what include lets through and exclude does not stop, then the custom model and the alias', async () => {
    const res = await request(proxy.app).get('/codex/v1/models').expect(200);
    const listed = ids(res.body);
    expect(listed.slice(-2)).toEqual(['house-coder', 'fast']);
    const fromLiteLLM = listed.slice(0, -2);
    expect(fromLiteLLM).toEqual(expect.arrayContaining(['gpt-5', 'gpt-5-mini', 'gpt-4o', 'o3-mini']));
    for (const id of fromLiteLLM) {
      expect(id === 'gpt-4o' || id === 'o3-mini' || id.startsWith('gpt-5'), id).toBe(true);
      expect(id.includes('codex') || id.startsWith('gpt-5-chat'), id).toBe(false);
    }
    // The alias to an excluded model is not served.
    expect(listed).not.toContain('codex');
  });

  it('shows the override merged over LiteLLM: the window under both names, prices key by key', async () => {
    const res = await request(proxy.app).get('/codex/v1/models/gpt-5').expect(200);
    expect(res.body).toMatchObject({
      id: 'gpt-5',
      max_input_tokens: 200_000,
      context_length: 200_000,
      max_output_tokens: 128_000,
      display_name: 'GPT-5 (house)',
      pricing: { prompt: '0.000001', completion: '0.00001' },
    });
  });

  it('serves the custom model with the provider as owner', async () => {
    const res = await request(proxy.app).get('/codex/v1/models/house-coder').expect(200);
    expect(res.body).toMatchObject({
      id: 'house-coder',
      object: 'model',
      owned_by: 'openai',
      max_input_tokens: 64_000,
      max_output_tokens: 8000,
      pricing: { prompt: '0.000002', completion: '0.000008' },
    });
  });

  it('retrieves an alias with its target’s metadata under the alias’s id', async () => {
    const alias = await request(proxy.app).get('/codex/v1/models/fast').expect(200);
    const target = await request(proxy.app).get('/codex/v1/models/gpt-4o').expect(200);
    // gpt-4o has no date in its id: the alias carries its newest dated twin's release date
    // (gpt-4o-2024-11-20 in the fixture; not listed here, but in the catalog).
    expect(target.body.created).toBe(0);
    const { created, ...rest } = alias.body;
    expect(rest).toEqual({ ...target.body, id: 'fast', description: 'Alias of gpt-4o', created: undefined });
    expect(new Date(created * 1000).toISOString().slice(0, 10)).toBe('2024-11-20');
  });

  it.each(['gpt-5-codex', 'codex', 'gpt-4.1'])(
    'answers %s (excluded, unresolved alias, not included) with a 404 in the OpenAI envelope',
    async (id) => {
      const res = await request(proxy.app).get(`/codex/v1/models/${id}`).expect(404);
      expect(res.body).toEqual({
        error: {
          message: `The model '${id}' does not exist`,
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      });
    },
  );
});

describe('claude_api plugin with rules (Anthropic shape)', () => {
  it('lists without the excluded models, with the custom model and the alias', async () => {
    const res = await request(proxy.app).get('/claude/v1/models?limit=1000').set(ANTHROPIC).expect(200);
    const listed = ids(res.body);
    expect(listed).toEqual(
      expect.arrayContaining(['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-house', 'sonnet']),
    );
    expect(listed.some((id) => id.startsWith('claude-3-'))).toBe(false);
  });

  it('retrieves the alias as the target’s ModelInfo, and the override is visible', async () => {
    const alias = await request(proxy.app).get('/claude/v1/models/sonnet').set(ANTHROPIC).expect(200);
    const target = await request(proxy.app)
      .get('/claude/v1/models/claude-sonnet-4-5')
      .set(ANTHROPIC)
      .expect(200);
    // Limits, capabilities, lifecycle and release date are the target's; the Anthropic format
    // reads the name and line from the id, so the alias shows its own (`Sonnet`, no line).
    const { display_name, line, description, ...metadata } = target.body;
    expect(metadata.created_at).not.toBe('1970-01-01T00:00:00Z');
    expect(alias.body).toEqual({
      ...metadata,
      id: 'sonnet',
      description: 'Alias of claude-sonnet-4-5',
      display_name: 'Sonnet',
      line: null,
    });
    expect(alias.body.max_input_tokens).toBe(200_000);
    const opus = await request(proxy.app).get('/claude/v1/models/claude-opus-4-1').set(ANTHROPIC).expect(200);
    expect(opus.body.max_tokens).toBe(16_000);
    const house = await request(proxy.app).get('/claude/v1/models/claude-house').set(ANTHROPIC).expect(200);
    expect(house.body).toMatchObject({
      type: 'model',
      id: 'claude-house',
      display_name: 'House Claude',
      max_input_tokens: 100_000,
    });
  });

  it('answers an excluded id with a 404 in the Anthropic envelope', async () => {
    const res = await request(proxy.app)
      .get('/claude/v1/models/claude-3-haiku-20240307')
      .set(ANTHROPIC)
      .expect(404);
    expect(res.body).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('catalog sharing', () => {
  it('plugins with different rules still share one catalog: rules belong to the router', async () => {
    const [codex, claude] = proxy.plugins;
    expect(codex?.router.catalog).toBe(claude?.router.catalog);
    await request(proxy.app).get('/codex/v1/models').expect(200);
    await request(proxy.app).get('/claude/v1/models').set(ANTHROPIC).expect(200);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('unresolved aliases', () => {
  it('are reported once as a warning and in /health, per plugin', async () => {
    await request(proxy.app).get('/codex/v1/models').expect(200);
    await request(proxy.app).get('/codex/v1/models').expect(200);
    const health = await request(proxy.app).get('/health').expect(200);
    expect(health.body.plugins.codex.unresolvedAliases).toEqual(['codex']);
    expect(health.body.plugins.claude_api.unresolvedAliases).toEqual([]);
    const warnings = lines.filter((line) => line.msg.includes('aliases to models not listed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ provider: 'openai', aliases: ['codex'] });
  });
});

describe('the README’s example', () => {
  it('shows the same rules as package options and as TOML', async () => {
    const [example] = readmeBlocks('Operating it', 'ts');
    const literal = /^modelsRouter\((\{[\s\S]*\})\);\s*$/.exec(example ?? '')?.[1];
    expect(literal, 'a modelsRouter({...}) call').toBeDefined();
    const options = new Function(`return (${literal});`)() as Record<string, unknown>;
    const config = testConfig(upstream.url, await dirs.make(), {}, RULES);
    const { provider, ...rules } = options;
    expect(provider).toBe('openai');
    expect(rules).toEqual(config.plugins.codex.models);
  });
});

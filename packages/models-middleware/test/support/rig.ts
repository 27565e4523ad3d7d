import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import type { CatalogOptions } from '../../src/options.js';
import { type ModelsRouter, modelsRouter, SOURCE_HEADER } from '../../src/router.js';
import { EXPRESS_VERSIONS, proxyApp } from './app.js';
import { ManualClock } from './clock.js';
import { EXPECTED, FIXED_NOW } from './fixture.js';
import { type LogLine, memoryLogger } from './logger.js';

export const ANTHROPIC = { 'anthropic-version': '2023-06-01' };
const FALLBACK = [{ id: 'gpt-fallback' }, { id: 'claude-fallback' }];

/** A catalog shared by an OpenAI router and an Anthropic router, each in a proxy-like Express app. */
export interface Rig {
  readonly catalog: Catalog;
  readonly clock: ManualClock;
  readonly logger: ReturnType<typeof memoryLogger>;
  readonly openai: Express;
  readonly anthropic: Express;
  /** Whatever reached the app's error handler: must stay empty. */
  readonly errors: unknown[];
}

const open: Array<{ close(): Promise<void> }> = [];
const [, makeApp] = EXPRESS_VERSIONS[0] as (typeof EXPRESS_VERSIONS)[number];

export function createRig(options: CatalogOptions): Rig {
  const clock = new ManualClock(FIXED_NOW);
  const logger = memoryLogger();
  const catalog = createCatalog({ clock, logger, ...options });
  open.push(catalog);
  const errors: unknown[] = [];
  const mount = (provider: string): Express => {
    const router: ModelsRouter = modelsRouter({ provider, catalog, fallback: FALLBACK });
    open.push(router);
    return proxyApp(makeApp, router, errors);
  };
  return { catalog, clock, logger, openai: mount('openai'), anthropic: mount('anthropic'), errors };
}

/** Closes every router and catalog made since the last call (routers first). */
export async function closeRigs(): Promise<void> {
  const all = open.splice(0).reverse();
  for (const item of all) await item.close();
}

/** Both formats answer 200 with the fixture's full lists, from one of `sources`. */
export async function expectFullLists(r: Rig, sources: readonly string[]): Promise<void> {
  const list = await request(r.openai).get('/v1/models').expect(200);
  expect(list.body.data).toHaveLength(EXPECTED.openai);
  expect(sources).toContain(list.headers[SOURCE_HEADER]);
  const claude = await request(r.anthropic).get('/v1/models?limit=1000').set(ANTHROPIC).expect(200);
  expect(claude.body.data).toHaveLength(EXPECTED.anthropic);
  expect(sources).toContain(claude.headers[SOURCE_HEADER]);
  await request(r.openai).get('/v1/models/gpt-4.1').expect(200);
}

/** Both formats answer 200 with a non-empty list; returns the tier that answered. */
export async function expectSomeList(r: Rig): Promise<string> {
  const list = await request(r.openai).get('/v1/models').expect(200);
  expect(list.body.data.length).toBeGreaterThan(0);
  const claude = await request(r.anthropic).get('/v1/models').set(ANTHROPIC).expect(200);
  expect(claude.body.data.length).toBeGreaterThan(0);
  return String(list.headers[SOURCE_HEADER]);
}

export const errOf = (line: LogLine): Error | undefined => (line.obj as { err?: Error }).err;

export const warnings = (r: Rig, pattern: RegExp): LogLine[] =>
  r.logger.at('warn').filter((line) => pattern.test(line.msg ?? ''));

/** A catalog over `url` (a fake upstream) with a memory store, the fixture's clock and no snapshot. */
export function fixtureCatalog(url: string): Catalog {
  return createCatalog({ url, store: new Map(), clock: new ManualClock(FIXED_NOW), snapshot: false });
}

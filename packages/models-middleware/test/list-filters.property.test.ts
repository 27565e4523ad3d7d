import http, { type Server } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_FLAGS } from '../src/card.js';
import type { Catalog } from '../src/catalog/catalog.js';
import { type ModelsRouter, type ModelsRouterOptions, modelsRouter } from '../src/router.js';
import type { ModelCard } from '../src/types.js';
import { fixtureBytes, fixtureDocument } from './support/fixture.js';
import { closeServer, listen, send } from './support/http.js';
import { fixtureCatalog } from './support/rig.js';
import { FakeUpstream } from './support/upstream.js';

/** `FC_RUNS=500` for a deeper search; the default keeps the suite at a few seconds. */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 40);
type Card = ModelCard & Record<string, unknown>;

// --- Generators ----------------------------------------------------------------------------------

const CAPABILITIES = CARD_FLAGS.map((flag) => flag.slice('supports_'.length));
const PROVIDERS = ['openai', 'anthropic', 'all'] as const;
const document = fixtureDocument();
const idsOf = (provider: string) =>
  Object.keys(document).filter((id) => document[id]?.litellm_provider === provider && !id.startsWith('ft:'));
const TARGETS = [...idsOf('openai'), ...idsOf('anthropic')];

/** One condition of a filter, as a query fragment. */
const condition = (allProviders: boolean) =>
  fc.oneof(
    fc.subarray(CAPABILITIES, { minLength: 1, maxLength: 3 }).map((names) => `supports=${names.join(',')}`),
    fc
      .oneof(fc.constantFrom(0, 1, 8192, 100_000, 128_000, 200_000, 400_000, 1_000_000), fc.nat(2_000_000))
      .map((n) => `min_context=${n}`),
    fc.constantFrom('chat', 'responses').map((mode) => `mode=${mode}`),
    ...(allProviders
      ? [fc.constantFrom('openai', 'anthropic', 'azure', 'bedrock', 'custom').map((p) => `provider=${p}`)]
      : []),
  );

/** A filter: conditions of distinct kinds (a scalar filter may be given once), in any order. */
const filterArb = (allProviders: boolean) =>
  fc.uniqueArray(condition(allProviders), {
    maxLength: 4,
    selector: (part) => part.slice(0, part.indexOf('=')),
  });

const pattern = fc.oneof(
  fc.constantFrom(...TARGETS),
  fc.constantFrom(...TARGETS).map((id) => `${id.slice(0, 5)}*`),
  fc.constantFrom('*', '*mini*', '/^o\\d/', 'gpt-?', '*-20??-*', 'claude-*'),
);
const flags = fc.dictionary(fc.constantFrom(...CARD_FLAGS), fc.boolean(), { maxKeys: 3 });
const limits = fc.record(
  { max_input_tokens: fc.nat(2_000_000), context_length: fc.nat(2_000_000) },
  { requiredKeys: [] },
);
const rulesArb = fc.record(
  {
    include: fc.array(pattern, { maxLength: 3 }),
    exclude: fc.array(pattern, { maxLength: 3 }),
    overrides: fc.dictionary(
      pattern,
      fc.tuple(flags, limits).map(([f, l]) => ({ ...f, ...l })),
      { maxKeys: 3 },
    ),
    extra: fc.uniqueArray(
      fc
        .tuple(fc.integer({ min: 0, max: 9 }), flags, limits, fc.constantFrom('chat', 'responses'))
        .map(([n, f, l, mode]) => ({ id: `house-${n}`, mode, ...f, ...l })),
      { maxLength: 3, selector: (model) => model.id },
    ),
    aliases: fc.dictionary(
      fc.integer({ min: 0, max: 9 }).map((n) => `alias-${n}`),
      fc.oneof(fc.constantFrom(...TARGETS), fc.constantFrom('house-0', 'house-1', 'no-such-model')),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: [] },
);

const routerArb = fc.record({ provider: fc.constantFrom(...PROVIDERS), rules: rulesArb });
/** A router and a filter it takes (`provider` only under `all`). */
const withFilter = routerArb.chain((router) =>
  fc.tuple(fc.constant(router), filterArb(router.provider === 'all')),
);

// --- The router under test, swapped per run behind one server -------------------------------------

describe('list filter properties', () => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let server: Server;
  let base: string;
  let current: ModelsRouter | undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const errors: unknown[] = [];

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
    catalog = fixtureCatalog(upstream.url);
    await catalog.get();
    const app = express();
    app.use('/v1', (req, res, next) => (current as ModelsRouter)(req, res, next));
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      res.status(500).end();
    });
    server = http.createServer(app);
    base = await listen(server);
  });

  afterAll(async () => {
    agent.destroy();
    await closeServer(server);
    await current?.close();
    await catalog.close();
    await upstream.stop();
  });

  const use = async (options: Omit<ModelsRouterOptions, 'catalog'>): Promise<void> => {
    await current?.close();
    current = modelsRouter({ catalog, format: 'openai', ...options });
  };
  const get = async (path: string): Promise<{ status: number; body: unknown; etag: unknown }> => {
    const res = await send(base, { method: 'GET', path }, agent);
    if (res === undefined) throw new Error(`node:http refused ${path}`);
    return { status: res.status, body: JSON.parse(res.body.toString('utf8')), etag: res.headers.etag };
  };
  const list = async (conditions: readonly string[]): Promise<Card[]> => {
    const res = await get(`/v1/models${conditions.length === 0 ? '' : `?${conditions.join('&')}`}`);
    expect(res.status).toBe(200);
    return (res.body as { data: Card[] }).data;
  };
  /** Does the card meet one condition (read from the wire, not from the router's code)? */
  const meets = (card: Card, part: string): boolean => {
    const [name, value = ''] = part.split('=');
    if (name === 'supports') return value.split(',').every((cap) => card[`supports_${cap}`] === true);
    if (name === 'min_context') return (card.max_input_tokens ?? card.context_length ?? -1) >= Number(value);
    if (name === 'mode') return (card.mode ?? 'chat') === value;
    return card.owned_by === value;
  };
  const expectSubsequence = (narrow: readonly Card[], wide: readonly Card[]): void => {
    const byId = new Map(wide.map((card, index) => [card.id, { card, index }]));
    let last = -1;
    for (const card of narrow) {
      const found = byId.get(card.id);
      expect(found, `${card.id} is not in the wider list`).toBeDefined();
      expect(card).toEqual(found?.card);
      expect(found?.index ?? -1).toBeGreaterThan(last);
      last = found?.index ?? last;
    }
  };

  it('a filter never widens the list, keeps the cards as they are, and keeps only what it asks for', async () => {
    await fc.assert(
      fc.asyncProperty(withFilter, fc.boolean(), async ([{ provider, rules }, conditions], withRules) => {
        await use({ provider, ...(withRules ? rules : {}) });
        const plain = await list([]);
        const filtered = await list(conditions);
        expectSubsequence(filtered, plain);
        for (const card of filtered)
          for (const part of conditions) expect(meets(card, part), part).toBe(true);
        // Every card it leaves out fails a condition: it drops nothing it was not asked to.
        const kept = new Set(filtered.map((card) => card.id));
        for (const card of plain)
          if (!kept.has(card.id)) expect(conditions.some((part) => !meets(card, part))).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(errors).toEqual([]);
  });

  it('adding a condition never widens the list, in whatever order the query names them', async () => {
    await use({ provider: 'all' });
    await fc.assert(
      fc.asyncProperty(
        filterArb(true).chain((parts) =>
          fc.tuple(fc.constant(parts), fc.shuffledSubarray(parts, { minLength: parts.length })),
        ),
        async ([parts, shuffled]) => {
          let wider = await list([]);
          for (let i = 1; i <= parts.length; i++) {
            const narrower = await list(parts.slice(0, i));
            expectSubsequence(narrower, wider);
            wider = narrower;
          }
          // The same conditions in another order are the same list, with the same ETag.
          const a = await get(`/v1/models?${parts.join('&')}`);
          const b = await get(`/v1/models?${shuffled.join('&')}`);
          expect(b.etag).toBe(a.etag);
          expect(b.body).toEqual(a.body);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('every listed id, plain or filtered, with or without rules, retrieves the card the list shows', async () => {
    let retrieved = 0;
    let aliasesSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        routerArb.filter(({ provider }) => provider !== 'all'),
        fc.oneof(fc.constant([]), filterArb(false)),
        async ({ provider, rules }, conditions) => {
          await use({ provider, ...rules });
          const listed = await list(conditions);
          retrieved += listed.length;
          if (listed.some((card) => card.description?.startsWith('Alias of '))) aliasesSeen++;
          for (const card of listed) {
            const one = await get(`/v1/models/${encodeURIComponent(card.id)}`);
            expect(one.status, card.id).toBe(200);
            expect(one.body).toEqual(card);
          }
        },
      ),
      // Besides the random runs, one that surely lists an alias (so the check below is not luck).
      {
        numRuns: NUM_RUNS,
        examples: [[{ provider: 'openai', rules: { aliases: { 'alias-0': 'gpt-4o' } } }, []]],
      },
    );
    // Not vacuous: the runs retrieved models, aliases among them.
    expect(retrieved).toBeGreaterThan(NUM_RUNS);
    expect(aliasesSeen).toBeGreaterThan(0);
    // Under `all` (2279 models), the filtered lists of one provider.
    await use({
      provider: 'all',
      aliases: { latest: 'gpt-5' },
      extra: [{ id: 'house', supports_vision: true }],
    });
    for (const query of [['provider=anthropic'], ['provider=openai', 'supports=vision'], ['provider=all']]) {
      for (const card of await list(query)) {
        const one = await get(`/v1/models/${encodeURIComponent(card.id)}`);
        expect(one.body).toEqual(card);
      }
    }
    expect(errors).toEqual([]);
  });
});

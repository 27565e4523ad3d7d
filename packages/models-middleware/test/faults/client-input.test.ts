import http, { type Server } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { type ModelsRouter, modelsRouter } from '../../src/router.js';
import { IGNORED_PARAMETERS } from '../../src/view/list-filter.js';
import { EXPRESS_VERSIONS } from '../support/app.js';
import { fixtureBytes } from '../support/fixture.js';
import { closeServer, listen, type RawRequest, type RawResponse, send } from '../support/http.js';
import { fixtureCatalog } from '../support/rig.js';
import { FakeUpstream } from '../support/upstream.js';

/** `FC_RUNS=5000` for a deeper search; 300 keeps the suite fast. */
const NUM_RUNS = Number(process.env.FC_RUNS ?? 300);
const KNOWN_IDS = [
  'gpt-4.1',
  'gpt-5-codex',
  'claude-opus-4-1',
  'claude-sonnet-4-5-20250929',
  'openai/container',
  'anthropic.claude-3-5-sonnet-20241022-v2:0',
];
/** What the router owns: GET and HEAD on `/models`, `/models/` and `/models/<anything>`. */
const BASES = ['/v1', '/claude/v1'] as const;
const METHODS = http.METHODS.filter((method) => method !== 'CONNECT');

// --- Generators: only what a client could put on the wire. --------------------------------------

/** RFC 3986 pchar, `/` and a bare `%` (so malformed escapes come up). */
const PATH_CHARS = "ABCXYZabcxyz0189-._~!$&'()*+,;=:@/%";
const pathSafe = (max: number) =>
  fc.string({ unit: fc.constantFrom(...PATH_CHARS.split('')), maxLength: max });
/** Header values: visible ASCII, space, tab and obs-text (0x80-0xff), as node:http allows. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
const headerValue = fc.string({ unit: headerChar.map((code) => String.fromCharCode(code)), maxLength: 200 });

const id = fc.oneof(
  fc.constantFrom(...KNOWN_IDS),
  fc.constantFrom(...KNOWN_IDS).map(encodeURIComponent),
  fc.string({ maxLength: 60 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  pathSafe(60),
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '..', '.', '%2e%2e', '__proto__', 'constructor', 'toString'),
  fc.string({ unit: fc.constantFrom('a', '%41', '/'), minLength: 500, maxLength: 4000 }),
);

const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('limit', 'after_id', 'before_id', 'lifecycle', 'lifecycle[]') },
  { weight: 2, arbitrary: fc.constantFrom('supports', 'min_context', 'mode', 'provider') },
  { weight: 1, arbitrary: fc.constantFrom('limit[]', 'limit[a]', '__proto__', 'constructor', 'LIMIT', '') },
  { weight: 1, arbitrary: pathSafe(12) },
);
const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -5, max: 1005 }).map(String),
  fc.bigInt().map(String),
  fc.double().map(String),
  fc.constantFrom(
    '',
    '0',
    '1',
    '20',
    '1000',
    '1001',
    '-1',
    '1e3',
    '0x10',
    '+5',
    '%205',
    '20.0',
    'NaN',
    'Infinity',
    'active',
    'deprecated',
    'retired',
    'vision',
    'vision,function_calling',
    'reasoning,,',
    'chat',
    'responses',
    '100000',
  ),
  fc.constantFrom(...KNOWN_IDS).map(encodeURIComponent),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: fc.constantFrom('9', '0'), minLength: 300, maxLength: 3000 }),
  pathSafe(40),
);
const query = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(queryKey, fc.option(queryValue, { nil: undefined })), { maxLength: 6 })
      .map((pairs) => pairs.map(([key, value]) => (value === undefined ? key : `${key}=${value}`)).join('&')),
  },
  { weight: 1, arbitrary: fc.constantFrom('&&', '=', '?', 'limit', 'limit=1&limit=2', 'after_id&before_id') },
);

const route = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/models', '/models/') },
  { weight: 4, arbitrary: id.map((value) => `/models/${value}`) },
  { weight: 1, arbitrary: fc.constantFrom('/modelsX', '/models.json', '/model', '/MODELS', '/') },
);

const headers = fc.record(
  {
    'anthropic-version': fc.oneof(fc.constant('2023-06-01'), headerValue),
    'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"a", "b"', '""', ','), headerValue),
    'anthropic-beta': headerValue,
    'x-api-key': headerValue,
    authorization: headerValue.map((value) => `Bearer ${value}`),
    accept: fc.constantFrom('application/json', '*/*', 'text/html', ''),
  },
  { requiredKeys: [] },
);

const requestArb = fc.record({
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD') },
    { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
  ),
  base: fc.constantFrom(...BASES),
  route,
  query: fc.option(query, { nil: undefined }),
  headers,
});

type Generated = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

// --- Expectations. --------------------------------------------------------------------------------

function ownedByRouter(req: Generated): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return req.route === '/models' || req.route.startsWith('/models/');
}

/** The OpenAI list refuses a query naming anything but its filters and the parameters it ignores. */
function namesFilters(query: string | undefined): boolean {
  return [...new URLSearchParams(query ?? '').keys()].some(
    (name) => name !== '' && !IGNORED_PARAMETERS.has(name),
  );
}

function expectAnthropicError(body: unknown): void {
  expect(body).toEqual({
    type: 'error',
    error: { type: expect.any(String), message: expect.any(String) },
  });
}

function expectOpenAIError(body: unknown): void {
  expect(body).toEqual({
    error: {
      message: expect.any(String),
      type: expect.any(String),
      param: expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
      code: expect.toSatisfy((value: unknown) => value === null || typeof value === 'string'),
    },
  });
}

function check(req: Generated, res: RawResponse): void {
  expect(res.status).toBeLessThan(500);
  if (!ownedByRouter(req)) {
    expect(res.status).toBe(404);
    if (req.method !== 'HEAD') expect(JSON.parse(res.body.toString('utf8'))).toEqual({ fellThrough: true });
    return;
  }
  const anthropic = req.headers['anthropic-version'] !== undefined;
  expect([200, 304, 400, 404]).toContain(res.status);
  const isList = req.route === '/models' || req.route === '/models/';
  if (res.status === 400) expect(anthropic || (isList && namesFilters(req.query))).toBe(true);
  if (res.status !== 304) expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  if (req.method === 'HEAD' || res.status === 304) {
    expect(res.body.length).toBe(0);
    return;
  }
  const body: unknown = JSON.parse(res.body.toString('utf8'));
  if (res.status >= 400) {
    expect(res.headers['cache-control']).toBe('no-store');
    if (anthropic) expectAnthropicError(body);
    else expectOpenAIError(body);
    return;
  }
  if (!isList) {
    expect(typeof (body as { id?: unknown }).id).toBe('string');
    return;
  }
  const list = body as { object?: unknown; data?: unknown[]; has_more?: unknown };
  expect(Array.isArray(list.data)).toBe(true);
  if (anthropic) expect(typeof list.has_more).toBe('boolean');
  else expect(list.object).toBe('list');
  // Only a cursor, a lifecycle or a list filter can legitimately give an empty page.
  if (
    !/(after_id|before_id|lifecycle(\[\])?)=/.test(req.query ?? '') &&
    (anthropic || !namesFilters(req.query))
  )
    expect(list.data?.length).toBeGreaterThan(0);
}

describe.each(EXPRESS_VERSIONS)('client input on %s', (_name, makeApp) => {
  let upstream: FakeUpstream;
  let catalog: Catalog;
  let routers: ModelsRouter[];
  let server: Server;
  let base: string;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const errors: unknown[] = [];

  beforeAll(async () => {
    upstream = await new FakeUpstream(fixtureBytes()).start();
    catalog = fixtureCatalog(upstream.url);
    routers = [
      modelsRouter({ provider: 'openai', catalog, fallback: [{ id: 'gpt-fallback' }] }),
      modelsRouter({ provider: 'anthropic', catalog, fallback: [{ id: 'claude-fallback' }] }),
    ];
    const app = makeApp();
    app.use(BASES[0], routers[0] as ModelsRouter);
    app.use(BASES[1], routers[1] as ModelsRouter);
    const fallThrough: RequestHandler = (_req, res) => {
      res.status(404).json({ fellThrough: true });
    };
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err);
      res.status(500).json({ error: String(err) });
    };
    app.use(fallThrough);
    app.use(onError);
    server = http.createServer(app);
    base = await listen(server);
    await catalog.get();
  });

  afterAll(async () => {
    agent.destroy();
    await closeServer(server);
    for (const router of routers) await router.close();
    await catalog.close();
    await upstream.stop();
  });

  it('never answers 5xx, always answers 4xx in the format the request asked for, and keeps serving', async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (generated) => {
        const raw: RawRequest = {
          method: generated.method,
          path: `${generated.base}${generated.route}${generated.query === undefined ? '' : `?${generated.query}`}`,
          headers: generated.headers as Record<string, string>,
        };
        const res = await send(base, raw, agent);
        if (res === undefined) return;
        sent++;
        check(generated, res);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(sent).toBeGreaterThan(NUM_RUNS * 0.9);
    expect(errors).toEqual([]);
    const after = await send(base, { method: 'GET', path: '/v1/models' });
    expect(after?.status).toBe(200);
    expect(JSON.parse(after?.body.toString('utf8') ?? '{}').data.length).toBeGreaterThan(0);
  });

  it.each([
    ['a 4000-digit limit', `/claude/v1/models?limit=${'9'.repeat(4000)}`],
    ['a limit of -0', '/claude/v1/models?limit=-0'],
    ['fifty repeated after_id', `/claude/v1/models?${'after_id=claude-opus-4-1&'.repeat(50)}`],
    ['a malformed escape in the query', '/claude/v1/models?after_id=%E0%A4%A'],
    ['a NUL in a cursor', '/claude/v1/models?before_id=%00'],
    ['an unknown lifecycle', '/claude/v1/models?lifecycle=gone'],
    ['four lifecycle values', `/claude/v1/models?${'lifecycle=active&'.repeat(4)}`],
  ])('answers %s with a 400 in the Anthropic format', async (_name, path) => {
    const res = await send(base, { method: 'GET', path, headers: { 'anthropic-version': '2023-06-01' } });
    expect(res?.status).toBe(400);
    expectAnthropicError(JSON.parse(res?.body.toString('utf8') ?? ''));
  });
});

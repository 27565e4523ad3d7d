/**
 * The catalog page (`GET /`) in a real browser: Debian's chromium driven by playwright-core,
 * against the demo server on 127.0.0.1:0 over the fake LiteLLM upstream. Every expectation about
 * rows is computed here from the API's own cards, never from the page's code.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_PAGE_CSP } from '../src/catalog-page.js';
import { type RunningServer, startServer } from '../src/server.js';
import { tempDirs, testConfig } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes } from './support/fixture.js';
import { closedPortUrl, FakeUpstream, openaiModelList } from './support/upstream.js';

/** Debian's chromium; the tests never download a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core');
const OUTPUT_DIR = fileURLToPath(new URL('./output/', import.meta.url));
const SECRET = 'page-test-secret';
const PLUGINS = ['codex', 'claude_api'] as const;
type PluginName = (typeof PLUGINS)[number];

interface Card {
  readonly id: string;
  readonly created: number;
  readonly deprecation_date?: string;
  readonly context_length?: number;
  readonly max_input_tokens?: number;
  readonly pricing?: { readonly prompt?: string; readonly completion?: string };
  readonly [flag: `supports_${string}`]: boolean | undefined;
}

let upstream: FakeUpstream;
let browser: Browser;
let healthy: RunningServer;
let degraded: RunningServer;
/** Each plugin's cards as the API lists them (OpenAI format, the API's order). */
const api = {} as Record<PluginName, Card[]>;
const dirs = tempDirs();
const contexts: BrowserContext[] = [];

async function start(url: string, env: Record<string, string>, refreshSecret: string | null) {
  const config = testConfig(url, await dirs.make(), { SERVER__PORT: '0', ...env });
  const running = await startServer(config, {
    logger: pino({ level: 'silent' }),
    clock: fixedClock,
    refreshSecret,
  });
  await running.ready;
  return running;
}

async function cardsOf(server: RunningServer, mount: string): Promise<Card[]> {
  const res = await fetch(`${server.url}${mount}/models`);
  return ((await res.json()) as { data: Card[] }).data;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (\`apt-get install -y chromium\`, as .ci/run does) or set CHROMIUM_PATH; the browser tests never download a browser`,
    );
  }
  upstream = await new FakeUpstream(fixtureBytes()).start();
  [browser, healthy, degraded] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
    start(upstream.url, {}, SECRET),
    // codex: upstream unreachable, so the shipped snapshot; claude_api: built-in cards only.
    start(await closedPortUrl(), { PLUGINS__CLAUDE_API__DYNAMIC_MODELS_ENABLED: 'false' }, null),
  ]);
  api.codex = await cardsOf(healthy, '/codex/v1');
  api.claude_api = await cardsOf(healthy, '/claude/v1');
});

afterAll(async () => {
  await Promise.all([browser?.close(), healthy?.close(), degraded?.close(), upstream?.stop()]);
  await dirs.cleanup();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

interface OpenedPage {
  readonly page: Page;
  /** Console errors and warnings, uncaught page errors, failed or 4xx/5xx requests. */
  readonly problems: string[];
}

async function open(
  server: { readonly url: string },
  options: {
    colorScheme?: 'light' | 'dark';
    width?: number;
    clipboard?: boolean;
    axe?: boolean;
    /** Where the page is, under the server's URL. @default '/' */
    path?: string;
  } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    // The page's CSP refuses the inline script addScriptTag injects axe-core with; every other
    // test keeps the CSP on, so a page that broke it would fail those.
    bypassCSP: options.axe === true,
  });
  contexts.push(context);
  if (options.clipboard === true) {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${server.url}${options.path ?? '/'}`);
  await page.locator('html[data-state="ready"]').waitFor({ state: 'attached' });
  return { page, problems };
}

/** The ids of a plugin's rows, top to bottom. */
function rowIds(page: Page, plugin: PluginName): Promise<string[]> {
  return page
    .locator(`section.plugin[data-plugin="${plugin}"] tbody tr`)
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id') ?? ''));
}

async function allRowIds(page: Page): Promise<Record<PluginName, string[]>> {
  const [codex, claude] = await Promise.all(PLUGINS.map((plugin) => rowIds(page, plugin)));
  return { codex: codex ?? [], claude_api: claude ?? [] };
}

function expectedIds(keep: (card: Card) => boolean): Record<PluginName, string[]> {
  return {
    codex: api.codex.filter(keep).map((card) => card.id),
    claude_api: api.claude_api.filter(keep).map((card) => card.id),
  };
}

/** Unknown values last in both directions; ties keep the API's order. */
function sortedIds(
  cards: readonly Card[],
  value: (card: Card) => number | undefined,
  sign: 1 | -1,
): string[] {
  const known = cards.filter((card) => value(card) !== undefined);
  const unknown = cards.filter((card) => value(card) === undefined);
  const ordered = known
    .map((card, index) => ({ card, index }))
    .sort((a, b) => ((value(a.card) as number) - (value(b.card) as number)) * sign || a.index - b.index);
  return [...ordered.map(({ card }) => card.id), ...unknown.map((card) => card.id)];
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_PATH });
  const violations = (await page.evaluate('axe.run(document).then((result) => result.violations)')) as Array<{
    id: string;
    nodes: Array<{ target: string[] }>;
  }>;
  return violations.map(
    (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
}

/**
 * A reverse proxy serving `target` under `prefix` (as nginx's `location /prefix/ { proxy_pass
 * http://target/; }` would), refusing everything outside it: the page must find its API there.
 */
async function prefixProxy(target: string, prefix: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith(`${prefix}/`)) {
      res.writeHead(404).end();
      return;
    }
    const upstream = http.request(
      `${target}${path.slice(prefix.length)}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('GET / (the catalog page)', () => {
  it('is served with a CSP the page satisfies, revalidated on every load, and 404s stay JSON', async () => {
    const res = await fetch(`${healthy.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(CATALOG_PAGE_CSP);
    expect(CATALOG_PAGE_CSP).toContain("script-src 'self'");
    expect(res.headers.get('etag')).toBeTruthy();
    // Not fetch(): a conditional fetch() adds `Cache-Control: no-cache`, which forbids a 304.
    await request(healthy.url)
      .get('/')
      .set('If-None-Match', String(res.headers.get('etag')))
      .expect(304);
    const script = await fetch(`${healthy.url}/catalog-page.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const missing = await fetch(`${healthy.url}/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('loads with no console error and lists exactly the API cards of each plugin, in its order', async () => {
    expect(api.codex).toHaveLength(EXPECTED.openai);
    expect(api.claude_api).toHaveLength(EXPECTED.anthropic);
    const { page, problems } = await open(healthy);
    expect(await allRowIds(page)).toEqual(expectedIds(() => true));
    expect(await page.locator('#summary').textContent()).toBe(
      `Showing ${EXPECTED.openai + EXPECTED.anthropic} of ${EXPECTED.openai + EXPECTED.anthropic} models.`,
    );
    const codex = page.locator('li.catalog[data-plugin="codex"]');
    expect(await codex.locator('[data-field="listed"]').textContent()).toBe(String(EXPECTED.openai));
    expect(await codex.locator('[data-field="source"]').textContent()).toBe('upstream');
    expect(await codex.locator('[data-field="error"]').textContent()).toBe('none');
    expect(await page.locator('.banner').count()).toBe(0);
    // A price the API gives in USD per token, shown per million tokens, exactly.
    const priced = api.codex.find((card) => card.pricing?.prompt === '0.0000015');
    expect(priced).toBeDefined();
    const cell = page.locator(`tr[data-id="${priced?.id}"] td`).nth(2);
    expect(await cell.textContent()).toMatch(/^\$1\.50/);
    expect(problems).toEqual([]);
  });

  it('works behind a reverse proxy that serves the demo under a path prefix', async () => {
    const proxy = await prefixProxy(healthy.url, '/models-admin');
    try {
      const { page, problems } = await open(proxy, { path: '/models-admin/' });
      expect(await allRowIds(page)).toEqual(expectedIds(() => true));
      expect(await page.locator('.banner').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('search narrows every plugin to the ids holding the text, any case', async () => {
    const { page, problems } = await open(healthy);
    for (const text of ['MINI', 'sonnet', 'gpt-4o']) {
      await page.getByLabel('Search ids').fill(text);
      const expected = expectedIds((card) => card.id.includes(text.toLowerCase()));
      expect(expected.codex.length + expected.claude_api.length).toBeGreaterThan(0);
      expect(await allRowIds(page)).toEqual(expected);
    }
    await page.getByLabel('Search ids').fill('no-such-model');
    expect(await allRowIds(page)).toEqual({ codex: [], claude_api: [] });
    expect(await page.locator('.empty').count()).toBe(2);
    await page.getByLabel('Search ids').fill('');
    expect(await allRowIds(page)).toEqual(expectedIds(() => true));
    expect(problems).toEqual([]);
  });

  it('each capability filter, toggled from the keyboard, keeps exactly the cards with that flag', async () => {
    const { page, problems } = await open(healthy);
    const filters = [
      ['Vision', 'supports_vision'],
      ['Tools', 'supports_function_calling'],
      ['Reasoning', 'supports_reasoning'],
      ['Prompt caching', 'supports_prompt_caching'],
      ['PDF input', 'supports_pdf_input'],
    ] as const;
    for (const [label, flag] of filters) {
      const box = page.getByRole('checkbox', { name: label });
      await box.focus();
      await page.keyboard.press('Space');
      expect(await box.isChecked()).toBe(true);
      const expected = expectedIds((card) => card[flag] === true);
      const kept = expected.codex.length + expected.claude_api.length;
      // The filter must really narrow (and keep something), or this test could not fail.
      expect(kept, label).toBeGreaterThan(0);
      expect(kept, label).toBeLessThan(api.codex.length + api.claude_api.length);
      expect(await allRowIds(page), label).toEqual(expected);
      await page.keyboard.press('Space');
    }
    // Filters combine with each other and with the search.
    await page.getByRole('checkbox', { name: 'Reasoning' }).check();
    await page.getByRole('checkbox', { name: 'PDF input' }).check();
    await page.getByLabel('Search ids').fill('5');
    expect(await allRowIds(page)).toEqual(
      expectedIds(
        (card) =>
          card.supports_reasoning === true && card.supports_pdf_input === true && card.id.includes('5'),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('sort buttons order the rows (unknown values last), set aria-sort, and a third press restores the API order', async () => {
    const { page, problems } = await open(healthy);
    const table = page.locator('section.plugin[data-plugin="codex"]');
    const context = (card: Card) => card.context_length ?? card.max_input_tokens;
    const header = table.locator('th', { has: page.getByRole('button', { name: /^Context/ }) });

    await table.getByRole('button', { name: /^Context/ }).focus();
    await page.keyboard.press('Enter');
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    expect(await rowIds(page, 'codex')).toEqual(sortedIds(api.codex, context, 1));
    // Both plugins follow the one sort state.
    expect(await rowIds(page, 'claude_api')).toEqual(sortedIds(api.claude_api, context, 1));

    // Focus survives the re-render, so the same key press goes on.
    await page.keyboard.press('Enter');
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect(await rowIds(page, 'codex')).toEqual(sortedIds(api.codex, context, -1));

    await page.keyboard.press('Enter');
    expect(await header.getAttribute('aria-sort')).toBe('none');
    expect(await rowIds(page, 'codex')).toEqual(api.codex.map((card) => card.id));

    const price = (card: Card) =>
      card.pricing?.completion === undefined ? undefined : Number(card.pricing.completion);
    await table.getByRole('button', { name: /^Output \$/ }).click();
    await table.getByRole('button', { name: /^Output \$/ }).click();
    expect(await rowIds(page, 'codex')).toEqual(sortedIds(api.codex, price, -1));
    const released = (card: Card) => (card.created > 0 ? card.created : undefined);
    await table.getByRole('button', { name: /^Released/ }).click();
    expect(await rowIds(page, 'claude_api')).toEqual(sortedIds(api.claude_api, released, 1));
    expect(await table.locator('th[aria-sort="ascending"]').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('shows a banner for a degraded catalog: the snapshot after an upstream failure, fallback cards', async () => {
    const { page } = await open(degraded, { axe: true });
    const codex = page.locator('.banner[data-plugin="codex"]');
    expect(await codex.textContent()).toMatch(/snapshot.*ECONNREFUSED/);
    const claude = page.locator('.banner[data-plugin="claude_api"]');
    expect(await claude.textContent()).toContain('built-in fallback models only');
    const health = (await (await fetch(`${degraded.url}/health`)).json()) as {
      plugins: Record<PluginName, { listed: number }>;
    };
    const codexCards = await cardsOf(degraded, '/codex/v1');
    expect(codexCards.length).toBe(health.plugins.codex.listed);
    expect(await rowIds(page, 'codex')).toEqual(codexCards.map((card) => card.id));
    expect(await rowIds(page, 'claude_api')).toEqual(
      (await cardsOf(degraded, '/claude/v1')).map((card) => card.id),
    );
    expect(await page.locator('li.catalog[data-plugin="codex"] [data-field="error"]').textContent()).toMatch(
      /ECONNREFUSED/,
    );
    // No secret configured: no refresh button.
    expect(await page.locator('#refresh').isHidden()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
  });

  it("shows each plugin's provider list: its size when it works, a banner when it fails", async () => {
    const provider = await new FakeUpstream(openaiModelList('gpt-4o')).start();
    const server = await start(
      upstream.url,
      {
        PLUGINS__CODEX__AVAILABILITY__URL: provider.url,
        PLUGINS__CLAUDE_API__AVAILABILITY__URL: await closedPortUrl(),
      },
      null,
    );
    try {
      const { page } = await open(server);
      expect(await rowIds(page, 'codex')).toEqual(['gpt-4o']);
      const field = (plugin: PluginName) =>
        page.locator(`li.catalog[data-plugin="${plugin}"] [data-field="availability"]`).textContent();
      expect(await field('codex')).toBe('ok · 1 id');
      expect(await page.locator('.banner[data-plugin="codex"]').count()).toBe(0);
      expect(await field('claude_api')).toBe('failed');
      expect(await page.locator('.banner[data-plugin="claude_api"]').textContent()).toMatch(
        /provider's model list failed \(.*ECONNREFUSED.*\); LiteLLM's list is shown/,
      );
      // LiteLLM's list stands in for the list that failed.
      expect(await rowIds(page, 'claude_api')).toEqual(api.claude_api.map((card) => card.id));
    } finally {
      await Promise.all([server.close(), provider.stop()]);
    }
  });

  it.each([
    ['light', 1280],
    ['dark', 1280],
    ['light', 390],
    ['dark', 390],
  ] as const)('has no axe-core violation: %s, %i px wide', async (colorScheme, width) => {
    const { page, problems } = await open(healthy, { colorScheme, width, axe: true });
    // With the refresh form open, so its controls are checked too.
    await page.getByRole('button', { name: 'Refresh catalogs…' }).click();
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('the copy button puts the id on the clipboard', async () => {
    const { page, problems } = await open(healthy, { clipboard: true });
    const id = api.claude_api[0]?.id ?? '';
    await page.locator(`tr[data-id="${id}"] button.copy`).click();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(id);
    expect(await page.locator('#announcer').textContent()).toBe(`Copied ${id}.`);
    expect(await page.locator(`tr[data-id="${id}"] button.copy`).textContent()).toBe(`Copied ${id}`);
    expect(problems).toEqual([]);
  });

  it('the refresh button asks for the secret, refuses a wrong one, and refreshes with the right one', async () => {
    const { page } = await open(healthy);
    const before = upstream.count;
    await page.getByRole('button', { name: 'Refresh catalogs…' }).click();
    const secret = page.getByLabel('Refresh secret');
    await secret.fill('wrong');
    await page.getByRole('button', { name: 'Refresh now' }).click();
    await page.getByText('Refresh refused: wrong secret.').waitFor();
    expect(upstream.count).toBe(before);

    await secret.fill(SECRET);
    await page.getByRole('button', { name: 'Refresh now' }).click();
    const result = page.locator('#refresh-result');
    await page.getByText(/^Refreshed\./).waitFor();
    // The two plugins share one catalog: one upstream request, the second path reuses its report.
    expect(await result.textContent()).toBe(
      'Refreshed. codex: unchanged; claude_api: unchanged (a refresh had just run).',
    );
    expect(upstream.count).toBe(before + 1);
    expect(await secret.inputValue()).toBe('');
    await page.locator('html[data-state="ready"]').waitFor({ state: 'attached' });
  });

  it("shows each card's deprecation date as a badge, and the catalog's age, by the clock the API uses", async () => {
    // An earlier date, when models since deprecated were still listed; the browser's clock agrees.
    const early = Date.parse('2025-06-01T12:00:00Z');
    let now = early;
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    const server = await startServer(config, {
      logger: pino({ level: 'silent' }),
      clock: { now: () => now },
    });
    try {
      await server.ready;
      now += 5 * 60_000;
      const cards = [...(await cardsOf(server, '/codex/v1')), ...(await cardsOf(server, '/claude/v1'))];
      const dated = cards.filter((card) => typeof card.deprecation_date === 'string');
      expect(dated.length).toBeGreaterThan(0);

      const context = await browser.newContext();
      contexts.push(context);
      await context.clock.setFixedTime(now);
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.locator('html[data-state="ready"]').waitFor({ state: 'attached' });
      const badges = await page.locator('tbody tr').evaluateAll((rows) =>
        rows.flatMap((row) => {
          const badge = row.querySelector('.badge');
          return badge === null ? [] : [`${row.getAttribute('data-id')}: ${badge.textContent}`];
        }),
      );
      expect(badges.sort()).toEqual(
        dated.map((card) => `${card.id}: deprecates ${card.deprecation_date}`).sort(),
      );
      expect(await page.locator('li.catalog[data-plugin="codex"] [data-field="age"]').textContent()).toBe(
        '5 min ago',
      );

      // Seen on a later day, the same cards are past their date.
      const later = await browser.newContext();
      contexts.push(later);
      await later.clock.setFixedTime(Date.parse('2030-01-01T00:00:00Z'));
      const laterPage = await later.newPage();
      await laterPage.goto(`${server.url}/`);
      await laterPage.locator('html[data-state="ready"]').waitFor({ state: 'attached' });
      expect(await laterPage.locator('.badge.deprecated').count()).toBe(dated.length);
      expect(await laterPage.locator('.badge.deprecating').count()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('writes a screenshot under test/output', async () => {
    await mkdir(OUTPUT_DIR, { recursive: true });
    const { page, problems } = await open(healthy, { width: 1280 });
    const file = `${OUTPUT_DIR}catalog-page.png`;
    await page.screenshot({ path: file, clip: { x: 0, y: 0, width: 1280, height: 1000 } });
    expect((await stat(file)).size).toBeGreaterThan(10_000);
    const phone = await open(healthy, { width: 390, colorScheme: 'dark' });
    await phone.page.screenshot({ path: `${OUTPUT_DIR}catalog-page-phone-dark.png` });
    const down = await open(degraded, { colorScheme: 'dark' });
    await down.page.screenshot({ path: `${OUTPUT_DIR}catalog-page-degraded-dark.png` });
    expect([...problems, ...phone.problems, ...down.problems]).toEqual([]);
  });
});

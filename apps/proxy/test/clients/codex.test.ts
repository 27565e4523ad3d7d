/**
 * The real Codex CLI (pinned in support/pinned.ts) against the demo's codex mount: `codex exec`
 * with `model_catalog_url` at `<mount>/models`, offline, its model call answered by a local
 * capture server. The judge of the instructions is Codex's own `/responses` request.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDirs } from '../support/env.js';
import { CODEX_KEY_ENV, writeCodexHome } from './support/codex-home.js';
import { SOURCE_ENTRIES, writeCodexModelsCache } from './support/codex-source.js';
import { type Demo, startDemo } from './support/demo.js';
import { EgressTrap } from './support/egress-trap.js';
import { clientBin } from './support/install.js';
import { CODEX } from './support/pinned.js';
import { firstDeveloperText, ResponsesCapture } from './support/responses-capture.js';
import { runClient } from './support/run.js';

const MODEL = 'gpt-5.3-codex';
const DECODE_FAILURE = 'failed to decode models response';

const dirs = tempDirs();
/** The demo with no Codex source: no models_cache.json in the CODEX_HOME it sees. */
let demo: Demo;
/** The demo whose CODEX_HOME holds a models_cache.json of {@link SOURCE_ENTRIES}. */
let sourced: Demo;
let capture: ResponsesCapture;
let trap: EgressTrap;

beforeAll(async () => {
  demo = await startDemo({ cacheDir: await dirs.make(), codexHome: await dirs.make() });
  const sourceHome = await dirs.make();
  await writeCodexModelsCache(join(sourceHome, 'models_cache.json'));
  sourced = await startDemo({ cacheDir: await dirs.make(), codexHome: sourceHome });
  capture = await new ResponsesCapture().start();
  trap = await new EgressTrap().start();
});
afterEach(() => {
  // Every run stays on 127.0.0.1: nothing may have tried the trap's way out.
  expect(trap.attempts).toEqual([]);
});
afterAll(async () => {
  await Promise.all([demo?.close(), sourced?.close(), capture?.stop(), trap?.stop()]);
  await dirs.cleanup();
});

interface CodexExec {
  readonly output: string;
  /** The first developer message of its one `/responses` call. */
  readonly instructions: string;
  readonly codexHome: string;
}

/** One `codex exec` turn in a fresh CODEX_HOME, with or without a `model_catalog_url`. */
async function codexExec(catalogUrl?: string): Promise<CodexExec> {
  const root = await dirs.make();
  const codexHome = await writeCodexHome(join(root, 'codex-home'), {
    model: MODEL,
    baseUrl: capture.baseUrl,
    ...(catalogUrl === undefined ? {} : { catalogUrl }),
  });
  const seen = capture.requests.length;
  const env = isolatedEnv(join(root, 'home'), {
    ...trap.env(),
    CODEX_HOME: codexHome,
    [CODEX_KEY_ENV]: 'sk-clients-suite',
  });
  const run = await runClient(clientBin(CODEX), ['exec', '--skip-git-repo-check', 'hi'], { env, cwd: root });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.code, output).toBe(0);
  const calls = capture.requests.slice(seen);
  const [call, ...more] = calls;
  if (call === undefined || more.length > 0)
    throw new Error(`expected one /responses call, got ${calls.length}: ${output}`);
  expect(call.model).toBe(MODEL);
  return { output, instructions: firstDeveloperText(call), codexHome };
}

async function codexCacheSlugs(codexHome: string): Promise<string[]> {
  const cache = JSON.parse(await readFile(join(codexHome, 'models_cache.json'), 'utf8'));
  return (cache.models as Array<{ slug: string }>).map((model) => model.slug);
}

function catalogRequests(): Demo['requests'] {
  return demo.requests.filter((request) => request.url.startsWith('/codex/v1/models'));
}

describe(`Codex CLI ${CODEX.version}`, () => {
  it('asks model_catalog_url for its list with its client version and originator', async () => {
    const before = catalogRequests().length;
    const run = await codexExec(`${demo.url}/codex/v1/models`);
    const asked = catalogRequests().slice(before);
    expect(asked.length, run.output).toBeGreaterThan(0);
    for (const request of asked) {
      expect(request.method).toBe('GET');
      expect(request.url).toBe(`/codex/v1/models?client_version=${CODEX.version}`);
      expect(request.headers.originator).toBe('codex_exec');
      expect(request.headers.authorization).toBe('Bearer sk-clients-suite');
      expect(request.headers['if-none-match']).toBeUndefined();
    }
  });

  it('without a Codex source on the proxy, keeps exactly the instructions of a run with no catalog', async () => {
    const without = await codexExec();
    const withCatalog = await codexExec(`${demo.url}/codex/v1/models`);
    // Codex's own prompt is long; an entry with empty or made-up instructions would replace it.
    expect(without.instructions.length).toBeGreaterThan(4000);
    expect(withCatalog.instructions).toBe(without.instructions);
  });

  it('decodes the catalog of a proxy without a Codex source', async () => {
    const run = await codexExec(`${demo.url}/codex/v1/models`);
    expect(run.output).not.toContain(DECODE_FAILURE);
    expect(await codexCacheSlugs(run.codexHome)).toEqual([]);
  });

  it("with a Codex source on the proxy, caches the source's slugs and uses the source's instructions", async () => {
    const run = await codexExec(`${sourced.url}/codex/v1/models`);
    expect(run.output).not.toContain(DECODE_FAILURE);
    expect((await codexCacheSlugs(run.codexHome)).sort()).toEqual(
      SOURCE_ENTRIES.map((entry) => entry.slug).sort(),
    );
    expect(run.instructions).toBe(SOURCE_ENTRIES.find((entry) => entry.slug === MODEL)?.instructions);
  });
});

/**
 * The Codex source as it really is: a `models_cache.json` written by Codex 0.171 itself (from a
 * fake upstream Codex catalog with made-up instructions), handed to the demo as its Codex source.
 * Measured: Codex writes each entry's instructions as `model_messages.instructions_template`
 * and leaves `base_instructions` out.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, tempDirs } from '../support/env.js';
import { CODEX_KEY_ENV, writeCodexHome } from './support/codex-home.js';
import { codexModelsBody, SOURCE_ENTRIES } from './support/codex-source.js';
import { type Demo, startDemo } from './support/demo.js';
import { EgressTrap } from './support/egress-trap.js';
import { clientBin } from './support/install.js';
import { CODEX } from './support/pinned.js';
import { firstDeveloperText, ResponsesCapture } from './support/responses-capture.js';
import { runClient } from './support/run.js';

const MODEL = 'gpt-5.3-codex';
const DECODE_FAILURE = 'failed to decode models response';

const dirs = tempDirs();
let upstreamCatalog: Server;
let capture: ResponsesCapture;
let trap: EgressTrap;
let sourced: Demo;

beforeAll(async () => {
  capture = await new ResponsesCapture().start();
  trap = await new EgressTrap().start();
  upstreamCatalog = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"client-suite"' });
    res.end(JSON.stringify(codexModelsBody()));
  });
  await new Promise<void>((resolve) => upstreamCatalog.listen(0, '127.0.0.1', resolve));
  const { port } = upstreamCatalog.address() as AddressInfo;
  // Codex itself writes the source the demo reads.
  const writer = await codexExec(`http://127.0.0.1:${port}/models`);
  const sourceHome = await dirs.make();
  await copyFile(join(writer.codexHome, 'models_cache.json'), join(sourceHome, 'models_cache.json'));
  sourced = await startDemo({ cacheDir: await dirs.make(), codexHome: sourceHome });
});
afterEach(() => {
  expect(trap.attempts).toEqual([]);
});
afterAll(async () => {
  upstreamCatalog?.closeAllConnections();
  await new Promise<void>((resolve) =>
    upstreamCatalog ? upstreamCatalog.close(() => resolve()) : resolve(),
  );
  await Promise.all([sourced?.close(), capture?.stop(), trap?.stop()]);
  await dirs.cleanup();
});

async function codexExec(
  catalogUrl: string,
): Promise<{ output: string; instructions: string; codexHome: string }> {
  const root = await dirs.make();
  const codexHome = await writeCodexHome(join(root, 'codex-home'), {
    model: MODEL,
    baseUrl: capture.baseUrl,
    catalogUrl,
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
  const [call, ...more] = capture.requests.slice(seen);
  if (call === undefined || more.length > 0) throw new Error(`expected one /responses call: ${output}`);
  return { output, instructions: firstDeveloperText(call), codexHome };
}

describe(`Codex CLI ${CODEX.version} with the models cache Codex wrote as the proxy's source`, () => {
  it("caches the source's slugs and uses the source's instructions", async () => {
    const run = await codexExec(`${sourced.url}/codex/v1/models`);
    expect(run.output).not.toContain(DECODE_FAILURE);
    const cache = JSON.parse(await readFile(join(run.codexHome, 'models_cache.json'), 'utf8'));
    expect((cache.models as Array<{ slug: string }>).map((model) => model.slug).sort()).toEqual(
      SOURCE_ENTRIES.map((entry) => entry.slug).sort(),
    );
    expect(run.instructions).toBe(SOURCE_ENTRIES.find((entry) => entry.slug === MODEL)?.instructions);
  });
});

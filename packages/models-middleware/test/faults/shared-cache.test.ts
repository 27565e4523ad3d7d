import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, createCatalog } from '../../src/catalog/catalog.js';
import { parseDocument } from '../../src/document.js';
import { fixtureBytes, fixtureDocument } from '../support/fixture.js';
import { memoryLogger } from '../support/logger.js';
import { tempDirs } from '../support/tmp.js';
import { FakeUpstream, type UpstreamHandler } from '../support/upstream.js';

const DIST = new URL('../../dist/index.js', import.meta.url);
const WORKER = new URL('../support/refresh-worker.mjs', import.meta.url);
/** Forced refreshes per child process (each parses in a fresh worker thread: a few hundred ms). */
const ROUNDS = 6;

interface Doc {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly version: string;
  readonly models: number;
}

const doc = (bytes: Buffer): Doc => {
  const models = parseDocument(bytes, 'test');
  const etag = `"${createHash('sha1').update(bytes).digest('hex')}"`;
  return { bytes, etag, version: models.version, models: models.cards.length };
};

/** Two valid documents, served in turn; a request that already holds the one due gets a 304. */
function alternating(docs: readonly [Doc, Doc]): UpstreamHandler {
  let turn = 0;
  return (req, res) => {
    const next = docs[turn++ % 2] as Doc;
    if (req.headers['if-none-match'] === next.etag) {
      res.writeHead(304, { ETag: next.etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ETag: next.etag,
      'Content-Length': next.bytes.length,
    });
    res.end(next.bytes);
  };
}

interface WorkerResult {
  readonly ok: number;
  readonly errors: string[];
  readonly disk: string;
  readonly models: number;
}

function runWorker(url: string, cacheDir: string, rounds: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(WORKER), [url, cacheDir, String(rounds)], {
      execArgv: [],
      silent: true,
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as WorkerResult);
    });
  });
}

describe('processes sharing one cache directory, all refreshing', () => {
  const dirs = tempDirs();
  let upstream: FakeUpstream;
  let docs: [Doc, Doc];

  beforeAll(async () => {
    const b = fixtureDocument();
    b['gpt-shared-cache-test'] = { litellm_provider: 'openai', mode: 'chat', max_input_tokens: 1000 };
    docs = [doc(fixtureBytes()), doc(Buffer.from(JSON.stringify(b)))];
    upstream = await new FakeUpstream(fixtureBytes()).start();
  });
  afterAll(async () => {
    await upstream.stop();
    await dirs.cleanup();
  });
  beforeEach(() => {
    upstream.handle = alternating(docs);
    upstream.requests.length = 0;
  });

  /** A catalog that starts from the disk alone reads one whole, valid document. */
  async function expectWholeDocument(cacheDir: string): Promise<void> {
    upstream.handle = (req) => req.socket.destroy();
    const logger = memoryLogger();
    const reader = createCatalog({ url: upstream.url, cacheDir, snapshot: false, logger });
    try {
      const result = await reader.get();
      expect(result.source).toBe('disk');
      const match = docs.find((d) => d.version === result.models.version);
      expect(match).toBeDefined();
      expect(result.models.cards).toHaveLength(match?.models ?? -1);
      expect(reader.status().disk).toBe('ok');
      expect(logger.at('warn').filter((line) => /disk cache/.test(line.msg ?? ''))).toEqual([]);
    } finally {
      await reader.close();
    }
  }

  it('two catalogs in one process: every refresh succeeds and the disk holds a whole document', async () => {
    const cacheDir = await dirs.make();
    const make = (): Catalog =>
      createCatalog({ url: upstream.url, cacheDir, snapshot: false, storeTimeoutMs: 10_000 });
    const catalogs = [make(), make()];
    try {
      const loop = async (catalog: Catalog) => {
        const reports = [];
        for (let i = 0; i < 12; i++) reports.push(await catalog.refresh());
        return reports;
      };
      const reports = (await Promise.all(catalogs.map(loop))).flat();
      expect(reports.filter((report) => !report.ok)).toEqual([]);
      for (const catalog of catalogs) expect(catalog.status().disk).toBe('ok');
      expect(upstream.count).toBe(24);
    } finally {
      await Promise.all(catalogs.map((catalog) => catalog.close()));
    }
    await expectWholeDocument(cacheDir);
  });

  it('two server processes (the built package): no corruption, no lost document', async () => {
    expect(existsSync(DIST), 'build the package first (`tsc -b`): the workers import dist/').toBe(true);
    const cacheDir = await dirs.make();
    const results = await Promise.all([
      runWorker(upstream.url, cacheDir, ROUNDS),
      runWorker(upstream.url, cacheDir, ROUNDS),
    ]);
    for (const result of results) {
      expect(result).toMatchObject({ ok: ROUNDS, errors: [], disk: 'ok' });
      expect(docs.map((d) => d.models)).toContain(result.models);
    }
    expect(upstream.count).toBe(2 * ROUNDS);
    await expectWholeDocument(cacheDir);
  });
});

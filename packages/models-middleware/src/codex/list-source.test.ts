import { rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { writeCodexCache } from '../../test/support/codex.js';
import { memoryLogger } from '../../test/support/logger.js';
import { tempDirs } from '../../test/support/tmp.js';
import { FakeUpstream } from '../../test/support/upstream.js';
import { InvalidDocumentError } from '../errors.js';
import { createFileListSource, createUrlListSource, type ListSourceOptions } from './list-source.js';

/** A parse that counts its calls and accepts `{"n": <number>}` only. */
function options(clock = new ManualClock(0)) {
  const calls: string[] = [];
  const logger = memoryLogger();
  const o: ListSourceOptions<number> = {
    parse: (bytes, location) => {
      calls.push(location);
      const value = JSON.parse(bytes.toString('utf8') || 'null') as { n?: unknown } | null;
      if (typeof value?.n !== 'number') throw new InvalidDocumentError(location, 'no n');
      return value.n;
    },
    clock,
    logger,
    label: 'test list',
    timeoutMs: 2_000,
    maxBytes: 1_000,
  };
  return { o, calls, logger, clock };
}

describe('createFileListSource', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.cleanup());

  it('reads the file, and again only when its mtime or size changed', async () => {
    const file = join(await dirs.make(), 'list.json');
    await writeFile(file, '{"n": 1}');
    const { o, calls } = options();
    const source = createFileListSource(file, o);
    expect(source.peek()).toBeUndefined();
    expect((await source.get())?.value).toBe(1);
    expect((await source.get())?.version).toBe(1);
    expect(calls).toHaveLength(1);
    // Same size, new mtime.
    await writeFile(file, '{"n": 2}');
    await utimes(file, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    expect((await source.get())?.value).toBe(2);
    // New size.
    await writeCodexCache(file, '{"n": 33}');
    expect(await source.get()).toMatchObject({ value: 33, version: 3 });
    expect(calls).toHaveLength(3);
  });

  it('keeps the last good copy through bad, missing and oversized files, logging each reason once', async () => {
    const file = join(await dirs.make(), 'list.json');
    await writeFile(file, '{"n": 1}');
    const { o, calls, logger } = options();
    const source = createFileListSource(file, o);
    await source.get();
    await writeFile(file, '{"m": 1}');
    expect((await source.get())?.value).toBe(1);
    expect((await source.get())?.value).toBe(1);
    // An unchanged bad file is not parsed again.
    expect(calls).toHaveLength(2);
    expect(source.status().lastError?.message).toMatch(/no n/);
    await rm(file);
    expect((await source.get())?.value).toBe(1);
    expect((await source.get())?.value).toBe(1);
    expect(source.status().lastError?.message).toMatch(/no such file/);
    await writeFile(file, `{"n": 5, "pad": "${'x'.repeat(1_000)}"}`);
    expect((await source.get())?.value).toBe(1);
    expect(source.status().lastError?.message).toMatch(/larger than 1000 bytes/);
    const warnings = logger.at('warn');
    expect(warnings).toHaveLength(3);
    expect(warnings.every((line) => line.msg?.includes('keeping the last good copy'))).toBe(true);
    await writeFile(file, '{"n": 7}');
    expect((await source.get())?.value).toBe(7);
    expect(source.status()).toMatchObject({ kind: 'file', location: file, lastError: null });
  });

  it('joins concurrent looks into one read', async () => {
    const file = join(await dirs.make(), 'list.json');
    await writeFile(file, '{"n": 1}');
    const { o, calls } = options();
    const source = createFileListSource(file, o);
    const all = await Promise.all([source.get(), source.get(), source.get()]);
    expect(all.map((s) => s?.value)).toEqual([1, 1, 1]);
    expect(calls).toHaveLength(1);
    await source.idle();
  });

  it('is empty, with the reason, when the file never existed', async () => {
    const file = join(await dirs.make(), 'missing.json');
    const { o } = options();
    const source = createFileListSource(file, o);
    expect(await source.get()).toBeUndefined();
    expect(source.status()).toMatchObject({
      loadedAt: null,
      lastError: { message: expect.stringMatching(/no such file/) },
    });
  });
});

describe('createUrlListSource', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await new FakeUpstream({ n: 1 }).start();
  });
  afterAll(() => upstream.stop());
  afterEach(() => {
    upstream.handle = undefined;
    upstream.setBody({ n: 1 });
    upstream.requests.length = 0;
  });

  it('waits for the first load, then serves the copy for ttlMs and revalidates with If-None-Match', async () => {
    const { o, clock } = options(new ManualClock(1_000));
    const source = createUrlListSource(upstream.url, { ...o, ttlMs: 300_000, retryDelayMs: 60_000 });
    expect((await source.get())?.value).toBe(1);
    clock.advance(299_999);
    await source.get();
    expect(upstream.count).toBe(1);
    clock.advance(1);
    // Stale: the held copy answers at once while the refresh runs.
    expect((await source.get())?.value).toBe(1);
    await source.idle();
    expect(upstream.count).toBe(2);
    expect(upstream.requests[1]?.headers['if-none-match']).toBe(upstream.etag());
    expect(source.peek()?.version).toBe(1);
    upstream.setBody({ n: 2 });
    clock.advance(300_000);
    await source.get();
    await source.idle();
    expect(source.peek()).toMatchObject({ value: 2, version: 2 });
  });

  it('keeps the last good copy when the upstream fails or answers garbage, and waits retryDelayMs to try again', async () => {
    const { o, clock, logger } = options();
    const source = createUrlListSource(upstream.url, { ...o, ttlMs: 10, retryDelayMs: 1_000 });
    await source.get();
    upstream.handle = (_req, res) => {
      res.statusCode = 503;
      res.end();
    };
    clock.advance(10);
    await source.get();
    await source.idle();
    expect(source.peek()?.value).toBe(1);
    expect(source.status().lastError?.message).toMatch(/HTTP 503/);
    clock.advance(999);
    await source.get();
    expect(upstream.count).toBe(2);
    upstream.handle = undefined;
    upstream.setBody('not json');
    clock.advance(1);
    await source.get();
    await source.idle();
    expect(upstream.count).toBe(3);
    expect(source.peek()?.value).toBe(1);
    expect(logger.at('warn')).toHaveLength(2);
  });

  it('answers nothing, without throwing, when the first load fails', async () => {
    upstream.handle = (req) => req.socket.destroy();
    const { o } = options();
    const source = createUrlListSource(upstream.url, { ...o, ttlMs: 10, retryDelayMs: 10 });
    expect(await source.get()).toBeUndefined();
    expect(source.status()).toMatchObject({ kind: 'url', loadedAt: null });
    expect(source.status().lastError).not.toBeNull();
  });
});

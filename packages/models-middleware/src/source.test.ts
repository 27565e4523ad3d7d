import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdir, mkdtemp, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, deflateSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { isAxiosError } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixtureBytes } from '../test/support/fixture.js';
import {
  BodyTooLargeError,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamTimeoutError,
} from './errors.js';
import {
  createSource,
  DEFAULT_USER_AGENT,
  type FetchResult,
  MAX_REDIRECTS,
  type SourceOptions,
} from './source.js';

const FIXTURE_SHA256 = '4c6858bb791bd06e91e767670a58e088190f19579d11785217aa418edfd4fe51';
const OPTIONS: SourceOptions = { timeoutMs: 3_000, maxBytes: 2_000_000 };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface TestServer {
  readonly url: string;
  readonly server: Server;
  readonly requests: IncomingMessage[];
  /** Resolves when the server side of the first connection closes. */
  readonly firstSocketClosed: Promise<void>;
}

const servers: Server[] = [];

async function serve(handler: Handler): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  servers.push(server);
  const firstSocketClosed = new Promise<void>((resolve) => {
    server.once('connection', (socket: Socket) => socket.once('close', () => resolve()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server, requests, firstSocketClosed };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
});

/** Awaits a rejection and checks its class, so the assertions after it are typed. */
async function failure<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(type);
  return outcome.error as E;
}

function within(promise: Promise<void>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise.then(() => 'done' as const), timeout]).finally(() => clearTimeout(timer));
}

function bodyOf(result: FetchResult): Buffer {
  if (result.status !== 'ok') throw new Error(`expected ok, got ${result.status}`);
  return result.body;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

let fixture: Buffer;
let tmp: string;

beforeAll(async () => {
  fixture = fixtureBytes();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'models-source-'));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('createSource', () => {
  it('pins the defaults', () => {
    expect(DEFAULT_USER_AGENT).toBe('@ccproxy/models-middleware');
    expect(MAX_REDIRECTS).toBe(5);
  });

  it.each([
    'ftp://x',
    '',
    '   ',
    'mailto:someone@example.com',
    'http://127.0.0.1:99999/',
    'https://',
    'file://remote-host/share/x.json',
  ])('rejects %j with a TypeError naming url', (url) => {
    expect(() => createSource(url, OPTIONS)).toThrow(TypeError);
    expect(() => createSource(url, OPTIONS)).toThrow(/url/);
  });

  it('normalises the url and freezes the source', () => {
    const source = createSource('HTTP://Example.COM:80/a/../models.json', OPTIONS);
    expect(source.url).toBe('http://example.com/models.json');
    expect(Object.isFrozen(source)).toBe(true);
  });

  it('turns absolute and relative paths into file: URLs', () => {
    const file = path.join(tmp, 'some dir', 'models.json');
    const expected = pathToFileURL(file).href;
    expect(createSource(file, OPTIONS).url).toBe(expected);
    expect(createSource(path.relative(process.cwd(), file), OPTIONS).url).toBe(expected);
    expect(createSource(expected, OPTIONS).url).toBe(expected);
  });
});

describe('http source', () => {
  it('returns the body with its etag and last-modified, sending the default headers', async () => {
    const lastModified = 'Wed, 23 Jul 2026 10:00:00 GMT';
    const upstream = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        etag: '"abc"',
        'last-modified': lastModified,
      });
      res.end('{"gpt-5":{}}');
    });
    const result = await createSource(upstream.url, OPTIONS).fetch();
    expect(result).toEqual({ status: 'ok', body: Buffer.from('{"gpt-5":{}}'), etag: '"abc"', lastModified });
    const headers = upstream.requests[0]?.headers;
    expect(headers?.['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(headers?.['accept-encoding']).toBe('gzip, deflate, br');
    expect(headers?.['if-none-match']).toBeUndefined();
    expect(headers?.['if-modified-since']).toBeUndefined();
  });

  it('omits validators the response does not carry', async () => {
    const upstream = await serve((_req, res) => res.end('{}'));
    const result = await createSource(upstream.url, OPTIONS).fetch();
    expect(result).toEqual({ status: 'ok', body: Buffer.from('{}') });
  });

  it.each([
    ['gzip', (data: Buffer) => gzipSync(data)],
    ['deflate', (data: Buffer) => deflateSync(data)],
    [
      'br',
      (data: Buffer) => brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } }),
    ],
  ])('inflates the real fixture sent with Content-Encoding %s byte for byte', async (encoding, compress) => {
    expect(fixture.length).toBe(1_669_319);
    expect(sha256(fixture)).toBe(FIXTURE_SHA256);
    const compressed = compress(fixture);
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': encoding, 'content-length': compressed.length });
      res.end(compressed);
    });
    const body = bodyOf(await createSource(upstream.url, OPTIONS).fetch());
    expect(body.length).toBe(fixture.length);
    expect(sha256(body)).toBe(FIXTURE_SHA256);
  });

  it('sends If-None-Match and If-Modified-Since and maps 304 to not-modified', async () => {
    const lastModified = 'Wed, 23 Jul 2026 10:00:00 GMT';
    const upstream = await serve((req, res) => {
      const fresh =
        req.headers['if-none-match'] === '"v1"' || req.headers['if-modified-since'] === lastModified;
      res.writeHead(fresh ? 304 : 200);
      res.end(fresh ? undefined : '{}');
    });
    const source = createSource(upstream.url, OPTIONS);
    await expect(source.fetch({ etag: '"v1"', lastModified })).resolves.toEqual({ status: 'not-modified' });
    await expect(source.fetch({ etag: '"v1"' })).resolves.toEqual({ status: 'not-modified' });
    await expect(source.fetch({ lastModified })).resolves.toEqual({ status: 'not-modified' });
    await expect(source.fetch({ etag: '"v0"' })).resolves.toMatchObject({ status: 'ok' });
    const sent = upstream.requests.map((req) => [
      req.headers['if-none-match'],
      req.headers['if-modified-since'],
    ]);
    expect(sent).toEqual([
      ['"v1"', lastModified],
      ['"v1"', undefined],
      [undefined, lastModified],
      ['"v0"', undefined],
    ]);
  });

  it('treats a 304 to an unconditional request as an HTTP error', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(304);
      res.end();
    });
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamHttpError);
    expect(error.upstreamStatus).toBe(304);
    await expect(createSource(upstream.url, OPTIONS).fetch({ etag: '' })).rejects.toBeInstanceOf(
      UpstreamHttpError,
    );
  });

  it.each([
    [404, undefined, undefined],
    [500, undefined, undefined],
    [204, undefined, undefined],
    [503, '120', 120_000],
    [429, ' 0 ', 0],
    [503, 'soon', undefined],
    [429, 'Thu, 01 Jan 1970 00:00:00 GMT', 0],
  ])('maps HTTP %i with Retry-After %j to UpstreamHttpError', async (status, retryAfter, retryAfterMs) => {
    const upstream = await serve((_req, res) => {
      res.writeHead(status, retryAfter === undefined ? {} : { 'retry-after': retryAfter });
      res.end(status === 204 ? undefined : 'nope');
    });
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamHttpError);
    expect(error.upstreamStatus).toBe(status);
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(error.url).toBe(upstream.url);
    expect(error.status).toBe(502);
  });

  it('reads a Retry-After HTTP-date as the time left until it', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
      res.end();
    });
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamHttpError);
    expect(error.retryAfterMs).toBeGreaterThan(27_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('closes the socket of an error response without reading its body', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(500, { 'content-length': 10_000_000 });
      res.write('partial');
    });
    await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamHttpError);
    expect(await within(upstream.firstSocketClosed, 1_000)).toBe('done');
  });

  it('maps a refused connection to UpstreamNetworkError', async () => {
    const upstream = await serve(() => {});
    await closeServer(upstream.server);
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(isAxiosError(error.cause)).toBe(true);
  });

  it('maps a connection reset in the middle of the body to UpstreamNetworkError', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 1_000 });
      res.write('x'.repeat(500), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('ECONNRESET');
    expect((error.cause as { code?: string }).code).toBe('ECONNRESET');
  });

  it('times out on a server that never answers', async () => {
    const upstream = await serve(() => {});
    const started = performance.now();
    const error = await failure(
      createSource(upstream.url, { ...OPTIONS, timeoutMs: 300 }).fetch(),
      UpstreamTimeoutError,
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
    expect(error.timeoutMs).toBe(300);
    expect(error.status).toBe(504);
    expect(await within(upstream.firstSocketClosed, 1_000)).toBe('done');
  });

  it('times out on a body that trickles one byte every 100 ms', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const started = performance.now();
    await failure(createSource(upstream.url, { ...OPTIONS, timeoutMs: 500 }).fetch(), UpstreamTimeoutError);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(await within(upstream.firstSocketClosed, 1_000)).toBe('done');
  });

  it('refuses a Content-Length over the cap before reading the body', async () => {
    const upstream = await serve((_req, res) => {
      // Never finishes: waiting for the body would end in a timeout, not BodyTooLargeError.
      res.writeHead(200, { 'content-length': 1_001 });
      res.write('x');
    });
    const source = createSource(upstream.url, { ...OPTIONS, maxBytes: 1_000 });
    const error = await failure(source.fetch(), BodyTooLargeError);
    expect(error.maxBytes).toBe(1_000);
    expect(await within(upstream.firstSocketClosed, 1_000)).toBe('done');
  });

  it('accepts a body of exactly maxBytes', async () => {
    const upstream = await serve((_req, res) => res.end('x'.repeat(1_000)));
    const body = bodyOf(await createSource(upstream.url, { ...OPTIONS, maxBytes: 1_000 }).fetch());
    expect(body.length).toBe(1_000);
  });

  it('stops a chunked body that grows past the cap', async () => {
    const upstream = await serve((_req, res) => {
      res.write('x'.repeat(600));
      setTimeout(() => res.end('x'.repeat(600)), 20);
    });
    const error = await failure(
      createSource(upstream.url, { ...OPTIONS, maxBytes: 1_000 }).fetch(),
      BodyTooLargeError,
    );
    expect(isAxiosError(error.cause)).toBe(true);
  });

  it('stops a gzip bomb at the cap on inflated bytes', async () => {
    const bomb = gzipSync(Buffer.alloc(20_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length });
      res.end(bomb);
    });
    await failure(createSource(upstream.url, { ...OPTIONS, maxBytes: 1_000_000 }).fetch(), BodyTooLargeError);
  });

  it('follows up to five redirects and gives up on a loop', async () => {
    const upstream = await serve((req, res) => {
      const hops = Number(req.url?.slice(1));
      if (req.url === '/loop' || hops > 0) {
        res.writeHead(302, { location: req.url === '/loop' ? '/loop' : `/${hops - 1}` });
        res.end();
        return;
      }
      res.end('{"arrived":true}');
    });
    const body = bodyOf(await createSource(`${upstream.url}${MAX_REDIRECTS}`, OPTIONS).fetch());
    expect(body.toString()).toBe('{"arrived":true}');
    const error = await failure(createSource(`${upstream.url}loop`, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('more than 5 redirects');
    expect(isAxiosError(error.cause)).toBe(true);
  });

  it('maps a body that is not valid gzip to UpstreamNetworkError', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('not gzip at all');
    });
    const error = await failure(createSource(upstream.url, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('Z_DATA_ERROR');
  });

  it('aborts while waiting for headers when the caller signal fires', async () => {
    const upstream = await serve(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = await failure(
      createSource(upstream.url, OPTIONS).fetch(undefined, controller.signal),
      UpstreamNetworkError,
    );
    expect(error.message).toMatch(/: aborted$/);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await within(upstream.firstSocketClosed, 1_000)).toBe('done');
  });

  it('aborts in the middle of the body when the caller signal fires', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const error = await failure(
      createSource(upstream.url, OPTIONS).fetch(undefined, AbortSignal.timeout(200)),
      UpstreamNetworkError,
    );
    expect(error.message).toMatch(/: aborted$/);
  });

  it('sends nothing when the caller signal has already fired', async () => {
    const upstream = await serve((_req, res) => res.end('{}'));
    const error = await failure(
      createSource(upstream.url, OPTIONS).fetch(undefined, AbortSignal.abort()),
      UpstreamNetworkError,
    );
    expect(error.message).toMatch(/: aborted$/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('leaves no listener on the caller signal after a fetch', async () => {
    const upstream = await serve((_req, res) => res.end('{}'));
    const controller = new AbortController();
    const source = createSource(upstream.url, OPTIONS);
    await source.fetch(undefined, controller.signal);
    const dead = await serve(() => {});
    await closeServer(dead.server);
    await expect(createSource(dead.url, OPTIONS).fetch(undefined, controller.signal)).rejects.toBeInstanceOf(
      UpstreamNetworkError,
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('http client warm-up', () => {
  afterEach(() => {
    vi.doUnmock('axios');
    vi.resetModules();
  });

  it('starts importing axios when the source is created, so the first fetch does not wait for it', async () => {
    vi.resetModules();
    let imported!: () => void;
    const axiosImported = new Promise<void>((resolve) => {
      imported = resolve;
    });
    vi.doMock('axios', async (importOriginal) => {
      imported();
      return importOriginal();
    });
    const fresh = await import('./source.js');
    const upstream = await serve((_req, res) => res.end('{}'));
    const source = fresh.createSource(upstream.url, OPTIONS);
    // Resolves only if creating the source started the import: nothing has fetched yet.
    await axiosImported;
    expect(upstream.requests).toHaveLength(0);
    await expect(source.fetch()).resolves.toMatchObject({ status: 'ok', body: Buffer.from('{}') });
  });
});

describe('file source', () => {
  async function writeTmp(name: string, data: Buffer | string): Promise<string> {
    const file = path.join(tmp, name);
    await writeFile(file, data);
    return file;
  }

  it('reads a file: URL and reports its mtime as Last-Modified', async () => {
    const file = await writeTmp('plain.json', '{"gpt-5":{}}');
    await utimes(file, new Date('2026-07-24T08:00:00.250Z'), new Date('2026-07-24T08:00:00.250Z'));
    const result = await createSource(pathToFileURL(file).href, OPTIONS).fetch();
    expect(result).toEqual({
      status: 'ok',
      body: Buffer.from('{"gpt-5":{}}'),
      lastModified: 'Fri, 24 Jul 2026 08:00:00 GMT',
    });
  });

  it('answers not-modified only when lastModified matches the mtime', async () => {
    const file = await writeTmp('conditional.json', '{}');
    const lastModified = (await stat(file)).mtime.toUTCString();
    const source = createSource(file, OPTIONS);
    await expect(source.fetch({ lastModified })).resolves.toEqual({ status: 'not-modified' });
    await expect(source.fetch({ lastModified: 'Thu, 01 Jan 1970 00:00:00 GMT' })).resolves.toMatchObject({
      status: 'ok',
    });
    await expect(source.fetch({ etag: '"anything"' })).resolves.toMatchObject({ status: 'ok', lastModified });
  });

  it('re-reads a file rewritten twice within the same second (exact mtime and size, not the HTTP date)', async () => {
    const file = await writeTmp('same-second.json', '{"a":1}');
    const second = new Date('2026-07-24T08:00:00.100Z');
    await utimes(file, second, second);
    const source = createSource(file, OPTIONS);
    const first = await source.fetch();
    if (first.status !== 'ok') throw new Error('expected a body');
    await writeFile(file, '{"a":2,"b":2}');
    await utimes(file, second, new Date('2026-07-24T08:00:00.400Z'));
    const rewritten = await source.fetch({ lastModified: first.lastModified });
    expect(rewritten).toMatchObject({ status: 'ok', lastModified: first.lastModified });
    expect(bodyOf(rewritten).toString()).toBe('{"a":2,"b":2}');
    await writeFile(file, '{"a":3,"b":3}');
    await utimes(file, second, new Date('2026-07-24T08:00:00.900Z'));
    expect(bodyOf(await source.fetch({ lastModified: first.lastModified })).toString()).toBe('{"a":3,"b":3}');
    await expect(source.fetch({ lastModified: first.lastModified })).resolves.toEqual({
      status: 'not-modified',
    });
  });

  it('resolves a relative path against the working directory', async () => {
    const file = await writeTmp('relative.json', '{"relative":true}');
    const body = bodyOf(await createSource(path.relative(process.cwd(), file), OPTIONS).fetch());
    expect(body.toString()).toBe('{"relative":true}');
  });

  it('maps a missing file to UpstreamNetworkError with the fs error as cause', async () => {
    const error = await failure(
      createSource(path.join(tmp, 'missing.json'), OPTIONS).fetch(),
      UpstreamNetworkError,
    );
    expect(error.message).toContain('ENOENT');
    expect((error.cause as { code?: string }).code).toBe('ENOENT');
  });

  it('refuses a directory', async () => {
    const dir = path.join(tmp, 'a-directory');
    await mkdir(dir);
    const error = await failure(createSource(dir, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('not a regular file');
  });

  it('inflates a .gz file', async () => {
    const file = await writeTmp('fixture.json.gz', gzipSync(fixture));
    const body = bodyOf(await createSource(file, OPTIONS).fetch());
    expect(sha256(body)).toBe(FIXTURE_SHA256);
  });

  it('stops a .gz file that inflates past the cap', async () => {
    const file = await writeTmp('bomb.json.gz', gzipSync(Buffer.alloc(20_000_000)));
    await failure(createSource(file, { ...OPTIONS, maxBytes: 1_000_000 }).fetch(), BodyTooLargeError);
  });

  it('maps a corrupt .gz file to UpstreamNetworkError', async () => {
    const file = await writeTmp('corrupt.json.gz', 'not gzip at all');
    const error = await failure(createSource(file, OPTIONS).fetch(), UpstreamNetworkError);
    expect(error.message).toContain('Z_DATA_ERROR');
  });

  it('refuses a file over the cap from its size', async () => {
    const file = await writeTmp('huge.json', '');
    // Sparse, so the test costs nothing on disk.
    await truncate(file, 10 * 1024 ** 3);
    const error = await failure(
      createSource(file, { ...OPTIONS, maxBytes: 1_000 }).fetch(),
      BodyTooLargeError,
    );
    expect(error.cause).toBeUndefined();
  });

  it('rejects with aborted when the caller signal has fired', async () => {
    const file = await writeTmp('aborted.json', '{}');
    const error = await failure(
      createSource(file, OPTIONS).fetch(undefined, AbortSignal.abort()),
      UpstreamNetworkError,
    );
    expect(error.message).toMatch(/: aborted$/);
  });
});

import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { type DiskRecord, writeRecord } from '../../src/catalog/disk-sync.js';
import { CatalogStore } from '../../src/catalog/store.js';
import { systemClock } from '../../src/clock.js';
import { parseDocument } from '../../src/document.js';
import { silentLogger } from '../../src/logger.js';
import { fixtureBytes, fixtureDocument } from './fixture.js';
import type { UpstreamHandler } from './upstream.js';

/**
 * Upstream misbehaviour, one handler per fault, for `FakeUpstream.handle`. Every handler that
 * keeps a socket open cleans up when the client goes away, so a test never leaks a timer.
 */

/** A URL on 127.0.0.1 where nothing listens: the connection is refused at once. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/model_prices_and_context_window.json`;
}

/** `.invalid` never resolves (RFC 6761): the lookup fails without a packet to any real host. */
export const DNS_FAILURE_URL = 'http://models.invalid/model_prices_and_context_window.json';

export function status(code: number, headers: Record<string, string> = {}, body = ''): UpstreamHandler {
  return (_req, res) => {
    res.writeHead(code, headers);
    res.end(body);
  };
}

/** A 200 with this body, whatever the request says. */
export function body(content: Buffer | string, type = 'application/json'): UpstreamHandler {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length });
    res.end(bytes);
  };
}

/** Sends the headers and half the body, then kills the connection. */
export function resetMidBody(content: Buffer = fixtureBytes()): UpstreamHandler {
  return (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': content.length });
    res.write(content.subarray(0, content.length >> 1), () => req.socket.destroy());
  };
}

/** Accepts the connection and never answers. */
export const neverAnswers: UpstreamHandler = () => {};

/** Answers 200 at once, then one byte every `intervalMs`, forever. */
export function trickle(intervalMs = 1000): UpstreamHandler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => res.write(' '), intervalMs);
    res.on('close', () => clearInterval(timer));
  };
}

/** Redirects every request to itself. */
export const redirectLoop: UpstreamHandler = (req, res) => {
  res.writeHead(302, { Location: req.url ?? '/' });
  res.end();
};

/** Streams `total` bytes of JSON whitespace, chunked (no Content-Length), honouring back-pressure. */
export function streamBytes(total: number, chunkSize = 64 * 1024): UpstreamHandler {
  const chunk = Buffer.alloc(chunkSize, 0x20);
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        const size = Math.min(chunkSize, total - sent);
        sent += size;
        if (!res.write(size === chunkSize ? chunk : chunk.subarray(0, size))) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };
}

/** Declares a Content-Length over any sane cap; the body never comes. */
export function declaresLength(length: number): UpstreamHandler {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': length });
    res.write('{');
  };
}

/** A small gzip body that inflates to `inflated` bytes. */
export function gzipBomb(inflated: number): UpstreamHandler {
  const bytes = gzipSync(Buffer.alloc(inflated, 0x20));
  return (_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'Content-Length': bytes.length,
    });
    res.end(bytes);
  };
}

/** Serves `content` with a new ETag on every request (pushed to `sent`) and never answers 304. */
export function changingEtag(content: Buffer = fixtureBytes(), sent: string[] = []): UpstreamHandler {
  return (_req, res) => {
    const etag = `"${randomUUID()}"`;
    sent.push(etag);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      ETag: etag,
      'Content-Length': content.length,
    });
    res.end(content);
  };
}

// ---------------------------------------------------------------------------------------------
// Documents: the real fixture, damaged in one way each.

type Doc = Record<string, Record<string, unknown>>;

const NOT_MODELS = new Set(['sample_spec', 'fallback_generalizations']);

/** The fixture with every model entry passed through `change` (the non-model keys kept as they are). */
export function mapFixture(change: (entry: Record<string, unknown>, index: number) => unknown): Doc {
  const doc = fixtureDocument();
  let i = 0;
  for (const [id, entry] of Object.entries(doc)) {
    if (NOT_MODELS.has(id)) continue;
    doc[id] = change(entry, i++) as Record<string, unknown>;
  }
  return doc;
}

/** Every entry fails validation (the provider is a number). */
export function allInvalidDocument(): Buffer {
  return Buffer.from(JSON.stringify(mapFixture((entry) => ({ ...entry, litellm_provider: 7 }))));
}

/** Every third entry has one field of the wrong type, in turn each of the three LiteLLM typos. */
const WRONG_TYPES: ReadonlyArray<Record<string, unknown>> = [
  { max_input_tokens: '200k' },
  { supports_vision: 'yes' },
  { deprecation_date: 'soon' },
];

export function thirdInvalidDocument(): { bytes: Buffer; broken: Set<string> } {
  const broken = new Set<string>();
  const ids = Object.keys(fixtureDocument()).filter((id) => !NOT_MODELS.has(id));
  const doc = mapFixture((entry, i) => {
    if (i % 3 !== 0) return entry;
    broken.add(ids[i] as string);
    return { ...entry, ...WRONG_TYPES[(i / 3) % 3] };
  });
  return { bytes: Buffer.from(JSON.stringify(doc)), broken };
}

/**
 * The fixture plus `__proto__`, `constructor` and `prototype` keys (valid-looking entries, written
 * as text: an object literal would set a prototype instead of a key), and one entry per wrong type.
 */
export function poisonedDocument(): Buffer {
  const good = JSON.stringify({ litellm_provider: 'openai', mode: 'chat', polluted: true });
  const wrong = WRONG_TYPES.map(
    (field, i) =>
      `"gpt-wrong-${i}": ${JSON.stringify({ litellm_provider: 'openai', mode: 'chat', ...field })}`,
  );
  const text = fixtureBytes().toString('utf8').trimEnd();
  const head = `{"__proto__": ${good}, "constructor": ${good}, "prototype": ${good}, ${wrong.join(', ')},`;
  return Buffer.from(head + text.slice(1));
}

/** The first `count` model entries of the fixture (OpenAI and Anthropic among them). */
export function fewModelsDocument(count: number): Buffer {
  const doc = fixtureDocument();
  const keep = Object.entries(doc)
    .filter(
      ([id, entry]) =>
        !NOT_MODELS.has(id) && ['openai', 'anthropic'].includes(String(entry.litellm_provider)),
    )
    .slice(0, count);
  return Buffer.from(JSON.stringify(Object.fromEntries(keep)));
}

// ---------------------------------------------------------------------------------------------
// A warm store: what a previous run left behind.

let fixtureRecord: Omit<DiskRecord, 'url' | 'fetchedAt' | 'etag'> | undefined;
/** Serialising 1.5 MB of cards costs more than the tests that need it: each seed is built once. */
const seeded = new Map<string, Array<[unknown, unknown]>>();

/** Writes the fixture as the stored record for `url`, as a previous process would have. */
export async function seedStore(
  store: Map<unknown, unknown>,
  url: string,
  fetchedAt: number,
  etag = '"seeded"',
): Promise<void> {
  const key = JSON.stringify([url, fetchedAt, etag]);
  let entries = seeded.get(key);
  if (entries === undefined) {
    if (fixtureRecord === undefined) {
      const models = parseDocument(fixtureBytes(), 'fixture');
      fixtureRecord = { version: models.version, invalid: models.invalid, cards: models.cards };
    }
    const scratch = new Map<unknown, unknown>();
    const disk = new CatalogStore({
      cacheDir: false,
      store: scratch,
      timeoutMs: 5_000,
      retryDelayMs: 0,
      logger: silentLogger,
      clock: systemClock,
    });
    if (!(await writeRecord(disk, { ...fixtureRecord, etag, url, fetchedAt })))
      throw new Error('could not seed');
    await disk.close();
    entries = [...scratch.entries()];
    seeded.set(key, entries);
  }
  for (const [k, v] of entries) store.set(k, v);
}

/** The raw stored values, to prove a fault left them alone. */
export function storeContents(store: Map<unknown, unknown>): string {
  return JSON.stringify([...store.entries()]);
}

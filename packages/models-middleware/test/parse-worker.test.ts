import { afterEach, describe, expect, it } from 'vitest';
// The worker only exists in built code: this suite runs against dist/, which `pnpm test` builds first.
import { DocumentParser, WORKER_AVAILABLE } from '../dist/parse.js';
import { parseDocument } from '../src/document.js';
import { fixtureBytes } from './support/fixture.js';

describe('DocumentParser (built package, real worker thread)', () => {
  const parsers: DocumentParser[] = [];
  const make = () => {
    const parser = new DocumentParser();
    parsers.push(parser);
    return parser;
  };
  afterEach(async () => {
    await Promise.all(parsers.splice(0).map((p) => p.close()));
  });

  it('finds its worker beside the built code', () => {
    expect(WORKER_AVAILABLE).toBe(true);
  });

  it('gives the same catalog as parsing on the calling thread, parse after parse on one worker', async () => {
    const parser = make();
    const inline = parseDocument(fixtureBytes(), 'fixture');
    for (let i = 0; i < 3; i++) {
      const off = await parser.parse(fixtureBytes(), 'fixture');
      expect(off.version).toBe(inline.version);
      expect(off.invalid).toBe(inline.invalid);
      expect(off.cards).toEqual(inline.cards);
    }
  });

  it('rejects a broken document with InvalidDocumentError naming the problem, and keeps working', async () => {
    const parser = make();
    await expect(parser.parse(Buffer.from('<html>'), 'u')).rejects.toMatchObject({
      name: 'InvalidDocumentError',
      detail: 'body is not JSON',
    });
    await expect(parser.parse(Buffer.from('[]'), 'u')).rejects.toThrow(/an array/);
    expect((await parser.parse(Buffer.from('{"m": {"litellm_provider": "p"}}'), 'u')).cards).toHaveLength(1);
  });

  it('stops the worker when the caller aborts, and starts a new one for the next parse', async () => {
    const parser = make();
    const controller = new AbortController();
    const pending = parser.parse(fixtureBytes(), 'u', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/exited/);
    expect((await parser.parse(fixtureBytes(), 'u')).cards.length).toBeGreaterThan(2000);
  });

  it('gives back the set it is told of for the same bytes, hashed in the worker, and parses other bytes', async () => {
    const parser = make();
    const known = await parser.parse(fixtureBytes(), 'u');
    expect(await parser.parse(fixtureBytes(), 'u', { known })).toBe(known);
    const other = Buffer.from('{"m": {"litellm_provider": "p"}}');
    const changed = await parser.parse(other, 'u', { known });
    expect(changed).not.toBe(known);
    expect(changed.cards.map((card) => card.id)).toEqual(['m']);
    // The bytes are hashed once, to compare and as the new set's version: the version of those bytes.
    const otherVersion = parseDocument(other, 'u').version;
    expect(changed.version).toBe(otherVersion);
    await parser.close();
    // On the calling thread (closed parser), the same rule.
    expect(await parser.parse(fixtureBytes(), 'u', { known })).toBe(known);
    const inline = await parser.parse(other, 'u', { known });
    expect(inline.cards).toHaveLength(1);
    expect(inline.version).toBe(otherVersion);
  });

  it('takes the memory of a body it may transfer, and copies one that shares its memory', async () => {
    const parser = make();
    const inline = parseDocument(fixtureBytes(), 'fixture');
    const owned = Buffer.from(fixtureBytes());
    const set = await parser.parse(owned, 'fixture', { transfer: true });
    expect(set.cards).toEqual(inline.cards);
    expect(owned.buffer.byteLength).toBe(0);
    // A pooled Buffer shares its ArrayBuffer with others: never detached.
    const small = Buffer.from('{"m": {"litellm_provider": "p"}}');
    expect(small.buffer.byteLength).toBeGreaterThan(small.length);
    expect((await parser.parse(small, 'u', { transfer: true })).cards).toHaveLength(1);
    expect(small.toString()).toBe('{"m": {"litellm_provider": "p"}}');
  });

  it('reuses the cards of the set it built last that did not change, and only those', async () => {
    const parser = make();
    const doc = JSON.parse(fixtureBytes().toString('utf8')) as Record<string, Record<string, unknown>>;
    const ids = Object.keys(doc).filter((id) => id !== 'sample_spec');
    const [changedId = '', removedId = ''] = ids;
    const first = await parser.parse(Buffer.from(JSON.stringify(doc)), 'u');
    const next = {
      ...doc,
      [changedId]: { ...doc[changedId], max_output_tokens: 4242 },
      'added-model': { litellm_provider: 'p' },
    };
    delete next[removedId];
    const bytes = Buffer.from(JSON.stringify(next));
    const second = await parser.parse(bytes, 'u', { known: first });
    const inline = parseDocument(bytes, 'u');
    expect(second.version).toBe(inline.version);
    expect(second.cards).toEqual(inline.cards);
    const reused = second.cards.filter((card) => first.byId.get(card.id) === card).map((card) => card.id);
    expect(reused).toHaveLength(second.cards.length - 2);
    expect(reused).not.toContain(changedId);
    expect(second.byId.get(changedId)?.max_output_tokens).toBe(4242);
    expect(second.byId.has(removedId)).toBe(false);
    // A set of the same version that this parser did not build (say, read from disk) is not
    // trusted to hold the worker's cards: everything comes over again.
    const lookalike = { ...second, byId: new Map(second.byId), cards: [...second.cards] };
    const third = await parser.parse(Buffer.from(JSON.stringify(doc)), 'u', { known: lookalike });
    expect(third.cards.some((card) => lookalike.byId.get(card.id) === card)).toBe(false);
    expect(third.cards).toEqual(first.cards);
  });

  it('compares entries, not cards: an unchanged bad entry is counted again, a mended one is built', async () => {
    const parser = make();
    const good = { litellm_provider: 'p', max_tokens: 10 };
    const doc = { a: good, b: { ...good, max_tokens: 'x' }, c: { ...good, mode: 'responses' } };
    const first = await parser.parse(Buffer.from(JSON.stringify(doc)), 'u');
    expect(first.invalid).toBe(1);
    const again = { ...doc, d: good, c: { ...doc.c, note: 'a field no card reads' } };
    const second = await parser.parse(Buffer.from(JSON.stringify(again)), 'u', { known: first });
    expect(second.invalid).toBe(1);
    expect(second.cards.map((card) => card.id)).toEqual(['a', 'c', 'd']);
    expect(second.byId.get('a')).toBe(first.byId.get('a'));
    expect(second.byId.get('c')).toEqual(first.byId.get('c'));
    const mended = { ...again, b: good };
    const third = await parser.parse(Buffer.from(JSON.stringify(mended)), 'u', { known: second });
    expect(third.invalid).toBe(0);
    expect(third.cards.map((card) => card.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(third.byId.get('b')).toMatchObject({ max_tokens: 10 });
    expect(third.cards).toEqual(parseDocument(Buffer.from(JSON.stringify(mended)), 'u').cards);
  });

  it('parses on the calling thread once closed', async () => {
    const parser = make();
    await parser.close();
    expect((await parser.parse(fixtureBytes(), 'u')).cards.length).toBeGreaterThan(2000);
  });
});

describe('a worker that never answers', () => {
  it('is stopped at the deadline, and the next parse gets a new worker', async () => {
    const parser = new DocumentParser();
    try {
      // A body this size takes the worker tens of ms; a 1 ms deadline expires first.
      await expect(parser.parse(fixtureBytes(), 'u', { deadlineMs: 1 })).rejects.toMatchObject({
        name: 'InvalidDocumentError',
        detail: 'parse worker did not answer within 1 ms',
      });
      expect((await parser.parse(fixtureBytes(), 'u')).cards.length).toBeGreaterThan(2000);
    } finally {
      await parser.close();
    }
  });
});

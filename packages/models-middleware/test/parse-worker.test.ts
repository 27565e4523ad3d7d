import { describe, expect, it } from 'vitest';
// The worker only exists in built code: this suite runs against dist/, which `pnpm test` builds first.
import { parseOffThread, WORKER_AVAILABLE } from '../dist/parse.js';
import { parseDocument } from '../src/document.js';
import { fixtureBytes } from './support/fixture.js';

describe('parseOffThread (built package, real worker thread)', () => {
  it('finds its worker beside the built code', () => {
    expect(WORKER_AVAILABLE).toBe(true);
  });

  it('gives the same catalog as parsing on the calling thread', async () => {
    const off = await parseOffThread(fixtureBytes(), 'fixture');
    const inline = parseDocument(fixtureBytes(), 'fixture');
    expect(off.version).toBe(inline.version);
    expect(off.invalid).toBe(inline.invalid);
    expect(off.cards).toEqual(inline.cards);
    expect(off.byId.get('gpt-5-codex')).toEqual(inline.byId.get('gpt-5-codex'));
  });

  it('rejects a broken document with InvalidDocumentError naming the problem', async () => {
    await expect(parseOffThread(Buffer.from('<html>'), 'u')).rejects.toMatchObject({
      name: 'InvalidDocumentError',
      detail: 'body is not JSON',
    });
    await expect(parseOffThread(Buffer.from('[]'), 'u')).rejects.toThrow(/an array/);
  });

  it('stops when the catalog closes', async () => {
    const controller = new AbortController();
    const pending = parseOffThread(fixtureBytes(), 'u', controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow(/exited/);
  });
});

import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/clock.js';
import { silentLogger } from '../logger.js';
import {
  CODEX_MAX_BYTES,
  createCodexSource,
  DEFAULT_CODEX_TIMEOUT_MS,
  DEFAULT_CODEX_TTL_MS,
  defaultCodexCacheFile,
  resolveCodexOptions,
} from './codex-source.js';

const deps = { clock: new ManualClock(0), logger: silentLogger };

describe('defaultCodexCacheFile', () => {
  it('is $CODEX_HOME/models_cache.json, else ~/.codex/models_cache.json', () => {
    expect(defaultCodexCacheFile({ CODEX_HOME: '/srv/codex' }, '/home/u')).toBe(
      join('/srv/codex', 'models_cache.json'),
    );
    expect(defaultCodexCacheFile({}, '/home/u')).toBe(join('/home/u', '.codex', 'models_cache.json'));
    expect(defaultCodexCacheFile({ CODEX_HOME: '' }, '/home/u')).toBe(
      join('/home/u', '.codex', 'models_cache.json'),
    );
  });
});

describe('resolveCodexOptions', () => {
  it('pins every default', () => {
    const env = process.env.CODEX_HOME;
    const expected = join(
      env !== undefined && env !== '' ? env : join(homedir(), '.codex'),
      'models_cache.json',
    );
    expect(resolveCodexOptions(undefined)).toEqual({
      cacheFile: expected,
      url: undefined,
      ttlMs: 300_000,
      timeoutMs: 4_000,
    });
    expect([DEFAULT_CODEX_TTL_MS, DEFAULT_CODEX_TIMEOUT_MS, CODEX_MAX_BYTES]).toEqual([
      300_000,
      4_000,
      16 * 1024 * 1024,
    ]);
  });

  it('refuses bad values, naming the key', () => {
    expect(() => resolveCodexOptions({ cacheFile: 1 })).toThrow(/`codex\.cacheFile`/);
    expect(() => resolveCodexOptions({ url: '' })).toThrow(/`codex\.url`/);
    expect(() => resolveCodexOptions({ ttlMs: -1 })).toThrow(RangeError);
    expect(() => resolveCodexOptions({ timeoutMs: 600_001 })).toThrow(/`codex\.timeoutMs`/);
    expect(() => resolveCodexOptions({ cacheFile: '/x', url: 'http://h/' })).toThrow(TypeError);
    expect(() => resolveCodexOptions({ cachefile: '/x' })).toThrow(/unknown codex option `cachefile`/);
    expect(() => resolveCodexOptions(null)).toThrow(/option `codex` must be an object/);
  });
});

describe('createCodexSource', () => {
  it('is the URL when one is set, the file otherwise, and nothing when the file is off', () => {
    expect(createCodexSource(resolveCodexOptions({ url: 'http://127.0.0.1:9/c' }), deps)?.kind).toBe('url');
    expect(createCodexSource(resolveCodexOptions({ cacheFile: '/tmp/m.json' }), deps)).toMatchObject({
      kind: 'file',
      location: '/tmp/m.json',
    });
    expect(createCodexSource(resolveCodexOptions({ cacheFile: false }), deps)).toBeUndefined();
    expect(() => createCodexSource(resolveCodexOptions({ url: 'ftp://h/' }), deps)).toThrow(/`codex\.url`/);
  });
});

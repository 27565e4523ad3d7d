import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/** What one store operation does: work, throw, reject, never settle, or return junk (reads only). */
export type StoreBehaviour = 'ok' | 'throw' | 'reject' | 'hang' | 'junk';

/**
 * A Keyv store adapter over a Map whose `get` and `set` misbehave on demand, like a Redis that is
 * down, wedged or shared with another program. Counts the calls it receives.
 */
export class FaultyStore extends EventEmitter implements KeyvStoreAdapter {
  opts: Record<string, unknown> = {};
  namespace?: string | undefined;
  readonly data = new Map<string, unknown>();
  readonly calls = { get: 0, set: 0 };
  junk: unknown = '{"value": {"v": 1, "url": 42, "cards": "nope"}}';

  constructor(
    public get_: StoreBehaviour = 'ok',
    public set_: StoreBehaviour = 'ok',
  ) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    this.calls.get++;
    await this.#act(this.get_, 'get');
    if (this.get_ === 'junk') return this.junk as StoredData<Value>;
    return this.data.get(key) as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    this.calls.set++;
    await this.#act(this.set_, 'set');
    this.data.set(key, value);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.data.delete(key);
  }

  async clear(): Promise<void> {
    this.data.clear();
  }

  #act(behaviour: StoreBehaviour, operation: string): Promise<void> {
    if (behaviour === 'throw') throw new Error(`store ${operation} exploded`);
    if (behaviour === 'reject') return Promise.reject(new Error(`store ${operation} rejected`));
    if (behaviour === 'hang') return new Promise<void>(() => {});
    return Promise.resolve();
  }
}

/** A plain Map (the store type tests reach for first) whose get and set throw synchronously. */
export class ExplodingMap extends Map<unknown, unknown> {
  explode = true;
  override get(key: unknown): unknown {
    if (this.explode) throw new Error('Map get exploded');
    return super.get(key);
  }
  override set(key: unknown, value: unknown): this {
    if (this.explode) throw new Error('Map set exploded');
    return super.set(key, value);
  }
}

/**
 * A store that is down for its first `failures` calls (each throws, like a Redis restarting or a
 * SQLite file held by `SQLITE_BUSY`), then works: the tier must come back by itself.
 */
export class RecoveringStore extends FaultyStore {
  constructor(public failures: number) {
    super();
  }

  override async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    if (this.failures > 0) {
      this.failures--;
      this.calls.get++;
      throw new Error('SQLITE_BUSY: database is locked');
    }
    return super.get<Value>(key);
  }

  override async set(key: string, value: unknown): Promise<boolean> {
    if (this.failures > 0) {
      this.failures--;
      this.calls.set++;
      throw new Error('SQLITE_BUSY: database is locked');
    }
    return super.set(key, value);
  }
}

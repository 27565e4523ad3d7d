/**
 * Set-if-absent with an expiry, per kind of shared store: the one operation a refresh lease needs.
 * Redis: `SET key holder NX PX ttl` through the client the store holds. SQLite: a row one process
 * owns until its expiry, taken in one upsert. Any other Keyv store: get, then set, then read back
 * (best effort: two processes can both win a narrow race, and then both fetch).
 */
import type { RedisStore } from './redis-client.js';

export type LeaseKind = 'redis' | 'sqlite' | 'best-effort' | 'none';

export interface LeaseIO {
  readonly kind: LeaseKind;
  /** `true` when `holder` now holds `key` for `ttlMs`; `false` when another holder does. */
  claim(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees `key` if `holder` still holds it (a lease taken over after expiry is left alone). */
  free(key: string, holder: string): Promise<void>;
}

/** A store only this process uses: every claim is granted. */
export const SOLO_LEASE_IO: LeaseIO = Object.freeze({
  kind: 'none',
  claim: async () => true,
  free: async () => {},
});

/** Deletes the key only while it still names this holder: a plain DEL could free another's lease. */
const FREE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export function redisLease(redis: RedisStore): LeaseIO {
  return {
    kind: 'redis',
    async claim(key, holder, ttlMs) {
      const client = await redis.client();
      return (await client.set(redis.rawKey(key), holder, { NX: true, PX: ttlMs })) === 'OK';
    },
    async free(key, holder) {
      const client = await redis.client();
      await client.eval(FREE_IF_HELD, { keys: [redis.rawKey(key)], arguments: [holder] });
    },
  };
}

/** The part of a `@keyv/sqlite` adapter the lease uses: its query function and table. */
interface SqliteAdapter {
  query(sql: string, ...parameters: unknown[]): Promise<unknown[]>;
  readonly opts: { readonly table: string };
}

export function isSqliteAdapter(adapter: unknown): adapter is SqliteAdapter {
  const candidate = adapter as Partial<SqliteAdapter> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.query === 'function' &&
    typeof candidate.opts?.table === 'string' &&
    (candidate as { opts: { dialect?: unknown } }).opts.dialect === 'sqlite'
  );
}

/**
 * The lease is a row of the store's own table whose value names the holder and its expiry. One
 * upsert takes it when it is absent, expired or already ours; RETURNING says whether it did.
 */
export function sqliteLease(adapter: SqliteAdapter, now: () => number): LeaseIO {
  const table = adapter.opts.table;
  const claim = `INSERT INTO ${table} (key, value) VALUES (?, ?)
    ON CONFLICT(key) DO UPDATE SET value = excluded.value
    WHERE json_extract(${table}.value, '$.expires') < ? OR json_extract(${table}.value, '$.holder') = ?
    RETURNING key`;
  const free = `DELETE FROM ${table} WHERE key = ? AND json_extract(value, '$.holder') = ?`;
  return {
    kind: 'sqlite',
    async claim(key, holder, ttlMs) {
      const at = now();
      const value = JSON.stringify({ holder, expires: at + ttlMs });
      const rows = await adapter.query(claim, key, value, at, holder);
      return rows.length > 0;
    },
    async free(key, holder) {
      await adapter.query(free, key, holder);
    },
  };
}

/** The Keyv calls the best-effort lease makes, on keys inside the package's namespace. */
interface KeyvLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
}

interface LeaseRecord {
  readonly holder: string;
  readonly expires: number;
}

/** The live holder a stored value names; `undefined` for none, an expired one, or anything else. */
function holderOf(value: unknown, now: number): string | undefined {
  const record = value as Partial<LeaseRecord> | null | undefined;
  if (typeof record?.holder !== 'string' || typeof record.expires !== 'number') return undefined;
  return record.expires > now ? record.holder : undefined;
}

/**
 * For a store with no atomic set-if-absent: the read-back narrows the race, it cannot close it.
 * A store that does not give back what it was given cannot hold a lease: the claim is granted.
 */
export function keyvLease(io: KeyvLike, now: () => number): LeaseIO {
  return {
    kind: 'best-effort',
    async claim(key, holder, ttlMs) {
      const current = holderOf(await io.get(key), now());
      if (current !== undefined && current !== holder) return false;
      await io.set(key, { holder, expires: now() + ttlMs } satisfies LeaseRecord, ttlMs);
      const after = holderOf(await io.get(key), now());
      return after === undefined || after === holder;
    },
    async free(key, holder) {
      if (holderOf(await io.get(key), now()) === holder) await io.delete(key);
    },
  };
}

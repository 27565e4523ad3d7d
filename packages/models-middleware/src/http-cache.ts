import { createHash } from 'node:crypto';

/** A response body serialised once, with its strong validator. */
export interface PreparedBody {
  readonly bytes: Buffer;
  /** Strong ETag (quoted). */
  readonly etag: string;
}

/** Serialises a JSON value once; the ETag is a hash of the exact bytes sent. */
export function prepareBody(value: unknown): PreparedBody {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  const etag = `"${createHash('sha1').update(bytes).digest('base64url')}"`;
  return { bytes, etag };
}

/**
 * Does an `If-None-Match` header match the ETag? RFC 9110 uses the weak comparison here, so
 * `W/"x"` matches `"x"`; `*` matches any current representation.
 */
export function ifNoneMatchHits(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === etag) return true;
  if (value.length > 8192) return false;
  for (const raw of value.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

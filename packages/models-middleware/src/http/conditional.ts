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

/**
 * Writing answers. Every write first checks that the response is still ours: something in front
 * of the router (a timeout, the host's own deadline) may have answered while the catalog loaded,
 * or the client may have gone. And nothing here throws into the caller: a models endpoint must
 * never be what kills a proxy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PreparedBody } from '../view/prepared.js';
import { ifNoneMatchHits } from './conditional.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Headers of a successful answer beside the body's own (`Cache-Control`, `Vary`, the tier), as
 * name-value pairs: built once per tier, walked per answer without allocating.
 */
export type SuccessHeaders = readonly (readonly [name: string, value: string])[];

/** Can we still write to this response? */
export function writable(res: ServerResponse): boolean {
  return !res.headersSent && !res.writableEnded && !res.destroyed;
}

/** A prepared body, or `304` to a matching `If-None-Match` (RFC 9110 weak comparison). */
export function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  body: PreparedBody,
  headers: SuccessHeaders,
): void {
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('ETag', body.etag);
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i] as SuccessHeaders[number];
    if (name === 'Vary') appendVary(res, value);
    else res.setHeader(name, value);
  }
  if (ifNoneMatchHits(req.headers['if-none-match'], body.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', body.bytes.length);
  res.end(body.bytes);
}

/**
 * Adds the router's `Vary` names to what middleware in front already set (cors sets
 * `Vary: Origin`; replacing it would let a shared cache serve one origin's grant to another).
 */
function appendVary(res: ServerResponse, names: string): void {
  const held = res.getHeader('Vary');
  if (held === undefined) {
    res.setHeader('Vary', names);
    return;
  }
  const text = Array.isArray(held) ? held.join(', ') : String(held);
  const present = new Set(text.split(',').map((name) => name.trim().toLowerCase()));
  if (present.has('*')) return;
  const missing = names
    .split(',')
    .map((name) => name.trim())
    .filter((name) => !present.has(name.toLowerCase()));
  if (missing.length > 0) res.setHeader('Vary', [text, ...missing].join(', '));
}

/** An error in the dialect's envelope; never cacheable. */
export function sendError(res: ServerResponse, status: number, error: unknown): void {
  const bytes = Buffer.from(JSON.stringify(error), 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.removeHeader('ETag');
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

/** Hands an error to the host's error handlers while the response is still ours; never throws. */
export function passOn(next: (err?: unknown) => void, res: ServerResponse, error: unknown): void {
  if (!writable(res)) return;
  try {
    next(error);
  } catch {
    // The host's own error path threw; there is no one left to tell.
  }
}

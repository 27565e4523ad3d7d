import { createHash } from 'node:crypto';

/** A response body serialised once, with its strong validator. */
export interface PreparedBody {
  readonly bytes: Buffer;
  /** Strong ETag (quoted). */
  readonly etag: string;
}

/** Serialises a JSON value once; the ETag is a hash of the exact bytes sent. */
export function prepareBody(value: unknown): PreparedBody {
  return prepareJson(JSON.stringify(value));
}

/** The same for JSON text already serialised (a body joined from kept fragments). */
export function prepareJson(json: string): PreparedBody {
  const bytes = Buffer.from(json, 'utf8');
  const etag = `"${createHash('sha1').update(bytes).digest('base64url')}"`;
  return { bytes, etag };
}

/** An error answer: never cached, rendered in the dialect's own envelope. */
export interface ErrorReply {
  readonly status: number;
  readonly error: unknown;
}

/** What a dialect answers to one request: a prepared body, or an error. */
export type Reply = PreparedBody | ErrorReply;

export const isErrorReply = (reply: Reply): reply is ErrorReply => 'error' in reply;

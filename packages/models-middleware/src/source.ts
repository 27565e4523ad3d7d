/**
 * Where the LiteLLM document comes from: an HTTP(S) URL fetched with axios, or a local file (a
 * `.gz` one is inflated). Returns raw bytes; parsing and validation happen downstream. Every
 * failure is one of the typed errors of `errors.ts`, so callers can tell "try again later"
 * (network, timeout, HTTP) from "this document will never fit" (too large).
 */

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import type { AxiosInstance } from 'axios';
import {
  BodyTooLargeError,
  describeError,
  ModelsError,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamTimeoutError,
} from './errors.js';
import { PACKAGE_NAME } from './package-name.js';

export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type FetchResult =
  | { readonly status: 'ok'; readonly body: Buffer; readonly etag?: string; readonly lastModified?: string }
  | { readonly status: 'not-modified' };

/** Already validated by `createCatalog` (options.ts): this module trusts them. */
export interface SourceOptions {
  /** Whole-fetch deadline in ms, connect to last byte (not an idle timeout). */
  readonly timeoutMs: number;
  /** Cap on the decompressed body, in bytes. */
  readonly maxBytes: number;
}

/** Per-fetch extras of an HTTP source (a file source ignores them). */
interface FetchExtras {
  /** Another page of the same list (an absolute URL); the source's `url` when absent. */
  readonly url?: string;
  /**
   * Sent with this fetch only (credentials). Redirects are then not followed (a 3xx is an HTTP
   * error), and errors keep only the code and message of what went wrong, never the HTTP
   * client's error, which holds the request and its headers.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Source {
  /** Normalised URL (a local path becomes a file: URL). */
  readonly url: string;
  /**
   * Fetches the document. Rejects only with the typed errors of errors.ts. `signal` aborts it
   * (rejects with UpstreamNetworkError, detail 'aborted').
   */
  fetch(validators?: Validators, signal?: AbortSignal, extras?: FetchExtras): Promise<FetchResult>;
}

/** Sent as User-Agent. */
export const DEFAULT_USER_AGENT = PACKAGE_NAME;
/** Enough for GitHub's raw-host hops; a longer chain is a loop or a misconfiguration. */
export const MAX_REDIRECTS = 5;

const PREFIX = PACKAGE_NAME;
const SUPPORTED_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'file:']);
const NOT_MODIFIED: FetchResult = Object.freeze({ status: 'not-modified' });

/**
 * Throws TypeError naming the option `url` for anything that is not http:, https:, file: or a
 * filesystem path (absolute or relative, resolved against process.cwd()). Creates one axios
 * instance, once.
 */
export function createSource(url: string, options: SourceOptions): Source {
  const target = toUrl(url);
  return target.protocol === 'file:' ? createFileSource(target, options) : createHttpSource(target, options);
}

function toUrl(input: string): URL {
  const invalid = (cause?: unknown): TypeError =>
    new TypeError(
      `${PREFIX}: url must be an http:, https: or file: URL or a filesystem path, got ${JSON.stringify(input)}`,
      { cause },
    );
  if (typeof input !== 'string' || input.trim() === '') throw invalid();
  // A one-letter scheme is a Windows drive (`C:\x`), so it counts as a path like any other
  // string without a scheme; a malformed URL must not fall through to being read as a path.
  if (path.isAbsolute(input) || !/^[a-z][a-z\d+.-]+:/i.test(input)) return pathToFileURL(path.resolve(input));
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch (error) {
    throw invalid(error);
  }
  if (!SUPPORTED_PROTOCOLS.has(parsed.protocol)) throw invalid();
  return parsed;
}

function createHttpSource(target: URL, settings: SourceOptions): Source {
  const url = target.href;
  const { timeoutMs, maxBytes } = settings;
  // axios is not imported with this module (a restart served from the disk cache answers its
  // first request without it), but its import (~100 ms in a fresh process) starts in the
  // background one turn after the source is created: the caller's start-up (`listen`) goes first,
  // and the first fetch, usually the first request's, finds the client ready instead of waiting.
  // A failed import is forgotten, so the next fetch tries again and reports its error.
  const client = (): Promise<AxiosInstance> => {
    if (clientPromise === undefined) {
      const loading = import('axios').then(({ default: axios }) => axios.create(config));
      loading.catch(() => {
        if (clientPromise === loading) clientPromise = undefined;
      });
      clientPromise = loading;
    }
    return clientPromise;
  };
  let clientPromise: Promise<AxiosInstance> | undefined;
  setImmediate(() => void client().catch(noop)).unref();
  const config = {
    // A stream lets a too-large Content-Length be refused before any of the body is read.
    responseType: 'stream',
    decompress: true,
    // axios counts these on the decompressed stream, so a gzip bomb stops at the cap.
    maxContentLength: maxBytes,
    maxBodyLength: maxBytes,
    maxRedirects: MAX_REDIRECTS,
    // Only bounds the wait for headers; the deadline below covers a body that trickles.
    timeout: timeoutMs,
    validateStatus: () => true,
    // One fetch every few minutes gains nothing from pooling, and a pooled socket would outlive
    // the fetch (keeping test runners and short-lived CLIs alive).
    httpAgent: new http.Agent({ keepAlive: false }),
    httpsAgent: new https.Agent({ keepAlive: false }),
    headers: {
      Accept: 'application/json',
      'Accept-Encoding': 'gzip, deflate, br',
      'User-Agent': DEFAULT_USER_AGENT,
    },
  } as const;

  return Object.freeze({
    url,
    fetch: async function fetchHttp(
      validators?: Validators,
      signal?: AbortSignal,
      extras?: FetchExtras,
    ): Promise<FetchResult> {
      const url = extras?.url ?? target.href;
      if (signal?.aborted) throw new UpstreamNetworkError(url, 'aborted', { cause: signal.reason });
      // One controller for the deadline, the caller's signal and our own cleanup, so whichever
      // comes first tears down the socket; AbortSignal.any would retain a long-lived caller
      // signal's dependants on older Node 20 releases.
      const controller = new AbortController();
      let abortedBy: 'deadline' | 'caller' | undefined;
      const deadline = setTimeout(() => {
        abortedBy ??= 'deadline';
        controller.abort();
      }, timeoutMs);
      const onCallerAbort = (): void => {
        abortedBy ??= 'caller';
        controller.abort();
      };
      signal?.addEventListener('abort', onCallerAbort, { once: true });

      const headers: Record<string, string> = { ...extras?.headers };
      if (validators?.etag) headers['If-None-Match'] = validators.etag;
      if (validators?.lastModified) headers['If-Modified-Since'] = validators.lastModified;
      const conditional = Boolean(validators?.etag) || Boolean(validators?.lastModified);
      // The HTTP client's error holds the request, its headers among them: keep it out of `cause`.
      const causeOf = extras?.headers === undefined ? (error: unknown) => error : scrubbed;

      try {
        const response = await (await client()).get<Readable>(url, {
          headers,
          signal: controller.signal,
          // A redirect would carry the credentials to wherever it points: it is an HTTP error instead.
          ...(extras?.headers !== undefined && { maxRedirects: 0 }),
        });
        const status = response.status;
        if (status === 304 && conditional) return NOT_MODIFIED;
        if (status !== 200) {
          throw new UpstreamHttpError(url, status, parseRetryAfter(response.headers['retry-after']));
        }
        if (Number(response.headers['content-length']) > maxBytes) throw new BodyTooLargeError(url, maxBytes);
        const body = await readCapped(
          response.data,
          url,
          maxBytes,
          Number(response.headers['content-length']),
        );
        return okResult(
          body,
          headerString(response.headers.etag),
          headerString(response.headers['last-modified']),
        );
      } catch (error) {
        if (error instanceof ModelsError) throw error;
        const cause = causeOf(error);
        if (abortedBy === 'deadline' || isAxiosTimeout(error)) {
          throw new UpstreamTimeoutError(url, timeoutMs, { cause });
        }
        if (abortedBy === 'caller') throw new UpstreamNetworkError(url, 'aborted', { cause });
        if (isAxiosError(error) && error.message.startsWith('maxContentLength')) {
          throw new BodyTooLargeError(url, maxBytes, { cause });
        }
        throw new UpstreamNetworkError(url, networkDetail(error), { cause });
      } finally {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onCallerAbort);
        // Releases the socket of a response we did not read to the end (an error status, a
        // Content-Length over the cap); once axios has finished the body it is a no-op.
        controller.abort();
      }
    },
  });
}

function createFileSource(target: URL, settings: SourceOptions): Source {
  const url = target.href;
  const { maxBytes } = settings;
  let filePath: string;
  try {
    filePath = fileURLToPath(target);
  } catch (error) {
    // `file://host/share` is only meaningful on Windows; elsewhere it cannot be read.
    throw new TypeError(
      `${PREFIX}: url ${JSON.stringify(url)} is not a local file: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
  const gzipped = filePath.endsWith('.gz');
  // The HTTP date has whole seconds: a file rewritten within the second it was read would look
  // unchanged. The exact mtime and size of the last read tell it apart.
  let lastRead:
    | { readonly lastModified: string; readonly mtimeMs: number; readonly size: number }
    | undefined;

  return Object.freeze({
    url,
    fetch: async function fetchFile(validators?: Validators, signal?: AbortSignal): Promise<FetchResult> {
      try {
        signal?.throwIfAborted();
        const stats = await stat(filePath);
        if (!stats.isFile()) throw new UpstreamNetworkError(url, 'not a regular file');
        // The same second-resolution date an HTTP server would send, so a caller can store and
        // compare it without knowing whether the source is a file.
        const lastModified = stats.mtime.toUTCString();
        if (validators?.lastModified === lastModified) {
          const same =
            lastRead?.lastModified !== lastModified ||
            (lastRead.mtimeMs === stats.mtimeMs && lastRead.size === stats.size);
          if (same) return NOT_MODIFIED;
        }
        const seen = { lastModified, mtimeMs: stats.mtimeMs, size: stats.size };
        // For a .gz file this is the compressed size; inflating it only grows it.
        if (stats.size > maxBytes) throw new BodyTooLargeError(url, maxBytes);
        if (!gzipped) {
          // One read: a stream would cost ~10x more for a document of this size. A file that grew
          // past the cap after stat() is still refused.
          const body = await readFile(filePath, { signal });
          if (body.length > maxBytes) throw new BodyTooLargeError(url, maxBytes);
          lastRead = seen;
          return okResult(body, undefined, lastModified);
        }
        // Capped while inflating: a .gz grows past its own size.
        const stream = pipeline(createReadStream(filePath, { signal }), createGunzip(), noop);
        const body = await readCapped(stream, url, maxBytes);
        lastRead = seen;
        return okResult(body, undefined, lastModified);
      } catch (error) {
        if (error instanceof ModelsError) throw error;
        if (signal?.aborted) throw new UpstreamNetworkError(url, 'aborted', { cause: error });
        throw new UpstreamNetworkError(url, networkDetail(error), { cause: error });
      }
    },
  });
}

function noop(): void {}

/** An error with only the code and message of `error`: nothing of the request that failed. */
function scrubbed(error: unknown): Error {
  const copy = new Error(describeError(error));
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(copy, { code });
  return copy;
}

/**
 * Buffers a stream, throwing BodyTooLargeError (and destroying the stream) past `maxBytes`. With
 * the length announced (`expected`), each chunk is copied into place as it arrives, so no single
 * event-loop turn copies megabytes at the end; a body longer than announced (inflated bytes
 * against a compressed length) is still read whole.
 */
async function readCapped(
  stream: Readable,
  url: string,
  maxBytes: number,
  expected = Number.NaN,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const body =
    Number.isSafeInteger(expected) && expected > 0 && expected <= maxBytes
      ? Buffer.allocUnsafe(expected)
      : undefined;
  let inPlace = body !== undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const offset = total;
    total += chunk.length;
    if (total > maxBytes) throw new BodyTooLargeError(url, maxBytes);
    if (inPlace && body !== undefined && total <= body.length) {
      chunk.copy(body, offset);
      continue;
    }
    if (inPlace && body !== undefined) {
      inPlace = false;
      chunks.push(body.subarray(0, offset));
    }
    chunks.push(chunk);
  }
  if (inPlace && body !== undefined) return total === body.length ? body : body.subarray(0, total);
  return Buffer.concat(chunks, total);
}

function okResult(body: Buffer, etag: string | undefined, lastModified: string | undefined): FetchResult {
  return {
    status: 'ok',
    body,
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}

function headerString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `Retry-After` is either delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
function parseRetryAfter(value: unknown): number | undefined {
  const text = headerString(value)?.trim();
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** axios's own `isAxiosError`, without importing axios where it may not be loaded yet. */
function isAxiosError(error: unknown): error is { code?: string; message: string } {
  return (
    typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true
  );
}

function isAxiosTimeout(error: unknown): boolean {
  return isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
}

/** A short, log-friendly reason: the system or library error code when there is one. */
function networkDetail(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_FR_TOO_MANY_REDIRECTS') return `more than ${MAX_REDIRECTS} redirects`;
  return typeof code === 'string' ? code : describeError(error);
}

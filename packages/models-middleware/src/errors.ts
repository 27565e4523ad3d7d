/**
 * The package's error hierarchy: one base class, a few subclasses for the faults a catalog can
 * meet, each carrying the underlying error in `cause`. Express reads `status`/`statusCode`/
 * `expose`, so an error that reaches `next(err)` renders as a plain 502/503 without leaking detail.
 */

import { PACKAGE_NAME } from './package-name.js';

export interface ModelsErrorOptions {
  cause?: unknown;
  /** HTTP status an Express error handler should use. @default 502 */
  status?: number;
}

export class ModelsError extends Error {
  override name = 'ModelsError';
  readonly status: number;
  readonly statusCode: number;
  readonly expose = false;

  constructor(message: string, options: ModelsErrorOptions = {}) {
    super(`${PACKAGE_NAME}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? 502;
    this.statusCode = this.status;
  }
}

/** The upstream answered with a status other than 200 or 304. */
export class UpstreamHttpError extends ModelsError {
  override name = 'UpstreamHttpError';
  constructor(
    readonly url: string,
    readonly upstreamStatus: number,
    /** `Retry-After` of a 429/503, in milliseconds, when the upstream sent one. */
    readonly retryAfterMs?: number,
    options: ModelsErrorOptions = {},
  ) {
    super(`GET ${url} answered HTTP ${upstreamStatus}`, options);
  }
}

/** The upstream could not be reached or broke the connection (DNS, refused, reset, redirects). */
export class UpstreamNetworkError extends ModelsError {
  override name = 'UpstreamNetworkError';
  constructor(
    readonly url: string,
    detail: string,
    options: ModelsErrorOptions = {},
  ) {
    super(`GET ${url} failed: ${detail}`, options);
  }
}

/** The whole fetch took longer than `timeoutMs`. */
export class UpstreamTimeoutError extends ModelsError {
  override name = 'UpstreamTimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
    options: ModelsErrorOptions = {},
  ) {
    super(`GET ${url} timed out after ${timeoutMs} ms`, { status: 504, ...options });
  }
}

/** The (decompressed) body passed `maxBytes`. */
export class BodyTooLargeError extends ModelsError {
  override name = 'BodyTooLargeError';
  constructor(
    readonly url: string,
    readonly maxBytes: number,
    options: ModelsErrorOptions = {},
  ) {
    super(
      `GET ${url}: body larger than ${maxBytes} bytes (raise the \`maxBytes\` option to accept it)`,
      options,
    );
  }
}

/** The document is not a usable LiteLLM catalog (not JSON, not an object, fails the sanity check). */
export class InvalidDocumentError extends ModelsError {
  override name = 'InvalidDocumentError';
  constructor(
    readonly url: string,
    readonly detail: string,
    options: ModelsErrorOptions = {},
  ) {
    super(`${url}: ${detail}`, options);
  }
}

/** A cache store failed or hung. Never surfaces to a request: the catalog degrades instead. */
export class StoreError extends ModelsError {
  override name = 'StoreError';
  constructor(
    readonly operation: string,
    detail: string,
    options: ModelsErrorOptions = {},
  ) {
    super(`cache store ${operation} failed: ${detail}`, { status: 503, ...options });
  }
}

export const isModelsError = (error: unknown): error is ModelsError => error instanceof ModelsError;
export const isUpstreamHttpError = (error: unknown): error is UpstreamHttpError =>
  error instanceof UpstreamHttpError;
export const isUpstreamTimeoutError = (error: unknown): error is UpstreamTimeoutError =>
  error instanceof UpstreamTimeoutError;
export const isInvalidDocumentError = (error: unknown): error is InvalidDocumentError =>
  error instanceof InvalidDocumentError;
export const isStoreError = (error: unknown): error is StoreError => error instanceof StoreError;

/** One-line description of any thrown value, for logs and status. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The router's `availability` option: which upstream model list says what the proxy's
 * credentials can call. Validated once; every message names the key (`availability.url`, ...).
 */
import {
  checkBoolean,
  checkInteger,
  checkKnownKeys,
  checkObject,
  checkOneOf,
  checkString,
} from '../options.js';
import { PACKAGE_NAME } from '../package-name.js';
import { AVAILABILITY_FORMATS, type AvailabilityFormat } from './upstream-list.js';

/** Headers sent with every fetch of the list, asked for again each time (so keys can rotate). */
export type AvailabilityHeaders = () =>
  | Readonly<Record<string, string>>
  | Promise<Readonly<Record<string, string>>>;

/** The router's `availability` option. */
export interface AvailabilityOptions {
  /**
   * The provider's model list: `https://api.openai.com/v1/models`, `https://api.anthropic.com/v1/models`,
   * or a Codex catalog URL. Credentials go in `headers`, never in the URL. Required.
   */
  url: string;
  /**
   * The list's wire format; `anthropic` follows `has_more` / `last_id` page by page.
   * @default the router's provider when it is `openai` or `anthropic`; required otherwise
   */
  format?: AvailabilityFormat;
  /**
   * The credentials: called before every fetch, so a rotated key is used from the next fetch on.
   * Its headers are never logged, reported or stored (the disk key holds a hash of them). The
   * Anthropic format adds `anthropic-version: 2023-06-01` unless given. @default none
   */
  headers?: AvailabilityHeaders;
  /** Milliseconds a fetched list stays fresh; then it is refreshed in the background. @default DEFAULT_AVAILABILITY_TTL_MS (10 min) */
  ttlMs?: number;
  /** Deadline of one page fetch, in ms, 1..600000. @default DEFAULT_AVAILABILITY_TIMEOUT_MS (10 s) */
  timeoutMs?: number;
  /**
   * How long a request waits for the first list before answering with LiteLLM's models alone, in
   * ms (the fetch goes on). `0` never waits. @default DEFAULT_AVAILABILITY_COLD_WAIT_MS (2 s)
   */
  coldWaitMs?: number;
  /** Also list LiteLLM's models the upstream does not serve, with `available: false`. @default false */
  keepUnlisted?: boolean;
  /**
   * Whose key asks: `operator` sends `headers`; `client` forwards each request's own
   * `Authorization` / `x-api-key`, keeps one list per hash of them (at most
   * {@link MAX_CLIENT_LISTS}, least recently used dropped), never serves a list to another key,
   * and answers with `Cache-Control: private` and `Vary` on those headers. A request without
   * either header gets LiteLLM's list. `headers` cannot be combined with `client`.
   * @default 'operator'
   */
  credentials?: 'operator' | 'client';
}

/** Client keys whose lists are kept at once under `credentials: 'client'`. */
export const MAX_CLIENT_LISTS = 256;

export const DEFAULT_AVAILABILITY_TTL_MS = 600_000;
export const DEFAULT_AVAILABILITY_TIMEOUT_MS = 10_000;
export const DEFAULT_AVAILABILITY_COLD_WAIT_MS = 2_000;

const KEYS: ReadonlySet<string> = new Set([
  'url',
  'format',
  'headers',
  'ttlMs',
  'timeoutMs',
  'coldWaitMs',
  'keepUnlisted',
  'credentials',
]);

export interface ResolvedAvailabilityOptions {
  readonly url: string;
  readonly format: AvailabilityFormat;
  readonly headers: AvailabilityHeaders | undefined;
  readonly ttlMs: number;
  readonly timeoutMs: number;
  readonly coldWaitMs: number;
  readonly keepUnlisted: boolean;
  readonly credentials: 'operator' | 'client';
}

export function resolveAvailabilityOptions(
  value: unknown,
  provider: string,
): ResolvedAvailabilityOptions | undefined {
  if (value === undefined) return undefined;
  const o = checkObject(value, 'option `availability`');
  checkKnownKeys(o, KEYS, 'availability');
  const url = checkString('availability.url', o.url);
  checkUrl(url);
  let format: AvailabilityFormat;
  if (o.format !== undefined) format = checkOneOf('availability.format', o.format, AVAILABILITY_FORMATS);
  else if (provider === 'openai' || provider === 'anthropic') format = provider;
  else {
    throw new TypeError(
      `${PACKAGE_NAME}: option \`availability.format\` is required for provider ${JSON.stringify(provider)} (one of ${AVAILABILITY_FORMATS.join(', ')})`,
    );
  }
  if (o.headers !== undefined && typeof o.headers !== 'function') {
    throw new TypeError(
      `${PACKAGE_NAME}: option \`availability.headers\` must be a function returning the headers`,
    );
  }
  const credentials =
    o.credentials === undefined
      ? 'operator'
      : checkOneOf('availability.credentials', o.credentials, ['operator', 'client'] as const);
  if (credentials === 'client' && o.headers !== undefined) {
    throw new TypeError(
      `${PACKAGE_NAME}: options \`availability.headers\` and \`availability.credentials: 'client'\` exclude each other`,
    );
  }
  return Object.freeze({
    credentials,
    url,
    format,
    headers: o.headers as AvailabilityHeaders | undefined,
    ttlMs:
      o.ttlMs === undefined ? DEFAULT_AVAILABILITY_TTL_MS : checkInteger('availability.ttlMs', o.ttlMs, 1),
    timeoutMs:
      o.timeoutMs === undefined
        ? DEFAULT_AVAILABILITY_TIMEOUT_MS
        : checkInteger('availability.timeoutMs', o.timeoutMs, 1, 600_000),
    coldWaitMs:
      o.coldWaitMs === undefined
        ? DEFAULT_AVAILABILITY_COLD_WAIT_MS
        : checkInteger('availability.coldWaitMs', o.coldWaitMs, 0, 600_000),
    keepUnlisted:
      o.keepUnlisted === undefined ? false : checkBoolean('availability.keepUnlisted', o.keepUnlisted),
  });
}

/** An http(s) URL without user info: credentials in a URL would reach logs and `status()`. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new TypeError(`${PACKAGE_NAME}: option \`availability.url\` is not a URL: ${JSON.stringify(url)}`, {
      cause: error,
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`${PACKAGE_NAME}: option \`availability.url\` must be an http: or https: URL`);
  if (parsed.username !== '' || parsed.password !== '')
    throw new TypeError(
      `${PACKAGE_NAME}: option \`availability.url\` must not hold credentials; send them with \`availability.headers\``,
    );
}

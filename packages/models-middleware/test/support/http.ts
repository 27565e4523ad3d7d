import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Listens on 127.0.0.1:0 and resolves with the base URL. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Sends one request with node:http, path and headers exactly as given. Resolves `undefined` when
 * node:http refuses to send it (a character no client could put on the wire).
 */
export function send(base: string, req: RawRequest, agent?: http.Agent): Promise<RawResponse | undefined> {
  const url = new URL(base);
  let outgoing: http.ClientRequest;
  try {
    outgoing = http.request({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.path,
      headers: req.headers,
      agent: agent ?? false,
    });
  } catch (error) {
    if (isRefusal(error)) return Promise.resolve(undefined);
    throw error;
  }
  return new Promise((resolve, reject) => {
    outgoing.on('error', reject);
    outgoing.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.end();
  });
}

const REFUSALS = new Set([
  'ERR_UNESCAPED_CHARACTERS',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'ERR_INVALID_ARG_VALUE',
]);

function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && REFUSALS.has(code);
}

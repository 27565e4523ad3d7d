/**
 * Is this `/models` request Codex's? Codex asks `GET <model_catalog_url>?client_version=<x.y.z>`
 * and names itself in `originator` (`codex_exec`, `codex-tui`, `codex_cli_rs`, and the other
 * `codex_*` / `codex-*` front ends). Either sign is enough: a gateway in between may drop the
 * header, and no OpenAI client sends `client_version`.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The request headers that choose the Codex dialect, for `Vary`. */
export const CODEX_VARY_HEADER = 'originator';

const CODEX_ORIGINATOR = /^codex[_-]/i;
// `client_version` as a whole parameter name, anywhere in the query string.
const CLIENT_VERSION_PARAM = /(?:^|&)client_version(?:=|&|$)/;

/** `query` is the raw query string without `?`. */
export function isCodexRequest(headers: IncomingHttpHeaders, query: string): boolean {
  if (query !== '' && CLIENT_VERSION_PARAM.test(query)) return true;
  const originator = headers[CODEX_VARY_HEADER];
  return typeof originator === 'string' && CODEX_ORIGINATOR.test(originator.trim());
}

/**
 * `GET /`: the catalog page, static files from `apps/proxy/public/`. The page reads the same JSON
 * the clients read (each plugin's `/v1/models`, `/health`), so it cannot disagree with the API.
 * Mounted after the plugins' routers, so no models request ever touches the file system.
 */
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

/** `src/` (tests) and `dist/` (the built server) are siblings of `public/`. */
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/**
 * What the page is allowed to do: its own scripts, styles, icon and same-origin `fetch`; no
 * inline script or style, no framing, no form posting elsewhere.
 */
export const CATALOG_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The file names carry no content hash (there is no build step), so every response is
 * revalidated: a 304 on the ETag costs a round trip, never a stale script next to a new page.
 */
const HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': CATALOG_PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

export function catalogPage(): RequestHandler {
  return express.static(PUBLIC_DIR, {
    index: 'index.html',
    // `/foo` must not be redirected to `/foo/` when a directory of that name exists.
    redirect: false,
    dotfiles: 'ignore',
    etag: true,
    lastModified: true,
    setHeaders(res) {
      for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
    },
  });
}

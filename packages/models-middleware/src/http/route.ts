/** Which requests the router owns: `GET`/`HEAD` on `/models`, `/models/` and `/models/<id>`. */
export interface Route {
  /** Decoded model id, or undefined for the list. */
  readonly id: string | undefined;
  /** Raw query string without `?`. */
  readonly query: string;
}

const LIST_ROUTE: Route = Object.freeze({ id: undefined, query: '' });

/** Matches `/models`, `/models/` and `/models/<id>` (the id may hold `/`, `:` and `.`, raw or percent-encoded). */
export function matchRoute(method: string | undefined, url: string | undefined): Route | undefined {
  if ((method !== 'GET' && method !== 'HEAD') || url === undefined || !url.startsWith('/models'))
    return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (path === '/models' || path === '/models/') return query === '' ? LIST_ROUTE : { id: undefined, query };
  if (!path.startsWith('/models/')) return undefined;
  const raw = path.slice('/models/'.length);
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // A malformed escape is not an id we hold: it answers 404 like any unknown id.
  }
  return { id, query };
}

/**
 * A release date inside a model id: `-20250929`, `-2025-08-07`, Vertex's `@20240620`. One rule for
 * the card's `created` and for the names and groups that leave the date out, so an alias and its
 * dated twin always agree. Years 2000-2099 and real calendar days only, never next to another
 * digit, so version numbers (`-0613`, `-001`, `-1106`) are not read as dates.
 */
const DATE = '(20\\d{2})(?:(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])|-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]))';
const ANYWHERE = new RegExp(`(?<!\\d)${DATE}(?!\\d)`, 'g');
const TRAILING = new RegExp(`[-@]${DATE}$`);

/** Unix seconds of a match, or 0 when it names no real day (`2025-02-31` rolls over in Date.UTC). */
function secondsOf(match: RegExpMatchArray): number {
  const year = Number(match[1]);
  const month = Number(match[2] ?? match[4]);
  const day = Number(match[3] ?? match[5]);
  const ms = Date.UTC(year, month - 1, day);
  return new Date(ms).getUTCDate() === day ? ms / 1000 : 0;
}

/** Unix seconds of the last real date in the id, or 0 when it has none. */
export function createdFromId(id: string): number {
  // Every date the rule accepts starts with `20`; most ids have none, and skip the regex.
  if (!id.includes('20')) return 0;
  let created = 0;
  for (const match of id.matchAll(ANYWHERE)) created = secondsOf(match) || created;
  return created;
}

/** The id without a trailing release date (and its `-` or `@`); ids without one come back unchanged. */
export function stripDate(id: string): string {
  const match = TRAILING.exec(id);
  return match !== null && secondsOf(match) > 0 ? id.slice(0, match.index) : id;
}

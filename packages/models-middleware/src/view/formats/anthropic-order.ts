/**
 * The order of Anthropic's list, newest first as a person reads it, and the release time each
 * entry shows. LiteLLM has no release-date field: `created` comes from a date in the id, so:
 * 1. an id without a date (an alias, `claude-opus-4-7`) carries the date of its newest dated twin
 *    (`claude-opus-4-7-20260416`);
 * 2. a later version of a line (`opus`, `sonnet`, `haiku`, ...) never sits below an older one: a
 *    model still without a date is at least as new as the newest earlier version of its line;
 * 3. only a model with neither shows the epoch.
 * Ties: by the id without its date, descending in natural order (`4-10` before `4-9`), then by id
 * in code-unit order, so an alias sits right before its dated twin and input order never matters.
 */
import { stripDate } from '../../date-in-id.js';
import { createdOf, newestTwins } from '../../dated-twins.js';
import type { ModelCard } from '../../types.js';
import { cardClaudeParts } from './display-name.js';

export interface Ordered {
  readonly id: string;
  readonly card: ModelCard;
  /** Release time in Unix seconds as the list shows it (rules 1-3); 0 when nothing is known. */
  readonly created: number;
  /** The dated twin of an alias. */
  readonly twin?: ModelCard;
  /** The earlier version of the line whose date bounds an undated model (rule 2). */
  readonly after?: ModelCard;
}

/**
 * `cards` newest first. `pool` (a superset, e.g. with retired models) supplies twins and earlier
 * versions, so an alias keeps its date when its twin is not listed.
 */
export function newestFirst(cards: readonly ModelCard[], pool: readonly ModelCard[] = cards): Ordered[] {
  const twins = newestTwins(pool);
  const knownOf = (card: ModelCard): number => createdOf(card) || createdOf(twins.get(card.id));
  const floors = lineFloors(pool, knownOf);
  return cards
    .map((card) => {
      const known = knownOf(card);
      const floor = floors.get(card.id);
      const twin = twins.get(card.id);
      const after = known === 0 && floor !== undefined ? floor : undefined;
      const bound = floor === undefined ? 0 : knownOf(floor);
      const created = known || bound;
      const effective = Math.max(known, bound);
      const group = stripDate(card.id);
      // Split once per entry, not once per comparison (a sort of 30,000 makes ~450,000).
      const runs = group.split(DIGIT_RUNS);
      return { entry: { id: card.id, card, created, twin, after }, group, runs, effective };
    })
    .sort(
      (a, b) =>
        b.effective - a.effective ||
        naturalCompareRuns(b.runs, a.runs, b.group, a.group) ||
        compareCodeUnits(a.entry.id, b.entry.id),
    )
    .map(({ entry }) => dropUndefined(entry));
}

function dropUndefined(entry: Ordered): Ordered {
  const { twin, after, ...rest } = entry;
  return { ...rest, ...(twin && { twin }), ...(after && { after }) };
}

/**
 * For each Claude model of the pool, the earlier version of its line (same namespace and family)
 * with the newest known date, when one has a date.
 */
function lineFloors(
  pool: readonly ModelCard[],
  knownOf: (card: ModelCard) => number,
): Map<string, ModelCard> {
  const lines = new Map<string, { card: ModelCard; version: readonly number[] }[]>();
  for (const card of pool) {
    const parts = cardClaudeParts(card);
    if (parts === undefined || parts.family === '' || parts.version.length === 0) continue;
    const key = `${parts.namespace}\u0000${parts.family}`;
    lines.set(key, [...(lines.get(key) ?? []), { card, version: parts.version }]);
  }
  const floors = new Map<string, ModelCard>();
  for (const members of lines.values()) {
    members.sort((a, b) => compareVersions(a.version, b.version));
    let best: ModelCard | undefined; // the newest dated model of the versions already passed
    let start = 0;
    while (start < members.length) {
      let end = start;
      while (
        end < members.length &&
        compareVersions(members[start]?.version ?? [], members[end]?.version ?? []) === 0
      )
        end += 1;
      const version = members.slice(start, end).map((member) => member.card);
      if (best !== undefined) for (const card of version) floors.set(card.id, best);
      for (const card of version) if (knownOf(card) > (best === undefined ? 0 : knownOf(best))) best = card;
      start = end;
    }
  }
  return floors;
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const order = (a[i] ?? 0) - (b[i] ?? 0);
    if (order !== 0) return order;
  }
  return 0;
}

const DIGIT_RUNS = /(\d+)/;

/**
 * Compares digit runs by value, so `4-10` sorts after `4-9`; falls back to code units. `xs` and
 * `ys` are `a` and `b` split by `DIGIT_RUNS`.
 */
function naturalCompareRuns(xs: readonly string[], ys: readonly string[], a: string, b: string): number {
  const shared = Math.min(xs.length, ys.length);
  for (let i = 0; i < shared; i += 1) {
    const x = xs[i] ?? '';
    const y = ys[i] ?? '';
    // `split` with a capturing group alternates text (even) and digit runs (odd).
    const order = i % 2 === 1 ? compareDigits(x, y) : compareCodeUnits(x, y);
    if (order !== 0) return order;
  }
  return xs.length - ys.length || compareCodeUnits(a, b);
}

/** Digit runs can exceed `Number.MAX_SAFE_INTEGER`, so compare them as strings. */
function compareDigits(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  return a.length - b.length || compareCodeUnits(a, b);
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

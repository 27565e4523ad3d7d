/**
 * Plain-text output of `pnpm models`: pure functions from cards and results to strings, so the
 * CLI only wires I/O. The model table has the facts of ccproxy's manual model check (limits and
 * the four capabilities), plus what the operator's rules did and the prices, in 80 columns.
 */
import type { AvailabilityStatus, ModelCard, RuleMark } from '@ccproxy/models-middleware';

export interface Column<T> {
  readonly header: string;
  readonly align: 'left' | 'right';
  value(row: T): string;
}

/** Columns padded to their widest cell, a dashed rule under the header, no trailing spaces. */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const render = (line: readonly string[]): string =>
    line
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    render(columns.map((column) => column.header)),
    render(widths.map((width) => '-'.repeat(width))),
    ...cells.map(render),
  ].join('\n');
}

/** `272,000`; `-` when LiteLLM does not say. */
export function formatTokens(value: number | undefined): string {
  return value === undefined ? '-' : value.toLocaleString('en-US');
}

/**
 * USD per token (a card's decimal string) as dollars per million tokens: `"0.000003"` -> `$3.00`,
 * `"0.0000000042"` -> `$0.0042`; blank when there is no price. The point is moved in the string,
 * so no float noise reaches the cell.
 */
export function formatPerMillion(perToken: string | undefined): string {
  const match = perToken === undefined ? null : /^(\d+)(?:\.(\d+))?$/.exec(perToken);
  if (match === null) return '';
  const [, whole = '', fraction = ''] = match;
  const digits = `${whole}${fraction.padEnd(6, '0')}`;
  const point = whole.length + 6;
  const value = Number(`${digits.slice(0, point)}.${digits.slice(point) || '0'}`);
  // Cents for every real price; a price under a cent keeps two significant digits.
  return value === 0 || value >= 0.01 ? `$${value.toFixed(2)}` : `$${Number(value.toPrecision(2))}`;
}

/** Capabilities in one cell, one position each: `VFCR` all four, `.` no, `-` not known. */
const CAPABILITIES = [
  ['V', 'supports_vision'],
  ['F', 'supports_function_calling'],
  ['C', 'supports_prompt_caching'],
  ['R', 'supports_reasoning'],
] as const satisfies readonly (readonly [string, keyof ModelCard])[];

export function formatCapabilities(card: ModelCard): string {
  return CAPABILITIES.map(([letter, field]) => {
    const value = card[field];
    return value === undefined ? '-' : value ? letter : '.';
  }).join('');
}

/** The lines under the table that say what the compact cells mean (each under 80 columns). */
export const MODEL_TABLE_LEGEND = [
  "Rule: what the plugin's [models] rules did. $/M: USD per million tokens.",
  'Caps: V vision, F function calling, C caching, R reasoning; . no, - unknown',
].join('\n');

/** A listed card and what the router's rules did to it. */
export interface ModelRow {
  readonly card: ModelCard;
  readonly rule?: RuleMark | undefined;
}

// Narrow enough for 80 columns with the usual ids; the flags are one cell (see the legend).
const MODEL_COLUMNS: readonly Column<ModelRow>[] = Object.freeze([
  { header: 'Model', align: 'left', value: ({ card }) => card.id },
  { header: 'Rule', align: 'left', value: ({ rule }) => rule ?? '' },
  {
    header: 'Max In',
    align: 'right',
    value: ({ card }) => formatTokens(card.max_input_tokens ?? card.context_length),
  },
  {
    header: 'Max Out',
    align: 'right',
    value: ({ card }) => formatTokens(card.max_output_tokens ?? card.max_tokens),
  },
  { header: '$/M in', align: 'right', value: ({ card }) => formatPerMillion(card.pricing?.prompt) },
  { header: '$/M out', align: 'right', value: ({ card }) => formatPerMillion(card.pricing?.completion) },
  { header: 'Caps', align: 'left', value: ({ card }) => formatCapabilities(card) },
] satisfies Column<ModelRow>[]);

export function formatModelTable(rows: readonly ModelRow[]): string {
  return formatTable(MODEL_COLUMNS, rows);
}

export interface ListSummary {
  /** `openai`, `anthropic` or `all`. */
  readonly provider: string;
  readonly cards: readonly ModelCard[];
  /** Where the catalog answer came from (`upstream`, `disk`, `snapshot`, `fallback`, ...). */
  readonly source: string;
  /** Unix milliseconds of the document's fetch, when known. */
  readonly fetchedAt: number | null;
  /** Valid entries in the whole catalog, all providers and modes. */
  readonly catalogModels: number;
  /** Entries the catalog dropped as invalid. */
  readonly invalid: number;
  readonly nowMs: number;
}

const count = (cards: readonly ModelCard[], has: (card: ModelCard) => boolean | undefined): number =>
  cards.reduce((n, card) => (has(card) === true ? n + 1 : n), 0);

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** `1 min`, `3 h`, `2 d`: enough to tell a fresh copy from a stale one. */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/**
 * One line: `96 models for openai (vision 90, function calling 95, prompt caching 80, reasoning 70);
 * source: upstream, fetched 2026-11-24T00:00:00.000Z (just now); catalog: 2,431 models, 3 invalid skipped`.
 */
export function formatListSummary(summary: ListSummary): string {
  const { cards } = summary;
  const capabilities = [
    `vision ${count(cards, (card) => card.supports_vision)}`,
    `function calling ${count(cards, (card) => card.supports_function_calling)}`,
    `prompt caching ${count(cards, (card) => card.supports_prompt_caching)}`,
    `reasoning ${count(cards, (card) => card.supports_reasoning)}`,
  ].join(', ');
  const fetched =
    summary.fetchedAt === null
      ? ''
      : `, fetched ${new Date(summary.fetchedAt).toISOString()} (${formatAge(summary.nowMs - summary.fetchedAt)})`;
  return (
    `${plural(cards.length, 'model')} for ${summary.provider} (${capabilities}); ` +
    `source: ${summary.source}${fetched}; ` +
    `catalog: ${plural(summary.catalogModels, 'model')}, ${summary.invalid.toLocaleString('en-US')} invalid skipped`
  );
}

/** The provider list's line under `list`: what it did to the list, or why it could not. */
export function formatAvailability(status: AvailabilityStatus): string {
  const head = `availability (${status.format} list at ${status.url}): ${status.state}`;
  const held =
    status.models === null ? '' : `, ${plural(status.models, 'id')} from ${status.from ?? 'upstream'}`;
  const error = status.lastError === null ? '' : `; last error: ${status.lastError.message}`;
  return `${head}${held}${error}`;
}

export interface RefreshSummary {
  /** Plugins that share this catalog, e.g. `['codex', 'claude_api']`. */
  readonly plugins: readonly string[];
  readonly url: string;
  readonly ok: boolean;
  readonly source: string;
  readonly notModified: boolean;
  readonly changed: boolean;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly models: number;
  readonly error?: string | undefined;
}

/** Ids shown per list before the rest are summarised; `--json` always has them all. */
export const MAX_LISTED_CHANGES = 50;

function listIds(sign: string, ids: readonly string[]): string[] {
  const shown = [...ids].sort().slice(0, MAX_LISTED_CHANGES);
  const lines = shown.map((id) => `  ${sign} ${id}`);
  if (ids.length > shown.length) lines.push(`  ${sign} ... and ${ids.length - shown.length} more`);
  return lines;
}

/** A headline per catalog, then `+ id` / `- id` lines for what was added and removed. */
export function formatRefreshSummary(report: RefreshSummary): string {
  const who = `${report.plugins.join(', ')} (${report.url})`;
  if (!report.ok && report.models === 0) {
    return `${who}: refresh failed: ${report.error ?? 'unknown error'}; nothing cached yet (the server would serve the shipped snapshot)`;
  }
  if (!report.ok) {
    return `${who}: refresh failed: ${report.error ?? 'unknown error'}; still serving ${report.source} (${plural(report.models, 'model')})`;
  }
  if (report.notModified) {
    return `${who}: not modified upstream; ${plural(report.models, 'model')} from ${report.source}, nothing changed`;
  }
  if (report.removed.length === 0 && report.added.length > 0 && report.added.length === report.models) {
    // Everything is new: there was no earlier copy (cache empty), so a list of ids says nothing.
    return `${who}: downloaded from ${report.source}; ${plural(report.models, 'model')}, no earlier copy to compare`;
  }
  if (!report.changed && report.added.length === 0 && report.removed.length === 0) {
    return `${who}: refreshed from ${report.source}; ${plural(report.models, 'model')}, nothing changed`;
  }
  return [
    `${who}: refreshed from ${report.source}; ${plural(report.models, 'model')}, ${report.added.length} added, ${report.removed.length} removed`,
    ...listIds('+', report.added),
    ...listIds('-', report.removed),
  ].join('\n');
}

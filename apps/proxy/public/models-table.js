// What the catalog page shows, as plain functions of the API's OpenAI-format cards and the page's
// state: which rows, in which order, and how values read. No DOM here.

/**
 * The capability filters, each read from one `supports_*` flag of the card. The Anthropic format
 * names them differently (`capabilities.image_input`, ...) and carries no prices, so the page
 * reads every plugin's list in the OpenAI format (no `anthropic-version` header).
 */
export const CAPABILITIES = Object.freeze([
  { key: 'vision', field: 'supports_vision', label: 'Vision' },
  { key: 'tools', field: 'supports_function_calling', label: 'Tools' },
  { key: 'reasoning', field: 'supports_reasoning', label: 'Reasoning' },
  { key: 'caching', field: 'supports_prompt_caching', label: 'Prompt caching' },
  { key: 'pdf', field: 'supports_pdf_input', label: 'PDF input' },
]);

/**
 * The sortable columns and the number each sorts by (`undefined` = unknown, always listed last).
 * Prices are USD per million tokens; the release date is the card's `created` (0 = unknown).
 */
export const SORTABLE = Object.freeze([
  { key: 'context', label: 'Context', value: (card) => card.context_length ?? card.max_input_tokens },
  { key: 'output', label: 'Max output', value: (card) => card.max_output_tokens ?? card.max_tokens },
  { key: 'input-price', label: 'Input $/1M', value: (card) => toNumber(perMillion(card.pricing?.prompt)) },
  {
    key: 'output-price',
    label: 'Output $/1M',
    value: (card) => toNumber(perMillion(card.pricing?.completion)),
  },
  { key: 'released', label: 'Released', value: (card) => (card.created > 0 ? card.created : undefined) },
]);

/**
 * @typedef {{ key: string, direction: 'ascending' | 'descending' }} Sort
 * @typedef {{ query: string, capabilities: Set<string>, sort: Sort | null }} PageState
 */

/**
 * The page's one state record; everything on screen is derived from it and the API's answers.
 * @returns {PageState}
 */
export function initialState() {
  return { query: '', capabilities: new Set(), sort: null };
}

/**
 * `ascending` -> `descending` -> back to the API's order.
 * @param {Sort | null} sort
 * @param {string} key
 * @returns {Sort | null}
 */
export function nextSort(sort, key) {
  if (sort === null || sort.key !== key) return { key, direction: 'ascending' };
  if (sort.direction === 'ascending') return { key, direction: 'descending' };
  return null;
}

/** Every search term (whitespace-separated, any case) is in the id, and every chosen capability is supported. */
export function matches(card, state) {
  const id = card.id.toLowerCase();
  const terms = state.query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.every((term) => id.includes(term))) return false;
  for (const capability of CAPABILITIES) {
    if (state.capabilities.has(capability.key) && card[capability.field] !== true) return false;
  }
  return true;
}

/**
 * The cards to show, filtered and in the chosen order (the API's order when none is chosen).
 * @param {PageState} state
 */
export function visibleCards(cards, state) {
  const shown = cards.filter((card) => matches(card, state));
  const { sort } = state;
  if (sort === null) return shown;
  const column = SORTABLE.find((entry) => entry.key === sort.key);
  if (column === undefined) return shown;
  const sign = sort.direction === 'ascending' ? 1 : -1;
  // Array.prototype.sort is stable: equal values keep the API's order.
  return shown.sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === undefined || y === undefined) return Number(x === undefined) - Number(y === undefined);
    return (x - y) * sign;
  });
}

/**
 * A USD-per-token decimal string as USD per million tokens, still a decimal string: the decimal
 * point moves six places, so `0.0000015` is exactly `1.5` (floating point would say 1.4999…).
 */
export function perMillion(perToken) {
  if (typeof perToken !== 'string') return undefined;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(perToken);
  if (match === null) return undefined;
  const digits = `${match[1]}${(match[2] ?? '').padEnd(6, '0')}`;
  const point = match[1].length + 6;
  const whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(point).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function toNumber(decimal) {
  return decimal === undefined ? undefined : Number(decimal);
}

/** `$1.50`, `$15.00`, `$0.375`: cents always, more digits only when the price has them. */
export function formatPrice(decimal) {
  if (decimal === undefined) return '—';
  const [whole, fraction = ''] = decimal.split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

/** `128K`, `1M`, `1.05M`, `4,096`. */
export function formatTokens(count) {
  if (typeof count !== 'number') return '—';
  if (count >= 1_000_000 && count % 10_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1000 && count % 1000 === 0) return `${count / 1000}K`;
  return count.toLocaleString('en-US');
}

/** The release date as `YYYY-MM-DD` (UTC), from the card's `created` seconds. */
export function formatRelease(created) {
  return created > 0 ? new Date(created * 1000).toISOString().slice(0, 10) : '—';
}

/** `just now`, `5 min`, `3 h`, `2 days`. */
export function formatAge(ms) {
  if (typeof ms !== 'number') return 'unknown';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/**
 * The lifecycle of a card with a `deprecation_date` (`YYYY-MM-DD`): deprecated once the date has
 * come (`today` is `YYYY-MM-DD` too), scheduled before; `null` without a date.
 */
export function lifecycle(card, today) {
  const date = card.deprecation_date;
  if (typeof date !== 'string') return null;
  return date <= today ? { state: 'deprecated', date } : { state: 'deprecating', date };
}

// The catalog page: reads /health and each plugin's models list, renders them, and keeps the
// tables in step with one state record (search, capability filters, sort).
import {
  CAPABILITIES,
  formatAge,
  formatPrice,
  formatRelease,
  formatTokens,
  initialState,
  lifecycle,
  nextSort,
  perMillion,
  SORTABLE,
  visibleCards,
} from './models-table.js';

const state = initialState();
/** What the API answered: `[{ name, health, cards, source, error }]`, one per enabled plugin. */
let plugins = [];

const $ = (selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

/** A thrown value's message. */
const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/** `el('td', { class: 'num' }, 'text', child)`: attributes, then text or nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

/**
 * A server path as a URL relative to the page, so the page also works when a reverse proxy serves
 * the demo under a prefix (`/models-admin/` in front of `/`).
 */
function fromPage(path) {
  return path.replace(/^\/+/, '');
}

function listUrl(mount) {
  return fromPage(`${mount.replace(/\/+$/, '')}/models`);
}

async function readJson(url, init) {
  const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', ...init });
  const body = await response.json().catch(() => null);
  return { response, body };
}

/** Reads everything the page shows. Never rejects: a failure becomes a plugin's `error`. */
async function load() {
  const { response, body } = await readJson(fromPage('/health'));
  if (!response.ok || body === null || typeof body.plugins !== 'object') {
    throw new Error(`health answered HTTP ${response.status}`);
  }
  const enabled = Object.entries(body.plugins).filter(([, health]) => health.enabled);
  return Promise.all(
    enabled.map(async ([name, health]) => {
      try {
        const list = await readJson(listUrl(health.mount));
        if (!list.response.ok || !Array.isArray(list.body?.data)) {
          const message = list.body?.error?.message ?? `HTTP ${list.response.status}`;
          return { name, health, cards: [], source: null, error: `${listUrl(health.mount)}: ${message}` };
        }
        const source = list.response.headers.get('x-models-source');
        return { name, health, cards: list.body.data, source, error: null };
      } catch (error) {
        return {
          name,
          health,
          cards: [],
          source: null,
          error: `${listUrl(health.mount)}: ${messageOf(error)}`,
        };
      }
    }),
  );
}

/** Why a plugin's list is not the fresh upstream catalog, or `null` when it is. */
function degradation(plugin) {
  const { health } = plugin;
  const reasons = [];
  if (plugin.error !== null) reasons.push(`its models could not be read (${plugin.error})`);
  if (health.error !== undefined) reasons.push(`its status could not be read (${health.error})`);
  if (plugin.source === 'fallback' || health.lastAnswer === 'fallback')
    reasons.push('it lists its built-in fallback models only');
  else if (plugin.source === 'snapshot' || health.catalog?.source === 'snapshot')
    reasons.push('it serves the LiteLLM snapshot shipped with the proxy');
  const lastError = health.catalog?.lastError;
  if (lastError) reasons.push(`the last refresh failed: ${lastError.name}: ${lastError.message}`);
  const availability = health.availability;
  if (availability?.lastError) {
    const kept = availability.state === 'stale' ? 'its last good list is kept' : "LiteLLM's list is shown";
    reasons.push(`the provider's model list failed (${availability.lastError.message}); ${kept}`);
  }
  if (health.catalog?.disk === 'degraded')
    reasons.push(
      `the disk cache is failing${health.catalog.diskError ? `: ${health.catalog.diskError}` : ''}`,
    );
  return reasons.length === 0 ? null : reasons;
}

/** The provider's own list (`[plugins.<name>.availability]`): its state and size. */
function availabilityFacts(availability) {
  const { models } = availability;
  const size = models === null ? '' : ` · ${models} ${models === 1 ? 'id' : 'ids'}`;
  return [
    el('dt', {}, 'Provider list'),
    el('dd', { 'data-field': 'availability', title: availability.url }, `${availability.state}${size}`),
  ];
}

function renderCatalogs() {
  const banners = $('#banners');
  const list = $('#catalogs');
  banners.replaceChildren();
  list.replaceChildren();
  for (const plugin of plugins) {
    const { health } = plugin;
    const catalog = health.catalog ?? {};
    const reasons = degradation(plugin);
    if (reasons !== null) {
      banners.append(
        el(
          'div',
          { class: 'banner', role: 'alert', 'data-plugin': plugin.name },
          el('strong', {}, `${plugin.name} is degraded: `),
          `${reasons.join('; ')}.`,
        ),
      );
    }
    const facts = el(
      'dl',
      {},
      el('dt', {}, 'Listed'),
      el('dd', { 'data-field': 'listed' }, String(plugin.cards.length)),
      el('dt', {}, 'Catalog from'),
      el('dd', { 'data-field': 'source' }, catalog.source ?? 'not loaded'),
      el('dt', {}, 'This answer from'),
      el('dd', { 'data-field': 'answer' }, plugin.source ?? '—'),
      el('dt', {}, 'Fetched'),
      el(
        'dd',
        { 'data-field': 'age' },
        catalog.fetchedAt
          ? el('time', { datetime: catalog.fetchedAt, title: catalog.fetchedAt }, formatAge(catalog.ageMs))
          : 'never',
      ),
      el('dt', {}, 'Last error'),
      el('dd', { 'data-field': 'error' }, catalog.lastError ? catalog.lastError.message : 'none'),
      ...(health.availability ? availabilityFacts(health.availability) : []),
    );
    list.append(
      el(
        'li',
        { class: reasons === null ? 'catalog' : 'catalog degraded', 'data-plugin': plugin.name },
        el(
          'h3',
          {},
          plugin.name,
          ' ',
          el('span', { class: 'muted' }, `${health.provider} · ${health.mount}`),
        ),
        facts,
      ),
    );
  }
  list.removeAttribute('aria-busy');
  $('#refresh').hidden = !plugins.some((plugin) => typeof plugin.health.refreshPath === 'string');
}

function capabilityTags(card) {
  const supported = CAPABILITIES.filter((capability) => card[capability.field] === true);
  if (supported.length === 0) return '—';
  return el('ul', { class: 'tags' }, ...supported.map((capability) => el('li', {}, capability.label)));
}

function idCell(card, today) {
  const cell = el('th', { scope: 'row', class: 'model' }, el('code', {}, card.id));
  const stage = lifecycle(card, today);
  if (stage !== null) {
    const text = stage.state === 'deprecated' ? `deprecated ${stage.date}` : `deprecates ${stage.date}`;
    cell.append(' ', el('span', { class: `badge ${stage.state}` }, text));
  }
  cell.append(
    ' ',
    el(
      'button',
      { type: 'button', class: 'copy', 'data-copy': card.id },
      'Copy',
      el('span', { class: 'visually-hidden' }, ` ${card.id}`),
    ),
  );
  return cell;
}

function priceCell(card) {
  const cell = el('td', { class: 'num' }, formatPrice(perMillion(card.pricing?.prompt)));
  const read = perMillion(card.pricing?.input_cache_read);
  const write = perMillion(card.pricing?.input_cache_write);
  const cached = [read && `cache read ${formatPrice(read)}`, write && `write ${formatPrice(write)}`];
  if (read || write) cell.append(el('small', {}, cached.filter(Boolean).join(' · ')));
  return cell;
}

function row(card, today) {
  const cells = [
    el('td', { class: 'num' }, formatTokens(card.context_length ?? card.max_input_tokens)),
    el('td', { class: 'num' }, formatTokens(card.max_output_tokens ?? card.max_tokens)),
    priceCell(card),
    el('td', { class: 'num' }, formatPrice(perMillion(card.pricing?.completion))),
    el('td', { class: 'num' }, formatRelease(card.created)),
    el('td', { class: 'capabilities-cell' }, capabilityTags(card)),
  ];
  // On a phone each row is a card, and a cell shows its column's name (CSS `attr(data-label)`).
  cells.forEach((cell, index) => {
    cell.dataset.label = SORTABLE[index]?.label ?? 'Capabilities';
  });
  return el('tr', { 'data-id': card.id }, idCell(card, today), ...cells);
}

function header(column) {
  const sorted = state.sort !== null && state.sort.key === column.key ? state.sort.direction : undefined;
  const arrow = sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : '↕';
  return el(
    'th',
    { scope: 'col', class: 'num', 'aria-sort': sorted ?? 'none' },
    el(
      'button',
      { type: 'button', class: 'sort', 'data-sort': column.key },
      column.label,
      el('span', { class: 'arrow', 'aria-hidden': 'true' }, ` ${arrow}`),
    ),
  );
}

function renderTables() {
  const today = new Date().toISOString().slice(0, 10);
  const container = $('#plugins');
  // Keep the focused sort button focused across the re-render.
  const focused = document.activeElement?.closest?.('[data-sort]');
  const refocus = focused
    ? {
        plugin: /** @type {HTMLElement | null} */ (focused.closest('[data-plugin]'))?.dataset.plugin,
        key: /** @type {HTMLElement} */ (focused).dataset.sort,
      }
    : null;
  container.replaceChildren();
  let shown = 0;
  let total = 0;
  for (const plugin of plugins) {
    const cards = visibleCards(plugin.cards, state);
    shown += cards.length;
    total += plugin.cards.length;
    const headingId = `models-${plugin.name}`;
    const table = el(
      'table',
      { 'aria-labelledby': headingId },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, 'Model'),
          ...SORTABLE.map(header),
          el('th', { scope: 'col' }, 'Capabilities'),
        ),
      ),
      el('tbody', {}, ...cards.map((card) => row(card, today))),
    );
    container.append(
      el(
        'section',
        { class: 'plugin', 'data-plugin': plugin.name },
        el(
          'h3',
          { id: headingId },
          `${plugin.name} `,
          el('span', { class: 'muted', 'data-field': 'count' }, `${cards.length} of ${plugin.cards.length}`),
        ),
        cards.length === 0
          ? el('p', { class: 'empty' }, 'No model matches the filters.')
          : el(
              'div',
              { class: 'table-wrap', role: 'region', 'aria-labelledby': headingId, tabindex: 0 },
              table,
            ),
      ),
    );
  }
  $('#summary').textContent = `Showing ${shown} of ${total} models.`;
  if (refocus !== null) {
    /** @type {HTMLElement | null} */ (
      container.querySelector(`[data-plugin="${refocus.plugin}"] [data-sort="${refocus.key}"]`)
    )?.focus();
  }
}

/** The filter controls into the state (a filter set before the lists arrived still applies). */
function readFilters() {
  state.query = /** @type {HTMLInputElement} */ ($('#search')).value;
  state.capabilities = new Set(
    [...document.querySelectorAll('input[name="capability"]:checked')].map(
      (input) => /** @type {HTMLInputElement} */ (input).value,
    ),
  );
}

async function copy(text) {
  if (navigator.clipboard !== undefined && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a LAN address is not a secure context: no Clipboard API there.
  const area = el('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the browser refused to copy');
}

/** Said by screen readers, shown to no one: the outcome of a copy. */
function announce(text) {
  $('#announcer').textContent = text;
}

async function onTableClick(event) {
  const sort = event.target.closest('[data-sort]');
  if (sort !== null) {
    state.sort = nextSort(state.sort, sort.dataset.sort);
    renderTables();
    return;
  }
  const button = event.target.closest('[data-copy]');
  if (button === null) return;
  try {
    await copy(button.dataset.copy);
    button.firstChild.textContent = 'Copied';
    announce(`Copied ${button.dataset.copy}.`);
  } catch (error) {
    announce(`Could not copy ${button.dataset.copy}: ${messageOf(error)}`);
  }
}

async function refresh(secret) {
  const paths = [...new Set(plugins.map((plugin) => plugin.health.refreshPath).filter(Boolean))];
  const lines = [];
  for (const path of paths) {
    const { response, body } = await readJson(fromPage(path), {
      method: 'POST',
      headers: { Accept: 'application/json', Authorization: `Bearer ${secret}` },
    });
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (response.status === 401) return 'Refresh refused: wrong secret.';
    if (!response.ok) {
      lines.push(`${name}: failed (${body?.error?.message ?? `HTTP ${response.status}`})`);
    } else if (body.error !== undefined) {
      lines.push(`${name}: refresh failed (${body.error})`);
    } else {
      const change = body.changed
        ? `${body.added.length} added, ${body.removed.length} removed`
        : 'unchanged';
      lines.push(`${name}: ${change}${body.reused ? ' (a refresh had just run)' : ''}`);
    }
  }
  return `Refreshed. ${lines.join('; ')}.`;
}

/** Reads and renders everything; `<html data-state>` says `ready` or `failed` when done. */
async function reload() {
  document.documentElement.dataset.state = 'loading';
  try {
    plugins = await load();
    renderCatalogs();
    readFilters();
    renderTables();
    document.documentElement.dataset.state = 'ready';
  } catch (error) {
    $('#banners').replaceChildren(
      el('div', { class: 'banner', role: 'alert' }, `The catalog could not be read: ${messageOf(error)}.`),
    );
    $('#catalogs').removeAttribute('aria-busy');
    document.documentElement.dataset.state = 'failed';
  }
}

function wire() {
  $('#filters .capabilities').append(
    ...CAPABILITIES.map((capability) =>
      el(
        'label',
        {},
        el('input', { type: 'checkbox', name: 'capability', value: capability.key }),
        ` ${capability.label}`,
      ),
    ),
  );
  $('#filters').addEventListener('input', () => {
    readFilters();
    renderTables();
  });
  $('#filters').addEventListener('submit', (event) => event.preventDefault());
  $('#plugins').addEventListener('click', onTableClick);

  const open = $('#refresh-open');
  const form = $('#refresh-form');
  open.addEventListener('click', () => {
    form.hidden = !form.hidden;
    open.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) $('#refresh-secret').focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('#refresh-secret'));
    const result = $('#refresh-result');
    result.textContent = 'Refreshing…';
    try {
      result.textContent = await refresh(input.value);
      input.value = '';
      await reload();
    } catch (error) {
      result.textContent = `Refresh failed: ${messageOf(error)}`;
    }
  });
}

wire();
reload();

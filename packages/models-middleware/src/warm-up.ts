/**
 * Start-up work that keeps the first request's path free of first-call costs: V8 compiles a
 * function on its first call, and the schema check, the card builder, the pricing printer and the
 * wire formats are large ones (~5 ms together in a fresh process, a fifth of the first list's cold
 * build). Running them once over a two-entry document, one turn after a catalog or a router is
 * created, moves that cost to start-up without delaying the caller's `listen`. Once per process:
 * what is compiled is shared. A warm-up never throws: it is an optimisation.
 */
import { parseDocument } from './document.js';
import { modelsOf } from './model-set.js';
import type { ModelSet } from './types.js';
import { DIALECTS, type DialectName } from './view/dialects.js';
import type { Reply } from './view/prepared.js';
import { createView, type ViewSettings } from './view/view.js';

export const WARM_UP_PROVIDER = 'warm-up';
const WARM_UP_ID = 'warm-up-2025-01-01';

/** Two entries that reach every branch of the card builder: limits, flags, prices, dates, modes. */
const WARM_UP_DOCUMENT = JSON.stringify({
  [WARM_UP_ID]: {
    litellm_provider: WARM_UP_PROVIDER,
    mode: 'chat',
    max_input_tokens: 1000,
    max_output_tokens: 100,
    max_tokens: 100,
    input_cost_per_token: 1e-7,
    output_cost_per_token: 0.000002,
    cache_read_input_token_cost: 1e-8,
    cache_creation_input_token_cost: 0.0000025,
    deprecation_date: '2099-01-01',
    supports_vision: true,
    supports_function_calling: true,
    supports_reasoning: false,
    supported_endpoints: ['/v1/chat/completions'],
  },
  [WARM_UP_PROVIDER]: { litellm_provider: WARM_UP_PROVIDER, mode: 'responses', max_tokens: '?' },
});

const warmed = { parsing: false, views: false };

/** The warm-up document parsed, its cards built and serialised. */
export function warmUpSet(): ModelSet {
  const set = parseDocument(WARM_UP_DOCUMENT, WARM_UP_PROVIDER);
  JSON.stringify(modelsOf(set, WARM_UP_PROVIDER).cards);
  void set.cards;
  return set;
}

/** A view of the warm-up set under a router's settings, and its list and retrieve in every format. */
export function warmUpView(settings: ViewSettings): Reply[] {
  const filter = { ...settings.filter, provider: WARM_UP_PROVIDER };
  const view = createView(warmUpSet(), Date.now(), { ...settings, filter });
  return (Object.keys(DIALECTS) as DialectName[]).flatMap((dialect) => [
    view.reply(dialect, undefined, ''),
    view.reply(dialect, WARM_UP_ID, ''),
  ]);
}

/** Runs `work` one turn from now, once per process per kind; a failure is dropped. */
function soon(kind: keyof typeof warmed, work: () => unknown): void {
  if (warmed[kind]) return;
  warmed[kind] = true;
  setImmediate(() => {
    try {
      work();
    } catch {
      // Only a missed optimisation: the first request compiles what this did not.
    }
  }).unref();
}

/** Warms the parse and card code (a catalog's). */
export function warmUpParsingSoon(): void {
  soon('parsing', warmUpSet);
}

/** Warms the view and every wire format, list and retrieve, under a router's settings. */
export function warmUpViewsSoon(settings: ViewSettings): void {
  soon('views', () => warmUpView(settings));
}

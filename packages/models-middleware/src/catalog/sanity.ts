import { InvalidDocumentError } from '../errors.js';
import { hasAtLeast } from '../model-set.js';
import type { ModelSet } from '../types.js';

/** What a new document must satisfy to replace the last good one. */
export interface SanityPolicy {
  /** Fewer valid models than this and the document is rejected; `0` turns the count check off. */
  readonly minModels: number;
  /** Providers (`litellm_provider`) that must keep at least one model if the last good document had one. */
  readonly providers: ReadonlySet<string>;
}

/**
 * Which of `wanted` have at least one model in the set. Stops at the card where the last one is
 * found, and reads no card when nothing is wanted: the check runs on the event loop after every
 * refresh, and a 30,000-model set counted per provider twice cost it ~10 ms.
 */
function providersPresent(models: ModelSet, wanted: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  for (const card of models.cards) {
    if (!wanted.has(card.owned_by) || found.has(card.owned_by)) continue;
    found.add(card.owned_by);
    if (found.size === wanted.size) break;
  }
  return found;
}

/**
 * Throws InvalidDocumentError when `next` may not replace `prev`: too few models, under half of the
 * last good document (LiteLLM once shipped a near-empty map), or a protected provider gone.
 */
export function checkSanity(
  url: string,
  next: ModelSet,
  prev: ModelSet | undefined,
  policy: SanityPolicy,
): void {
  // A cold document (no last good one) is checked without building the providers no router has
  // asked for yet: validating `minModels` entries settles it.
  if (!hasAtLeast(next, policy.minModels)) {
    const count = next.cards.length;
    throw new InvalidDocumentError(url, `only ${count} valid models (minimum ${policy.minModels})`);
  }
  if (prev === undefined) return;
  const count = next.cards.length;
  if (count < prev.cards.length / 2) {
    throw new InvalidDocumentError(
      url,
      `only ${count} valid models, the last good document had ${prev.cards.length}`,
    );
  }
  const protectedProviders = new Set([...policy.providers].filter((provider) => provider !== 'all'));
  const kept = providersPresent(next, protectedProviders);
  if (kept.size === protectedProviders.size) return;
  // Only a provider the new document lacks is looked up in the last good one.
  const gone = new Set([...protectedProviders].filter((provider) => !kept.has(provider)));
  const had = providersPresent(prev, gone);
  for (const provider of gone) {
    if (had.has(provider)) {
      throw new InvalidDocumentError(url, `lists no \`${provider}\` model, the last good document did`);
    }
  }
}

import { InvalidDocumentError } from '../errors.js';
import type { ModelSet } from '../types.js';

/** What a new document must satisfy to replace the last good one. */
export interface SanityPolicy {
  /** Fewer valid models than this and the document is rejected; `0` turns the count check off. */
  readonly minModels: number;
  /** Providers (`litellm_provider`) that must keep at least one model if the last good document had one. */
  readonly providers: ReadonlySet<string>;
}

function countByProvider(models: ModelSet): Map<string, number> {
  const counts = new Map<string, number>();
  for (const card of models.cards) counts.set(card.owned_by, (counts.get(card.owned_by) ?? 0) + 1);
  return counts;
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
  const count = next.cards.length;
  if (count < policy.minModels) {
    throw new InvalidDocumentError(url, `only ${count} valid models (minimum ${policy.minModels})`);
  }
  if (prev === undefined) return;
  if (count < prev.cards.length / 2) {
    throw new InvalidDocumentError(
      url,
      `only ${count} valid models, the last good document had ${prev.cards.length}`,
    );
  }
  const before = countByProvider(prev);
  const after = countByProvider(next);
  for (const provider of policy.providers) {
    if (provider === 'all') continue;
    if ((before.get(provider) ?? 0) > 0 && (after.get(provider) ?? 0) === 0) {
      throw new InvalidDocumentError(url, `lists no \`${provider}\` model, the last good document did`);
    }
  }
}

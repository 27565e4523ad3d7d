/**
 * The provider's own list over LiteLLM's catalog, in the view layer: the upstream's ids, each
 * with LiteLLM's card where LiteLLM knows the id, the upstream's better fields over it (`wins`),
 * its other fields where LiteLLM has none (`fills`). Ids LiteLLM does not know are listed with
 * what the upstream gives; LiteLLM's models the upstream does not list are left out, or kept
 * with `available: false` under `keepUnlisted`. Done once per catalog version and list version.
 */
import { createdFromId } from '../date-in-id.js';
import { createModelSet } from '../model-set.js';
import type { ModelCard, ModelSet } from '../types.js';
import type { AvailableList, AvailableModel } from './upstream-list.js';

export interface AvailableInput {
  readonly list: AvailableList;
  /** The `owned_by` of every listed card: the router's provider (the format's under `all`). */
  readonly owner: string;
  readonly keepUnlisted: boolean;
}

/** The model set a view selects from when an upstream list is in force. */
export function mergeAvailable(models: ModelSet, input: AvailableInput): ModelSet {
  const { list, owner } = input;
  const cards: ModelCard[] = list.models.map((model) => merged(model, models.byId.get(model.id), owner));
  if (input.keepUnlisted) {
    const listed = new Set(list.models.map((model) => model.id));
    for (const card of models.cards) {
      if (card.owned_by === owner && !listed.has(card.id))
        cards.push(Object.freeze({ ...card, available: false }));
    }
  }
  return createModelSet(cards, models.invalid);
}

function merged(model: AvailableModel, known: ModelCard | undefined, owner: string): ModelCard {
  const card: Record<string, unknown> = known === undefined ? {} : { ...known };
  for (const [field, value] of Object.entries(model.fills)) card[field] ??= value;
  Object.assign(card, model.wins);
  // The provider says the model is active: LiteLLM's retirement date no longer holds.
  if (model.lifecycle === 'active' && model.wins.deprecation_date === undefined) delete card.deprecation_date;
  card.id = model.id;
  card.object = 'model';
  card.owned_by = owner;
  card.created ??= createdFromId(model.id);
  return Object.freeze(card) as unknown as ModelCard;
}

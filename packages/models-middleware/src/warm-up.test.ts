import { describe, expect, it } from 'vitest';
import { modelsOf } from './model-set.js';
import { DEFAULT_MODES } from './options.js';
import { resolveRules } from './rule-options.js';
import { createListQueryReader } from './view/list-filter.js';
import { isErrorReply } from './view/prepared.js';
import { WARM_UP_PROVIDER, warmUpSet, warmUpView } from './warm-up.js';

describe('start-up warm-up', () => {
  it('runs every branch of the card builder: limits, flags, prices, dates, a mode, an invalid entry', () => {
    const set = warmUpSet();
    expect(set.invalid).toBe(1);
    const [card] = modelsOf(set, WARM_UP_PROVIDER).cards;
    expect(card).toMatchObject({
      context_length: 1000,
      max_output_tokens: 100,
      supports_vision: true,
      deprecation_date: '2099-01-01',
      pricing: { prompt: '0.0000001', completion: '0.000002' },
    });
    expect(card?.created).toBeGreaterThan(0);
  });

  it('answers a list and a retrieve in every wire format under a router’s settings, rules included', () => {
    const settings = {
      filter: { provider: 'openai', modes: DEFAULT_MODES, includeDeprecated: false },
      fallback: warmUpSet(),
      listQuery: createListQueryReader({ provider: 'openai', modes: DEFAULT_MODES }),
    };
    for (const rules of [resolveRules({}, 'openai'), resolveRules({ exclude: ['warm-*'] }, 'openai')]) {
      const replies = warmUpView({ ...settings, rules });
      expect(replies.length).toBeGreaterThanOrEqual(4);
      // With no rule the warm model itself is listed and retrieved; excluded, the fallback answers.
      if (rules.empty) expect(replies.every((reply) => !isErrorReply(reply))).toBe(true);
    }
  });
});

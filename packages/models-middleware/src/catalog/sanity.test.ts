import { describe, expect, it } from 'vitest';
import { InvalidDocumentError } from '../errors.js';
import { createModelSet } from '../model-set.js';
import type { ModelCard, ModelSet } from '../types.js';
import { checkSanity, type SanityPolicy } from './sanity.js';

const setOf = (owners: readonly string[]): ModelSet =>
  createModelSet(
    owners.map((owned_by, n) => ({ id: `m${n}`, object: 'model', created: 0, owned_by }) as ModelCard),
    0,
  );
const policy = (providers: readonly string[], minModels = 0): SanityPolicy => ({
  minModels,
  providers: new Set(providers),
});
const refusal = (next: ModelSet, prev: ModelSet | undefined, rules: SanityPolicy): string | undefined => {
  try {
    checkSanity('u', next, prev, rules);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDocumentError);
    return (error as Error).message;
  }
};

describe('checkSanity', () => {
  const prev = setOf(['openai', 'openai', 'anthropic', 'xai']);

  it('refuses too few models, and under half of the last good document', () => {
    expect(refusal(setOf(['openai']), undefined, policy([], 2))).toMatch(/only 1 valid models \(minimum 2\)/);
    expect(refusal(setOf(['openai']), prev, policy([]))).toMatch(
      /only 1 valid models, the last good document had 4/,
    );
    expect(refusal(setOf(['openai', 'openai']), prev, policy([]))).toBeUndefined();
  });

  it('refuses a document that lost every model of a protected provider, naming the first one in option order', () => {
    const next = setOf(['openai', 'openai', 'openai']);
    expect(refusal(next, prev, policy(['xai', 'anthropic']))).toMatch(/lists no `xai` model/);
    expect(refusal(next, prev, policy(['anthropic', 'xai']))).toMatch(/lists no `anthropic` model/);
    expect(refusal(next, prev, policy(['openai', 'xai']))).toMatch(/lists no `xai` model/);
  });

  it('accepts a provider kept anywhere in the document, one the last good document lacked too, and ignores `all`', () => {
    const next = setOf(['openai', 'openai', 'openai', 'xai', 'anthropic']);
    expect(refusal(next, prev, policy(['anthropic', 'xai', 'openai']))).toBeUndefined();
    expect(refusal(setOf(['openai', 'openai', 'openai']), prev, policy(['mistral', 'all']))).toBeUndefined();
    expect(refusal(setOf(['openai']), undefined, policy(['anthropic']))).toBeUndefined();
  });
});

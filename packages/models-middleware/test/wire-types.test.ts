import type { ModelCapabilities, ModelInfo } from '@anthropic-ai/sdk/resources/models';
import type { Model } from 'openai/resources/models';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseDocument } from '../src/document.js';
import { type AnthropicModelInfo, anthropicModel } from '../src/view/formats/anthropic.js';
import { type OpenAIModel, openaiModel } from '../src/view/formats/openai.js';
import { selectModels, utcDay } from '../src/view/select.js';
import { FIXED_NOW, fixtureBytes } from './support/fixture.js';

/**
 * The wire types against the official SDKs' own, checked by `tsc -p tsconfig.test.json`: a field
 * the SDK adds or retypes fails the build here, before any client sees the difference.
 */
describe('wire types match the official SDKs', () => {
  it('AnthropicModelInfo is an @anthropic-ai/sdk ModelInfo; OpenAIModel an openai Model', () => {
    expectTypeOf<AnthropicModelInfo>().toExtend<ModelInfo>();
    expectTypeOf<AnthropicModelInfo['capabilities']>().toExtend<ModelCapabilities>();
    expectTypeOf<OpenAIModel>().toExtend<Model>();
  });

  // Every key of the SDK's types, listed as full records so a key the SDK adds fails to compile.
  const INFO_KEYS = Object.keys({
    type: true,
    id: true,
    display_name: true,
    created_at: true,
    lifecycle: true,
    deprecated_at: true,
    retires_at: true,
    line: true,
    max_input_tokens: true,
    max_tokens: true,
    capabilities: true,
  } satisfies Record<keyof ModelInfo, true>);
  const CAPABILITY_KEYS = Object.keys({
    batch: true,
    citations: true,
    code_execution: true,
    context_management: true,
    effort: true,
    image_input: true,
    pdf_input: true,
    server_tools: true,
    structured_outputs: true,
    thinking: true,
  } satisfies Record<keyof ModelCapabilities, true>);

  it('sends every ModelInfo and capability key for every model of the fixture, none undefined', () => {
    const models = parseDocument(fixtureBytes(), 'fixture');
    const filter = { provider: 'all', modes: ['chat', 'responses'], includeDeprecated: true };
    for (const card of selectModels(models, filter, FIXED_NOW)) {
      const info = JSON.parse(JSON.stringify(anthropicModel(card, { today: utcDay(FIXED_NOW) })));
      for (const key of INFO_KEYS) expect(info, `${card.id}.${key}`).toHaveProperty(key);
      for (const key of CAPABILITY_KEYS) expect(info.capabilities, `${card.id}.${key}`).toHaveProperty(key);
      expect(Object.keys(openaiModel(card)).slice(0, 4)).toEqual(['id', 'object', 'created', 'owned_by']);
    }
  });
});

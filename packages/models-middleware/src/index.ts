export type { Catalog, CatalogResult, CatalogStatus, RefreshReport } from './catalog.js';
export { createCatalog } from './catalog.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { CodexStatus } from './codex/codex-dialect.js';
export { isCodexRequest } from './codex/codex-request.js';
export type { CodexSourceOptions } from './codex/codex-source.js';
export {
  DEFAULT_CODEX_TIMEOUT_MS,
  DEFAULT_CODEX_TTL_MS,
  defaultCodexCacheFile,
} from './codex/codex-source.js';
export { parseDocument } from './document.js';
export {
  BodyTooLargeError,
  InvalidDocumentError,
  isInvalidDocumentError,
  isModelsError,
  isStoreError,
  isUpstreamHttpError,
  isUpstreamTimeoutError,
  ModelsError,
  StoreError,
  UpstreamHttpError,
  UpstreamNetworkError,
  UpstreamTimeoutError,
} from './errors.js';
export { selectModels } from './filter.js';
export type { AnthropicErrorBody, AnthropicModelInfo } from './formats/anthropic.js';
export { anthropicError } from './formats/anthropic.js';
export { displayName } from './formats/display-name.js';
export type { OpenAIErrorBody } from './formats/openai.js';
export { openaiError } from './formats/openai.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { CatalogOptions, FallbackModel, ResponseFormat } from './options.js';
export {
  DEFAULT_COLD_WAIT_MS,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MEMORY_TTL,
  DEFAULT_MIN_MODELS,
  DEFAULT_MODES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_SOURCE_URL,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTL,
  defaultCacheDir,
} from './options.js';
export type { ModelsRouter, ModelsRouterOptions, RouterStatus } from './router.js';
export { modelsRouter, SOURCE_HEADER } from './router.js';
export type { CatalogSource, ModelCard, ModelFilter, ModelSet } from './types.js';

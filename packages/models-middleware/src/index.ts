export type { AvailabilityStatus } from './availability/availability.js';
export type { AvailabilityHeaders, AvailabilityOptions } from './availability/availability-options.js';
export {
  DEFAULT_AVAILABILITY_COLD_WAIT_MS,
  DEFAULT_AVAILABILITY_TIMEOUT_MS,
  DEFAULT_AVAILABILITY_TTL_MS,
} from './availability/availability-options.js';
export type { AvailabilityFormat } from './availability/upstream-list.js';
export type { Catalog, CatalogResult, CatalogStatus, RefreshReport } from './catalog/catalog.js';
export { createCatalog } from './catalog/catalog.js';
export type { LeaseKind } from './catalog/lease-io.js';
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
export {
  type AvailabilityFailedEvent,
  type AvailabilityLoadedEvent,
  CHANNEL_PREFIX,
  type FallbackUsedEvent,
  type ListServedEvent,
  MODELS_CHANNELS,
  type ModelsChannelName,
  type RefreshFailedEvent,
  type RefreshFinishedEvent,
  type RefreshStartedEvent,
  type RetrieveServedEvent,
  type ServedFormat,
  type StoreAdoptedEvent,
  type StoreDegradedEvent,
  type StoreRecoveredEvent,
} from './events.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { CatalogOptions, FallbackModel } from './options.js';
export {
  DEFAULT_COLD_WAIT_MS,
  DEFAULT_MAX_AGE_SECONDS,
  DEFAULT_MAX_BYTES,
  DEFAULT_MEMORY_TTL,
  DEFAULT_MIN_MODELS,
  DEFAULT_MODES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_SOURCE_URL,
  DEFAULT_STORE_RETRY_DELAY_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TTL,
  defaultCacheDir,
} from './options.js';
export {
  DEFAULT_REFRESH_MAX_BODY_BYTES,
  DEFAULT_REFRESH_MIN_INTERVAL_MS,
  RefreshBodyUnavailableError,
  type RefreshHandler,
  type RefreshHandlerOptions,
  type RefreshResponse,
  refreshHandler,
} from './refresh-handler.js';
export type { ModelsRouter, ModelsRouterOptions, RouterModels, RouterStatus } from './router.js';
export { checkRouterOptions, modelsRouter, SOURCE_HEADER } from './router.js';
export type { CustomModel, ModelOverride } from './rule-options.js';
export type { CatalogSource, ModelCard, ModelFilter, ModelPricing, ModelSet } from './types.js';
export type { ResponseFormat } from './view/dialects.js';
export type {
  AnthropicCapabilities,
  AnthropicErrorBody,
  AnthropicModelInfo,
} from './view/formats/anthropic.js';
export { anthropicError } from './view/formats/anthropic.js';
export { displayName } from './view/formats/display-name.js';
export type { OpenAIErrorBody } from './view/formats/openai.js';
export { openaiError } from './view/formats/openai.js';
export type { RuleMark } from './view/rules.js';
export { selectModels } from './view/select.js';

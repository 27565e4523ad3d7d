/**
 * The Codex dialect as the router uses it: the source, the body built from it (prepared once per
 * source version and LiteLLM version), and what `status()` says about it. The router only asks
 * "is this request Codex's?" (codex-request.ts) and hands the prepared body to its `send`.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { PACKAGE_NAME } from '../package-name.js';
import type { ModelSet } from '../types.js';
import { type PreparedBody, prepareBody } from '../view/prepared.js';
import { cardForSlug, codexBody, codexEntry, EMPTY_CODEX_BODY } from './codex-format.js';
import { createCodexSource, resolveCodexOptions } from './codex-source.js';
import type { ListSnapshot } from './list-source.js';
import type { CodexModelList } from './model-info.js';
import type { SlugFilter } from './slug-filter.js';

/** `x-models-source` of a Codex answer: where its entries came from. */
export type CodexAnswerSource = 'codex-cache' | 'codex-url' | 'codex-none';

export interface CodexReply {
  readonly body: PreparedBody;
  readonly source: CodexAnswerSource;
  /** Entries in the body (1 for one entry). */
  readonly entries: number;
}

export interface CodexStatus {
  /** `file` (Codex's models cache), `url` (an upstream Codex catalog) or `none`. */
  readonly source: 'file' | 'url' | 'none';
  readonly location: string | null;
  /** Entries served now (`null` before the source was first looked at). */
  readonly entries: number | null;
  /** Entries of the source left out because Codex could not decode them, with the reason. */
  readonly rejected: readonly { readonly slug: string | null; readonly reason: string }[];
  readonly loadedAt: string | null;
  readonly lastError: { readonly message: string; readonly at: string } | null;
  /** Why Codex gets an empty list (so it keeps its built-in models and prompts); `null` when it gets entries. */
  readonly reason: string | null;
}

export interface CodexDialect {
  /** `x-models-source` of its answers. */
  readonly source: CodexAnswerSource;
  /**
   * The list body, of the slugs `filter` keeps (all without one). Never rejects: while LiteLLM is
   * not loaded the entries are served unfilled.
   */
  list(catalog: Pick<Catalog, 'peek' | 'get'>, filter?: SlugFilter): Promise<CodexReply>;
  /** One entry by slug, or `undefined` when the source has none or `filter` drops it. */
  one(
    slug: string,
    catalog: Pick<Catalog, 'peek' | 'get'>,
    filter?: SlugFilter,
  ): Promise<CodexReply | undefined>;
  status(): CodexStatus;
  /** Resolves when the source has no read or refresh under way. */
  idle(): Promise<void>;
}

const NO_SOURCE =
  'no Codex source: `codex.cacheFile` is false and `codex.url` is not set, so Codex keeps its built-in models';

interface Built {
  readonly models: ModelSet | undefined;
  /** The entries the filter keeps. */
  readonly entries: readonly CodexModelList['entries'][number][];
  readonly list: PreparedBody;
  readonly one: Map<string, PreparedBody>;
}

/** The key of the bodies built without a filter. */
const UNFILTERED = Object.freeze({});

/** Validates `option` (the router's `codex` option) and builds the dialect. Throws TypeError/RangeError naming the key. */
export function createCodexDialect(
  option: unknown,
  deps: { readonly clock: Clock; readonly logger: Logger },
): CodexDialect {
  const source = createCodexSource(resolveCodexOptions(option), deps);
  const answerSource: CodexAnswerSource =
    source === undefined ? 'codex-none' : source.kind === 'url' ? 'codex-url' : 'codex-cache';
  const empty = prepareBody(EMPTY_CODEX_BODY);
  // One build per filter (the unfiltered one, the rules', each provider list's), for the source
  // version and LiteLLM version it was made from.
  let builds = new WeakMap<object, Built>();
  let buildsVersion = 0;
  let warnedNoSource = false;
  let reportedVersion = 0;

  async function snapshot(): Promise<ListSnapshot<CodexModelList> | undefined> {
    if (source === undefined) {
      if (!warnedNoSource) {
        warnedNoSource = true;
        deps.logger.warn({}, `${PACKAGE_NAME}: ${NO_SOURCE}`);
      }
      return undefined;
    }
    const current = await source.get();
    if (current !== undefined && current.version !== reportedVersion) {
      reportedVersion = current.version;
      const { rejected } = current.value;
      if (rejected.length > 0) {
        deps.logger.warn(
          { location: source.location, rejected },
          `${PACKAGE_NAME}: ${rejected.length} Codex model entries left out (Codex could not decode them)`,
        );
      }
    }
    return current;
  }

  /**
   * LiteLLM's set if it is loaded. A cold catalog is not waited for (its first fetch may take
   * longer than the 5 s Codex gives its `/models` call, and the entries do not depend on it): it
   * is asked to load, and the answers fill the gaps once it has.
   */
  function litellm(catalog: Pick<Catalog, 'peek' | 'get'>): ModelSet | undefined {
    const ready = catalog.peek();
    if (ready === undefined) catalog.get().catch(() => {});
    return ready?.models;
  }

  async function current(catalog: Pick<Catalog, 'peek' | 'get'>, filter: SlugFilter | undefined) {
    const snap = await snapshot();
    if (snap === undefined || snap.value.entries.length === 0) return undefined;
    const models = litellm(catalog);
    if (buildsVersion !== snap.version) {
      builds = new WeakMap();
      buildsVersion = snap.version;
    }
    const key = filter ?? UNFILTERED;
    let built = builds.get(key);
    if (built === undefined || built.models !== models) {
      const byId = models?.byId ?? new Map();
      const entries =
        filter === undefined ? snap.value.entries : snap.value.entries.filter((e) => filter.keeps(e.slug));
      built = { models, entries, list: prepareBody(codexBody(entries, byId)), one: new Map() };
      builds.set(key, built);
    }
    return { built, byId: models?.byId ?? new Map() };
  }

  const dialect: CodexDialect = {
    source: answerSource,
    async list(catalog, filter) {
      const c = await current(catalog, filter);
      return c === undefined
        ? { body: empty, source: answerSource, entries: 0 }
        : { body: c.built.list, source: answerSource, entries: c.built.entries.length };
    },
    async one(slug, catalog, filter) {
      const c = await current(catalog, filter);
      const entry = c?.built.entries.find((e) => e.slug === slug);
      if (c === undefined || entry === undefined) return undefined;
      let body = c.built.one.get(slug);
      if (body === undefined) {
        body = prepareBody(codexEntry(entry, cardForSlug(c.byId, slug)));
        c.built.one.set(slug, body);
      }
      return { body, source: answerSource, entries: 1 };
    },
    status(): CodexStatus {
      if (source === undefined) {
        return {
          source: 'none',
          location: null,
          entries: null,
          rejected: [],
          loadedAt: null,
          lastError: null,
          reason: NO_SOURCE,
        };
      }
      const s = source.status();
      const held = source.peek();
      let reason: string | null = null;
      if (held === undefined) {
        reason =
          s.lastError === null
            ? `the Codex source ${s.location} has not been read yet`
            : `no usable Codex list from ${s.location}: ${s.lastError.message}`;
      } else if (held.value.entries.length === 0) {
        reason = `the Codex list from ${s.location} holds no entry Codex could decode`;
      }
      return {
        source: s.kind,
        location: s.location,
        entries: held === undefined ? null : held.value.entries.length,
        rejected: held?.value.rejected ?? [],
        loadedAt: s.loadedAt,
        lastError: s.lastError,
        reason,
      };
    },
    idle: () => source?.idle() ?? Promise.resolve(),
  };
  return Object.freeze(dialect);
}

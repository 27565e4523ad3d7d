/**
 * The real clients the client suite runs, pinned. Bumping a client is a one-line change here:
 * the installer, the cache folder and the tests all read these records.
 */
export interface PinnedClient {
  /** Folder name under `.cache/clients/` (with `@<version>` appended). */
  readonly name: string;
  readonly package: string;
  readonly version: string;
  /** The executable the package links into `node_modules/.bin`. */
  readonly bin: string;
}

export const CODEX: PinnedClient = {
  name: 'codex',
  package: '@openai/codex',
  version: '0.171.0',
  bin: 'codex',
};

export const CLAUDE_CODE: PinnedClient = {
  name: 'claude-code',
  package: '@anthropic-ai/claude-code',
  version: '2.1.332',
  bin: 'claude',
};

export const PINNED_CLIENTS: readonly PinnedClient[] = [CODEX, CLAUDE_CODE];

#!/usr/bin/env node
// Refreshes the LiteLLM snapshot shipped inside @ccproxy/models-middleware.
//
//   pnpm snapshot:update                 # from LiteLLM's default URL
//   pnpm snapshot:update <url-or-path>   # from another source (a mirror, a local copy)
//
// The document goes through the package's own source and validation, and must pass the same
// sanity check as a live fetch (enough models, OpenAI and Anthropic models present), so a broken
// upstream commit can never become the snapshot.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = new URL('../packages/models-middleware/dist/', import.meta.url);
const { parseDocument, selectModels, DEFAULT_SOURCE_URL, DEFAULT_MIN_MODELS, DEFAULT_MODES } = await import(
  new URL('index.js', dist).href
).catch(() => {
  console.error('snapshot:update: build the package first (pnpm build)');
  process.exit(2);
});
const { createSource } = await import(new URL('source.js', dist).href);

const url = process.argv[2] ?? DEFAULT_SOURCE_URL;
const source = createSource(url, { timeoutMs: 60_000, maxBytes: 64 * 1024 * 1024 });
const result = await source.fetch();
if (result.status !== 'ok') throw new Error(`unexpected ${result.status} from ${url}`);
const models = parseDocument(result.body, source.url);
const now = Date.now();
const count = (provider) =>
  selectModels(models, { provider, modes: DEFAULT_MODES, includeDeprecated: false }, now).length;
const problems = [];
if (models.cards.length < DEFAULT_MIN_MODELS) problems.push(`only ${models.cards.length} valid models`);
for (const provider of ['openai', 'anthropic'])
  if (count(provider) === 0) problems.push(`no ${provider} models`);
if (problems.length > 0) {
  console.error(`snapshot:update: refusing ${url}: ${problems.join(', ')}`);
  process.exit(1);
}
const target = fileURLToPath(
  new URL('../packages/models-middleware/snapshot/model_prices_and_context_window.json.gz', import.meta.url),
);
await writeFile(target, gzipSync(result.body, { level: 9 }));
console.log(
  `snapshot:update: wrote ${target}: ${models.cards.length} models (${models.invalid} invalid dropped), ` +
    `${count('openai')} openai and ${count('anthropic')} anthropic listed today`,
);

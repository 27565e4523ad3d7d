/**
 * A throwaway CODEX_HOME for `codex exec`: update check, analytics, feedback, OTel export and the
 * plugin marketplace off (keys of Codex 0.171's config.toml), and one custom provider `ccproxy` whose model
 * calls go to the suite's capture server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The environment variable the provider's `env_key` names. */
export const CODEX_KEY_ENV = 'CCPROXY_API_KEY';

export interface CodexHomeOptions {
  readonly model: string;
  /** `[model_providers.ccproxy] base_url`: where `/responses` goes. */
  readonly baseUrl: string;
  /** `model_catalog_url`; left out of the file when undefined (Codex then asks for no list). */
  readonly catalogUrl?: string;
}

export async function writeCodexHome(dir: string, options: CodexHomeOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const lines = [
    `model = ${JSON.stringify(options.model)}`,
    'model_provider = "ccproxy"',
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[otel]',
    'exporter = "none"',
    'trace_exporter = "none"',
    'metrics_exporter = "none"',
    '',
    // Codex's plugin marketplace runs `git ls-remote https://github.com/openai/plugins.git` and
    // calls api.github.com and chatgpt.com at start-up (measured with the egress trap).
    '[features]',
    'plugins = false',
    '',
    '[model_providers.ccproxy]',
    'name = "ccproxy"',
    `base_url = ${JSON.stringify(options.baseUrl)}`,
    `env_key = ${JSON.stringify(CODEX_KEY_ENV)}`,
    'wire_api = "responses"',
  ];
  if (options.catalogUrl !== undefined)
    lines.push(`model_catalog_url = ${JSON.stringify(options.catalogUrl)}`);
  await writeFile(join(dir, 'config.toml'), `${lines.join('\n')}\n`);
  return dir;
}

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, USAGE } from '../src/commands.js';
import { isolatedEnv, tempDirs, writeConfigFile } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes, fixtureDocument } from './support/fixture.js';
import { assertBuilt, CLI_JS, runNode } from './support/process.js';
import { readmeBlocks } from './support/readme.js';
import { closedPortUrl, FakeUpstream, openaiModelList } from './support/upstream.js';

const HEADER = /^Model +Rule +Max In +Max Out +\$\/M in +\$\/M out +Caps$/;

let upstream: FakeUpstream;
const dirs = tempDirs();
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  assertBuilt();
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(async () => {
  await upstream.stop();
});
beforeEach(async () => {
  upstream.setBody(fixtureBytes());
  upstream.status = 200;
  upstream.requests.length = 0;
  const home = await dirs.make();
  const file = await writeConfigFile(home, upstream.url, join(home, 'cache'));
  env = isolatedEnv(home, { CCPROXY_CONFIG: file });
});
afterEach(async () => {
  await dirs.cleanup();
});

const models = (...args: string[]) => runNode(CLI_JS, args, env);

/** Table rows between the dashed rule and the blank line before the summary. */
function rows(stdout: string): string[] {
  const lines = stdout.split('\n');
  const end = lines.indexOf('');
  return lines.slice(2, end);
}

describe('pnpm models list (dist/cli.js)', () => {
  it('prints the table and a summary line, and exits promptly', async () => {
    const result = await models('list', '--provider', 'anthropic', '--include-deprecated');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(HEADER);
    expect(lines[1]).toMatch(/^-+( +-+){6}$/);
    const table = rows(result.stdout);
    expect(table).toHaveLength(EXPECTED.anthropicWithDeprecated);
    expect(table).toContainEqual(
      expect.stringMatching(/^claude-sonnet-4-5-20250929 +200,000 +64,000 +\$3\.00 +\$15\.00 +VFCR$/),
    );
    const summary = lines.at(-2) ?? '';
    expect(summary).toMatch(
      new RegExp(
        `^${EXPECTED.anthropicWithDeprecated} models for anthropic \\(vision \\d+, function calling \\d+, prompt caching \\d+, reasoning \\d+\\); source: upstream, fetched `,
      ),
    );
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.ms).toBeLessThan(10_000);
  });

  it('prints the cards as JSON with --json, from the cache the second time', async () => {
    const first = await models('list', '--provider', 'openai', '--json', '--include-deprecated');
    expect(first.code).toBe(0);
    const cards = JSON.parse(first.stdout) as { id: string; object: string; owned_by: string }[];
    expect(cards).toHaveLength(EXPECTED.openaiWithDeprecated);
    expect(cards.every((card) => card.object === 'model' && card.owned_by === 'openai')).toBe(true);
    expect(cards.map((card) => card.id)).toEqual(
      expect.arrayContaining(['gpt-5.3-codex', 'codex-mini-latest']),
    );

    const second = await models('list', '--provider', 'openai', '--include-deprecated');
    expect(rows(second.stdout)).toHaveLength(EXPECTED.openaiWithDeprecated);
    expect(second.stdout).toContain('source: disk');
    expect(upstream.count).toBe(1);
  });

  it('exits 2 with the usage for bad arguments', async () => {
    for (const args of [
      [],
      ['lst'],
      ['list', '--provider', 'gemini'],
      ['list', '--nope'],
      ['list', 'extra'],
    ]) {
      const result = await models(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: pnpm models <command> [options]');
      expect(result.stdout).toBe('');
    }
    const help = await models('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(USAGE);
  });

  it('exits 2 on a configuration error, naming the key', async () => {
    const result = await runNode(CLI_JS, ['list'], { ...env, PLUGINS__CODEX__MODELS_FETCH_TIMEOUT: '0' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('plugins.codex.models_fetch_timeout');
  });
});

describe('pnpm models refresh (dist/cli.js)', () => {
  it('reports the models added and removed upstream', async () => {
    expect((await models('list', '--provider', 'anthropic')).code).toBe(0);
    const doc = fixtureDocument();
    delete doc['claude-opus-4-1'];
    doc['claude-test-9'] = {
      litellm_provider: 'anthropic',
      mode: 'chat',
      max_input_tokens: 1000,
      max_output_tokens: 100,
    };
    upstream.setBody(doc);

    const result = await models('refresh');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^codex, claude_api \\(${upstream.url.replace(/[.?]/g, '\\$&')}\\): refreshed from upstream; [\\d,]+ models, 1 added, 1 removed$`,
      ),
    );
    expect(lines.slice(1)).toEqual(['  + claude-test-9', '  - claude-opus-4-1']);

    const again = await models('refresh', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject([
      { plugins: ['codex', 'claude_api'], ok: true, notModified: true, added: [], removed: [] },
    ]);
  });

  it('exits 1 and says what is still served when the upstream fails', async () => {
    upstream.status = 503;
    const empty = await models('refresh', '--provider', 'anthropic');
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/^claude_api \(.*\): refresh failed: .*HTTP 503; nothing cached yet/);

    upstream.status = 200;
    expect((await models('list', '--provider', 'anthropic')).code).toBe(0);
    upstream.status = 503;
    const cached = await models('refresh', '--provider', 'anthropic');
    expect(cached.code).toBe(1);
    expect(cached.stdout).toMatch(
      /^claude_api \(.*\): refresh failed: .*HTTP 503; still serving disk \([\d,]+ models\)$/m,
    );
  });
});

describe('runCli in process (fixed clock)', () => {
  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      clock: fixedClock,
    });
    return { code, stdout, stderr };
  }

  it('lists the counts of litellm-data.md on 2026-11-24', async () => {
    const openai = await run('list', '--provider', 'openai');
    expect(rows(openai.stdout)).toHaveLength(EXPECTED.openai);
    expect(openai.stdout).toContain(`\n${EXPECTED.openai} models for openai (`);
    const anthropic = await run('list', '--provider', 'anthropic', '--json');
    expect(JSON.parse(anthropic.stdout)).toHaveLength(EXPECTED.anthropic);
    const all = await run('list', '--json');
    expect(JSON.parse(all.stdout)).toHaveLength(EXPECTED.all);
  });

  it('falls back to the snapshot offline, warning on stderr unless LOG_LEVEL is silent or error', async () => {
    env = { ...env, PLUGINS__CODEX__MODELS_SOURCE_URL: await closedPortUrl() };
    const offline = await run('list', '--provider', 'openai');
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('source: snapshot');
    expect(offline.stderr).toMatch(/^warn: .*snapshot/m);
    expect(offline.stderr).not.toMatch(/^(info|debug):/m);
    for (const level of ['silent', 'error']) {
      env = { ...env, LOG_LEVEL: level };
      const quiet = await run('list', '--provider', 'openai', '--json');
      expect(JSON.parse(quiet.stdout).length).toBeGreaterThan(0);
      expect(quiet.stderr).toBe('');
    }
  });

  it('lists the built-in cards when dynamic models are off, and refresh refuses', async () => {
    env = { ...env, PLUGINS__CLAUDE_API__DYNAMIC_MODELS_ENABLED: 'false' };
    const result = await run('list', '--provider', 'anthropic');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('source: fallback (built-in cards)');
    expect(rows(result.stdout)).toContainEqual(expect.stringMatching(/^claude-opus-4-5 +200,000 +64,000/));
    const refresh = await run('refresh', '--provider', 'anthropic');
    expect(refresh.code).toBe(1);
    expect(refresh.stdout).toContain(
      'dynamic models are off (dynamic_models_enabled = false in [plugins.claude_api])',
    );
    expect(upstream.count).toBe(0);
  });

  it('marks what the plugin’s rules did, as its router serves it, with prices per million tokens', async () => {
    const dir = await dirs.make();
    const rules = `
[plugins.codex.models]
include = ["gpt-5", "gpt-4o"]
aliases = { fast = "gpt-4o", codex = "gpt-5-codex" }
overrides = { "gpt-5" = { max_input_tokens = 200000, pricing = { prompt = "0.000001" } } }
extra = [{ id = "house-coder", max_input_tokens = 64000, pricing = { prompt = 0.000002, completion = 0.000008 } }]

[plugins.claude_api.models]
include = ["claude-sonnet-4-5"]
aliases = { sonnet = "claude-sonnet-4-5" }
`;
    env = { ...env, CCPROXY_CONFIG: await writeConfigFile(dir, upstream.url, join(dir, 'cache'), rules) };
    const openai = await run('list', '--provider', 'openai');
    expect(openai.code).toBe(0);
    expect(rows(openai.stdout)).toEqual([
      'fast         alias     128,000   16,384   $2.50   $10.00  VFC-',
      'gpt-4o                 128,000   16,384   $2.50   $10.00  VFC-',
      'gpt-5        override  200,000  128,000   $1.00   $10.00  VFCR',
      'house-coder  custom     64,000        -   $2.00    $8.00  ----',
    ]);
    expect(openai.stdout).toContain('\n4 models for openai (');
    // The alias to a model the list lacks is named on stderr, as the server logs it.
    expect(openai.stderr).toMatch(/^warn: .*aliases to models not listed are not served: codex$/m);
    const json = JSON.parse((await run('list', '--provider', 'openai', '--json')).stdout);
    expect(json.find((card: { id: string }) => card.id === 'gpt-5')).toMatchObject({
      max_input_tokens: 200_000,
      pricing: { prompt: '0.000001', completion: '0.00001' },
    });
    const anthropic = await run('list', '--provider', 'anthropic');
    expect(rows(anthropic.stdout)).toEqual([
      'claude-sonnet-4-5         200,000   64,000   $3.00   $15.00  VFCR',
      'sonnet             alias  200,000   64,000   $3.00   $15.00  VFCR',
    ]);
    // Rules belong to a plugin: the list of every provider has none.
    const all = await run('list');
    expect(rows(all.stdout).length).toBe(EXPECTED.all);
    expect(rows(all.stdout).some((row) => / (alias|override|custom) /.test(row))).toBe(false);
  });

  it("lists what the plugin's provider list allows, with the key from its environment variable", async () => {
    const provider = await new FakeUpstream(openaiModelList('gpt-4o', 'gpt-house-preview')).start();
    try {
      const dir = await dirs.make();
      const toml = `\n[plugins.codex.availability]\nurl = "${provider.url}"\napi_key_env = "CLI_TEST_OPENAI_KEY"\n`;
      env = {
        ...env,
        CLI_TEST_OPENAI_KEY: 'sk-cli-test-key',
        CCPROXY_CONFIG: await writeConfigFile(dir, upstream.url, join(dir, 'cache'), toml),
      };
      const result = await run('list', '--provider', 'openai');
      expect(result.code).toBe(0);
      expect(rows(result.stdout).map((row) => row.split(' ')[0])).toEqual(['gpt-4o', 'gpt-house-preview']);
      expect(result.stdout).toContain(
        `availability (openai list at ${provider.url}): ok, 2 ids from upstream`,
      );
      expect(provider.requests[0]?.headers.authorization).toBe('Bearer sk-cli-test-key');
      expect(result.stdout + result.stderr).not.toContain('sk-cli-test-key');
    } finally {
      await provider.stop();
    }
  });

  it('prints the rows the README’s Operating it section shows, for its rules', async () => {
    const dir = await dirs.make();
    const rules = readmeBlocks('Operating it', 'toml').join('\n');
    env = { ...env, CCPROXY_CONFIG: await writeConfigFile(dir, upstream.url, join(dir, 'cache'), rules) };
    const result = await run('list', '--provider', 'openai');
    expect(result.code).toBe(0);
    const [shown] = readmeBlocks('Operating it', 'text');
    const [header, ...excerpt] = (shown ?? '').trimEnd().split('\n');
    expect(result.stdout.split('\n')[0]).toBe(header);
    expect(excerpt.length).toBeGreaterThan(0);
    for (const line of excerpt) expect(rows(result.stdout)).toContain(line);
  });
});

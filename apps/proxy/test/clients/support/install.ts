/**
 * Installs a pinned client into `<repo>/.cache/clients/<name>@<version>/` with npm, outside the
 * workspace's `pnpm install` (the two clients are ~800 MB with their platform binaries). A
 * folder with a finished install is reused; anything else is installed again, and a failure
 * throws: the client suite must fail loudly, never skip.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PinnedClient } from './pinned.js';

const CLIENTS_CACHE_DIR = fileURLToPath(new URL('../../../../../.cache/clients/', import.meta.url));

/** Written last, so a folder left by an interrupted install is never taken for a finished one. */
const DONE_MARKER = '.installed.json';

class ClientInstallError extends Error {
  override readonly name = 'ClientInstallError';
}

function clientDir(client: PinnedClient): string {
  return join(CLIENTS_CACHE_DIR, `${client.name}@${client.version}`);
}

/** Path of the client's executable; throws when the global setup has not installed it. */
export function clientBin(client: PinnedClient): string {
  const bin = join(clientDir(client), 'node_modules', '.bin', client.bin);
  if (!existsSync(join(clientDir(client), DONE_MARKER)) || !existsSync(bin)) {
    throw new ClientInstallError(
      `${client.package}@${client.version} is not installed in ${clientDir(client)}: the client suite's global setup installs it`,
    );
  }
  return bin;
}

export interface InstallResult {
  readonly client: PinnedClient;
  readonly dir: string;
  /** False when a finished install of the pinned version was already there. */
  readonly installed: boolean;
  readonly ms: number;
}

export async function ensureClient(client: PinnedClient): Promise<InstallResult> {
  const dir = clientDir(client);
  const started = Date.now();
  if (await isInstalled(client, dir)) return { client, dir, installed: false, ms: Date.now() - started };

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const spec = `${client.package}@${client.version}`;
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', spec],
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } },
      (error, stdout, stderr) => {
        if (error === null) resolve();
        else
          reject(
            new ClientInstallError(`npm install ${spec} failed (${error.message}):\n${stderr}${stdout}`, {
              cause: error,
            }),
          );
      },
    );
  });
  const installedVersion = await packageVersion(client, dir);
  if (installedVersion !== client.version || !existsSync(join(dir, 'node_modules', '.bin', client.bin))) {
    throw new ClientInstallError(
      `npm install ${spec} left version ${installedVersion ?? 'none'} and no usable ${client.bin} in ${dir}`,
    );
  }
  // Claude Code links its platform binary in a postinstall script: a run with scripts disabled
  // leaves a placeholder that only prints an error, so ask the binary itself.
  await checkRuns(client, join(dir, 'node_modules', '.bin', client.bin));
  await writeFile(
    join(dir, DONE_MARKER),
    `${JSON.stringify({ package: client.package, version: client.version })}\n`,
  );
  return { client, dir, installed: true, ms: Date.now() - started };
}

async function isInstalled(client: PinnedClient, dir: string): Promise<boolean> {
  if (!existsSync(join(dir, DONE_MARKER)) || !existsSync(join(dir, 'node_modules', '.bin', client.bin)))
    return false;
  return (await packageVersion(client, dir)) === client.version;
}

async function packageVersion(client: PinnedClient, dir: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(
      await readFile(join(dir, 'node_modules', ...client.package.split('/'), 'package.json'), 'utf8'),
    ) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

function checkRuns(client: PinnedClient, bin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['--version'], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error === null && stdout.includes(client.version)) resolve();
      else
        reject(
          new ClientInstallError(
            `${bin} --version did not report ${client.version} (${error?.message ?? 'exit 0'}): ${stdout}${stderr}`,
            { cause: error ?? undefined },
          ),
        );
    });
  });
}

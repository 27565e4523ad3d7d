import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built entry points: these tests run after `tsc -b`, like `pnpm start` and `pnpm models`. */
export const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const CLI_JS = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export function assertBuilt(): void {
  for (const file of [MAIN_JS, CLI_JS]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -b\` first`);
  }
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `node <script> ...args` to completion (the CLI). */
export function runNode(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<Finished> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env, cwd, timeout: 15_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

export interface JsonLine {
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** A long-running child (the server) whose stdout is read as pino JSON lines. */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly lines: JsonLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #buffer = '';
  #waiters: Array<() => void> = [];

  constructor(script: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#buffer += chunk;
      let newline = this.#buffer.indexOf('\n');
      while (newline !== -1) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        if (line.trim() !== '') this.lines.push(JSON.parse(line) as JsonLine);
        newline = this.#buffer.indexOf('\n');
      }
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        for (const wake of this.#waiters.splice(0)) wake();
        resolve({ code, signal });
      });
    });
  }

  /** The first log line matching `predicate`, waiting up to `timeoutMs` for it. */
  async waitFor(predicate: (line: JsonLine) => boolean, timeoutMs = 10_000): Promise<JsonLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found !== undefined) return found;
      if (this.child.exitCode !== null) {
        throw new Error(`process exited (${this.child.exitCode}) first; stderr: ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; lines so far: ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ends the process if a test left it running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { CatalogStatus } from '../../src/catalog/catalog.js';
import type { CatalogOptions } from '../../src/options.js';

const WORKER = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));

/** A diagnostics event a member forwarded, stamped with its index and the member's clock. */
export interface FleetEvent {
  readonly member: number;
  readonly name:
    | 'refreshStart'
    | 'refreshFinish'
    | 'refreshFail'
    | 'storeDegraded'
    | 'storeRecovered'
    | 'storeAdopt';
  readonly at: number;
  readonly [field: string]: unknown;
}

export interface Answer {
  readonly status: number;
  readonly models: number;
  readonly ms: number;
  readonly source: string | undefined;
}

/** What a member is started with: catalog options (plain data) plus where Redis is. */
export type MemberOptions = Omit<CatalogOptions, 'store' | 'logger' | 'clock'> & {
  readonly redisUrl: string;
  readonly namespace?: string;
};

interface Member {
  readonly child: ChildProcess;
  readonly port: number;
}

/**
 * N server processes sharing one Redis, each a models router over the built package
 * (fleet-worker.mjs). The test waits on what they report: every diagnostics event is recorded.
 */
export class Fleet {
  readonly events: FleetEvent[] = [];
  readonly #members: Member[] = [];
  readonly #waiters: Array<{
    readonly test: (event: FleetEvent) => boolean;
    readonly resolve: (e: FleetEvent) => void;
  }> = [];

  static async start(size: number, options: MemberOptions): Promise<Fleet> {
    const fleet = new Fleet();
    const members = await Promise.all(
      Array.from({ length: size }, (_, index) => fleet.#spawn(index, options)),
    );
    fleet.#members.push(...members);
    return fleet;
  }

  get size(): number {
    return this.#members.length;
  }

  async #spawn(index: number, options: MemberOptions): Promise<Member> {
    const child = fork(WORKER, [JSON.stringify(options)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: { type: string } & Record<string, unknown>) => {
      if (message.type !== 'event') return;
      const event = { ...message, member: index } as unknown as FleetEvent;
      this.events.push(event);
      for (const waiter of this.#waiters.filter((w) => w.test(event))) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    });
    const [ready] = (await once(child, 'message')) as [{ type: string; port: number }];
    if (ready.type !== 'ready')
      throw new Error(`fleet member ${index} did not start: ${JSON.stringify(ready)}`);
    return { child, port: ready.port };
  }

  /** The first event (already recorded or still to come) that passes `test`. */
  next(test: (event: FleetEvent) => boolean, { after = 0 }: { after?: number } = {}): Promise<FleetEvent> {
    const seen = this.events.slice(after).find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  of(name: FleetEvent['name']): FleetEvent[] {
    return this.events.filter((event) => event.name === name);
  }

  /** `GET /v1/models` on member `index`: status, models listed, the tier, and how long it took. */
  get(index: number): Promise<Answer> {
    const member = this.#members[index] as Member;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: member.port, path: '/v1/models' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown[] };
          resolve({
            status: res.statusCode ?? 0,
            models: Array.isArray(body.data) ? body.data.length : 0,
            ms: performance.now() - started,
            source: res.headers['x-models-source'] as string | undefined,
          });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  getAll(): Promise<Answer[]> {
    return Promise.all(this.#members.map((_, index) => this.get(index)));
  }

  async status(index: number): Promise<CatalogStatus> {
    const member = this.#members[index] as Member;
    const response = await fetch(`http://127.0.0.1:${member.port}/status`);
    return (await response.json()) as CatalogStatus;
  }

  /** Kills member `index` at once (SIGKILL: no close, no lease release), as a crash would. */
  async kill(index: number): Promise<void> {
    const { child } = this.#members[index] as Member;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Requests to every live member, one after another per member, until `stop` resolves. Returns
   * every answer; a member that was killed is skipped.
   */
  async load(stop: Promise<unknown>, alive: (index: number) => boolean = () => true): Promise<Answer[]> {
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    const answers: Answer[] = [];
    await Promise.all(
      this.#members.map(async (_, index) => {
        while (!stopped && alive(index)) {
          answers.push(await this.get(index));
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    return answers;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#members.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'close' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

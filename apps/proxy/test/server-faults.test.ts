import { type Logger, pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import { type LogRecord, tempDirs, testConfig } from './support/env.js';
import { EXPECTED, fixedClock, fixtureBytes } from './support/fixture.js';
import { FakeUpstream } from './support/upstream.js';

let upstream: FakeUpstream;
const dirs = tempDirs();

beforeAll(async () => {
  upstream = await new FakeUpstream(fixtureBytes()).start();
});
afterAll(() => upstream.stop());
afterEach(() => dirs.cleanup());

/** A pino logger that throws while logging `throwOn`, as a broken transport or hook would. */
function throwingLogger(throwOn: RegExp): { logger: Logger; lines: LogRecord[] } {
  const lines: LogRecord[] = [];
  const stream = {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line));
    },
  };
  const logger = pino(
    {
      level: 'info',
      hooks: {
        logMethod(args, method) {
          if (args.some((arg) => typeof arg === 'string' && throwOn.test(arg)))
            throw new Error('logger broke');
          return method.apply(this, args);
        },
      },
    },
    stream,
  );
  return { logger, lines };
}

describe('startServer when warming fails', () => {
  it('does not leave an unhandled rejection (main.ts never awaits `ready`): logs it and keeps serving', async () => {
    const { logger, lines } = throwingLogger(/^models ready/);
    const config = testConfig(upstream.url, await dirs.make(), { SERVER__PORT: '0' });
    const running = await startServer(config, { logger, clock: fixedClock });
    try {
      await expect(running.ready).resolves.toBeUndefined();
      const failed = lines.find((line) => /warming the models catalogs failed/.test(line.msg));
      expect(failed).toMatchObject({ err: { message: 'logger broke' } });
      const codex = await fetch(`${running.url}/codex/v1/models`);
      expect(codex.status).toBe(200);
      expect(((await codex.json()) as { data: unknown[] }).data).toHaveLength(EXPECTED.openai);
    } finally {
      await running.close();
    }
  });
});

import { createHook } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { body } from './faults.js';
import { fixtureBytes } from './fixture.js';
import type { FakeUpstream } from './upstream.js';

/** Support for the host-app suite: a slow upstream the test releases, and what the host saw. */

export interface Held {
  /** Resolves when the first held request reaches the upstream (the catalog is now waiting on it). */
  readonly arrived: Promise<void>;
  /** Answers every held request with the fixture and serves later ones normally. */
  release(): void;
}

/** Makes the upstream hold every request until `release()`: a cold catalog waits as long as the test wants. */
export function hold(upstream: FakeUpstream): Held {
  const waiting: Array<[IncomingMessage, ServerResponse]> = [];
  let arrive: () => void = () => {};
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  upstream.handle = (req, res) => {
    waiting.push([req, res]);
    arrive();
  };
  return {
    arrived,
    release() {
      upstream.handle = undefined;
      const serve = body(fixtureBytes());
      for (const [req, res] of waiting.splice(0)) if (!res.destroyed) serve(req, res);
    },
  };
}

/**
 * Records every header or body write made after the response was answered (the fault of the
 * issue: a router setting headers on a response a timeout already sent). Mount it first.
 */
export function watchLateWrites(late: string[]): RequestHandler {
  return function lateWriteWatcher(req, res, next) {
    const url = req.originalUrl;
    const setHeader = res.setHeader.bind(res);
    res.setHeader = (name: string, value: number | string | readonly string[]) => {
      if (res.headersSent) late.push(`setHeader ${name} on ${url}`);
      return setHeader(name, value);
    };
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      if (res.headersSent) late.push(`writeHead ${String(args[0])} on ${url}`);
      return writeHead(...args);
    }) as typeof res.writeHead;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (res.writableEnded) late.push(`end on ${url}`);
      return end(...args);
    }) as typeof res.end;
    next();
  };
}

/** The host's error handler: records what reached it and answers with the error's status. */
export function hostErrorHandler(errors: unknown[]): ErrorRequestHandler {
  return function hostOnError(err, _req, res, next) {
    errors.push(err);
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = (err as { status?: unknown }).status;
    res.status(typeof status === 'number' ? status : 500).json({ handledBy: 'host', status });
  };
}

/** Resolves with each request's response object as the host sees it (mount it first). */
export function captureResponses(
  seen: ServerResponse[],
  onSeen?: (res: ServerResponse) => void,
): RequestHandler {
  return function responseCapture(_req, res, next) {
    seen.push(res);
    onSeen?.(res);
    next();
  };
}

const nextTurnOf = globalThis.setImmediate;

/** One turn of the event loop: lets close callbacks and async-hook destroys run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => nextTurnOf(resolve));
}

const PACKAGE_SOURCE = /[/\\]models-middleware[/\\](?:src|dist)[/\\]/;
/** Frames of the timer and worker constructors themselves, between the hook and their caller. */
const MACHINERY =
  /\(?node:(?:internal\/async_hooks|timers|internal\/timers|internal\/worker|worker_threads)[:)]/;
const TRACKED = new Set(['Timeout', 'Immediate', 'WORKER', 'MESSAGEPORT']);

export interface HandleTracker {
  /** Timers, immediates and workers the package created that are still alive, each with its creating frame. */
  alive(): string[];
  /** Waits (event-loop turns, not time) until none is alive, or gives up after `turns` and returns what is. */
  settled(turns?: number): Promise<string[]>;
  stop(): void;
}

/**
 * Tracks the timers and workers created by the package's own code. `process.getActiveResourcesInfo()`
 * cannot see them: the catalog unrefs its timers (a library must not keep a process alive), and
 * unref'd timers are not listed. An async hook sees every one, ref'd or not, and when it is gone.
 */
export function trackPackageHandles(): HandleTracker {
  const live = new Map<number, string>();
  const hook = createHook({
    init(asyncId, type) {
      if (!TRACKED.has(type)) return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      // The frame that called setTimeout/setInterval/new Worker: a timer Node's own HTTP code
      // starts while the package writes a response (the Date header cache) is not the package's.
      const frames = stack.split('\n').slice(2);
      const caller = frames.find((line) => !MACHINERY.test(line));
      if (caller !== undefined && PACKAGE_SOURCE.test(caller)) live.set(asyncId, `${type} ${caller.trim()}`);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  });
  hook.enable();
  return {
    alive: () => [...live.values()],
    async settled(turns = 200) {
      for (let i = 0; i < turns && live.size > 0; i++) await nextTurn();
      return [...live.values()];
    },
    stop: () => hook.disable(),
  };
}

import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dialectOf, errorHandler, notFoundHandler } from './errors.js';

function appThrowing(error: unknown) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const dialect = dialectOf(['/claude/v1']);
  const app = express();
  app.get('/{*rest}', () => {
    throw error;
  });
  app.use(notFoundHandler(dialect));
  app.use(errorHandler(logger, dialect));
  return { app, lines };
}

describe('notFoundHandler', () => {
  it('answers JSON in the caller’s dialect', async () => {
    const app = express();
    app.use(notFoundHandler(dialectOf(['/claude/v1'])));
    const openai = await request(app).get('/x').expect(404);
    expect(openai.body).toEqual({
      error: { message: 'Not found: GET /x', type: 'invalid_request_error', param: null, code: 'not_found' },
    });
    expect(openai.headers['cache-control']).toBe('no-store');
    const byMount = await request(app).get('/claude/v1/complete').expect(404);
    expect(byMount.body).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'Not found: GET /claude/v1/complete' },
    });
    const byHeader = await request(app).get('/x').set('anthropic-version', '2023-06-01').expect(404);
    expect(byHeader.body.type).toBe('error');
    // A prefix of the mount is not under it.
    expect((await request(app).get('/claude/v10').expect(404)).body.error.type).toBe('invalid_request_error');
  });
});

describe('errorHandler', () => {
  it('hides internal messages, logs 5xx once, and uses status / statusCode', async () => {
    const { app, lines } = appThrowing(new Error('secret detail'));
    const res = await request(app).get('/boom').expect(500);
    expect(res.body).toEqual({
      error: { message: 'Internal server error', type: 'server_error', param: null, code: null },
    });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(lines.filter((line) => line.msg === 'request failed')).toHaveLength(1);

    const upstream = Object.assign(new Error('models upstream down'), { status: 502, expose: false });
    expect((await request(appThrowing(upstream).app).get('/x').expect(502)).body.error.message).toBe(
      'Internal server error',
    );
    const teapot = Object.assign(new Error('short and stout'), { statusCode: 418, expose: true });
    expect((await request(appThrowing(teapot).app).get('/x').expect(418)).body.error).toMatchObject({
      message: 'short and stout',
      type: 'invalid_request_error',
    });
  });

  it('answers in the Anthropic envelope under an Anthropic mount, and survives non-Error throws', async () => {
    const res = await request(appThrowing('a string').app).get('/claude/v1/models').expect(500);
    expect(res.body).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'Internal server error' },
    });
    const bad = Object.assign(new Error('bad'), { status: 99 });
    await request(appThrowing(bad).app).get('/x').expect(500);
  });
});

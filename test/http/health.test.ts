import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { Readiness } from '../../src/http/readiness.ts';
import { healthRoutes } from '../../src/http/routes/health.ts';
import { createLogger } from '../../src/log.ts';

const silent = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

describe('health and readiness', () => {
  it('/readyz follows the lifecycle: starting 503, ready 200, stopping 503; /healthz is always 200', async () => {
    const readiness = new Readiness();
    const app = buildApp({ log: silent, routes: [healthRoutes(readiness, () => ({ state: { journalBytes: 42 } }))] });
    const readyz = async () => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      return [res.statusCode, res.json()];
    };
    expect(await readyz()).toEqual([503, { status: 'starting', state: { journalBytes: 42 } }]);
    readiness.markReady();
    expect(await readyz()).toEqual([200, { status: 'ready', state: { journalBytes: 42 } }]);
    readiness.markStopping();
    expect(await readyz()).toEqual([503, { status: 'stopping', state: { journalBytes: 42 } }]);
    readiness.markReady(); // a late markReady cannot undo stopping
    expect((await readyz())[0]).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await app.close();
  });
});

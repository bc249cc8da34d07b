import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeCertificate, presentedCertificate } from '../support/certificates.ts';
import { createTestAgent } from '../support/in-process-agent.ts';
import { eventually } from '../support/workload.ts';

const dir = mkdtempSync(join(tmpdir(), 'qb-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const makeCert = (name: string) => makeCertificate(dir, name);

const peerName = async (port: number) => String((await presentedCertificate(port)).subject?.CN);

describe('TLS', () => {
  it('serves HTTPS with the configured certificate and swaps it on SIGHUP without a restart', async () => {
    const one = makeCert('qb-agent-one');
    const two = makeCert('qb-agent-two');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(one.cert, live.cert);
    copyFileSync(one.key, live.key);
    const agent = await spawnAgent({ args: ['--host.enabled', 'false', '--http.tls.certFile', live.cert, '--http.tls.keyFile', live.key] });
    try {
      expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(agent.url).port);
      expect(await peerName(port)).toBe('qb-agent-one');
      // Plain HTTP on the TLS port gets no HTTP answer.
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

      copyFileSync(two.cert, live.cert);
      copyFileSync(two.key, live.key);
      agent.child.kill('SIGHUP');
      await eventually(async () => (agent.logs.some((l) => l.msg === 'TLS certificate reloaded') ? true : undefined), 5000, 'the reload log line');
      expect(await peerName(port)).toBe('qb-agent-two');
      expect(agent.child.exitCode).toBeNull();
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });

  it('refuses to start with only one of the certificate and key', async () => {
    const { cert } = makeCert('half');
    await expect(spawnAgent({ args: ['--http.tls.certFile', cert], startTimeoutMs: 5000 })).rejects.toThrow(/http\.tls\.keyFile: empty while http\.tls\.certFile/);
  });
});

describe('/metrics authentication', () => {
  const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

  it('accepts the configured bearer token or basic-auth user and nothing else', async () => {
    const t = createTestAgent(['--metrics.bearerTokens', 'scrape-token', '--metrics.basicAuthUsers', 'prom:pa55']);
    try {
      const get = (authorization?: string) => t.agent.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      const none = await get();
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Basic realm="qb-agent", charset="UTF-8"');
      expect(none.json()).toEqual({ error: 'unauthorized', message: '/metrics needs credentials (bearer token or basic auth)' });
      for (const wrong of ['Bearer nope', basic('prom', 'wrong'), basic('other', 'pa55'), 'Basic !!!', 'scrape-token']) expect((await get(wrong)).statusCode).toBe(401);
      const bearer = await get('Bearer scrape-token');
      expect(bearer.statusCode).toBe(200);
      expect(bearer.body).toContain('qb_agent_build_info');
      expect((await get(basic('prom', 'pa55'))).statusCode).toBe(200);
      expect((await t.agent.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('leaves /metrics open when no credentials are configured', async () => {
    const t = createTestAgent();
    try {
      expect((await t.agent.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { credentialCheck } from '../../src/http/auth.ts';
import { createTestAgent } from '../support/in-process-agent.ts';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('credentialCheck', () => {
  it('is undefined (the route is open) when nothing is configured', () => {
    expect(credentialCheck({ bearerTokens: [] })).toBeUndefined();
    expect(credentialCheck({ bearerTokens: [], basicAuthUsers: [] })).toBeUndefined();
  });

  it('accepts exactly the configured bearer tokens, whatever their lengths, with the scheme in any case', () => {
    const check = credentialCheck({ bearerTokens: ['a', 'a-much-longer-token'] })!;
    expect(['Bearer a', 'bearer a-much-longer-token', '  BEARER   a  '].map(check)).toEqual([true, true, true]);
    expect([undefined, '', 'Bearer', 'Bearer ', 'Bearer b', 'Bearer a-much-longer', 'a', 'Token a', basic('a')].map(check)).toEqual(Array(9).fill(false));
  });

  it('accepts basic-auth users only where they are configured, and bearer tokens beside them', () => {
    const both = credentialCheck({ bearerTokens: ['t'], basicAuthUsers: ['prom:pa55'] })!;
    expect([basic('prom:pa55'), 'Bearer t'].map(both)).toEqual([true, true]);
    expect([basic('prom:wrong'), basic('other:pa55'), 'Basic !!!', 'Bearer prom:pa55'].map(both)).toEqual([false, false, false, false]);
    const tokensOnly = credentialCheck({ bearerTokens: ['prom:pa55'] })!;
    expect(tokensOnly(basic('prom:pa55'))).toBe(false);
  });
});

describe('one way to reject', () => {
  it('ingest, /metrics and the status API answer 401 with the catalogue body and a WWW-Authenticate challenge', async () => {
    const t = createTestAgent(['--metrics.bearerTokens', 'scrape', '--metrics.basicAuthUsers', 'prom:pa55'], {
      QB_AGENT_INGEST_TOKENS: 'ingest',
      QB_AGENT_STATUS_TOKEN: 'status',
    });
    try {
      const inject = (method: 'GET' | 'POST', url: string) =>
        t.agent.app.inject({ method, url, headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: '{"events":[]}' } : {}) });
      const answers = await Promise.all([inject('POST', '/v1/events'), inject('GET', '/metrics'), inject('GET', '/api/status')]);
      expect(answers.map((r) => [r.statusCode, r.headers['www-authenticate'], r.json()])).toEqual([
        [401, 'Bearer realm="qb-agent"', { error: 'unauthorized', message: 'missing or invalid bearer token' }],
        [401, 'Basic realm="qb-agent", charset="UTF-8"', { error: 'unauthorized', message: '/metrics needs credentials (bearer token or basic auth)' }],
        [401, 'Bearer realm="qb-agent status"', { error: 'unauthorized', message: 'missing or invalid bearer token: use one of ingest.tokens or status.token' }],
      ]);
    } finally {
      await t.close();
    }
  });
});

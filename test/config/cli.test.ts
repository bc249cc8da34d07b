import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSettings } from '../../src/config/schema.ts';
import { runCli } from '../support/agent-process.ts';
import { ROOT } from '../support/tools.ts';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'config', name);

describe('qb-agent command line', () => {
  it('--help lists every setting with its env var and default', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const s of listSettings()) {
      expect(stdout).toContain(`  ${s.key}\n`);
      if (s.env) expect(stdout).toContain(`env: ${s.env}`);
    }
    expect(stdout).toContain('env: QB_AGENT_HTTP_PORT   default: 9464');
  });

  it('check-config prints the effective config with secrets redacted and exits 0', async () => {
    const { code, stdout, stderr } = await runCli(['check-config', '--config', fixture('valid.json')], { OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cret' });
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(shown.http).toEqual({ host: '127.0.0.1', port: 9600, tls: { certFile: '', keyFile: '' }, headersTimeoutMs: 10000, requestTimeoutMs: 30000, keepAliveTimeoutMs: 5000 });
    expect(shown.ingest?.tokens).toBe('[REDACTED]');
    expect(shown.otlp?.headers).toBe('[REDACTED]');
    expect(stdout).not.toContain('s3cret');
    expect(stdout).not.toContain('t1');
    expect(stderr).toBe(`qb-agent: configuration is valid (file ${fixture('valid.json')})\n`);
  });

  it('exits 2 with one readable message, no stack trace, for each kind of bad value', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['check-config', '--config', fixture('typo-key.yaml')], {}, 'http.prot: unknown key'],
      [['check-config', '--config', fixture('bad-port.yaml')], {}, 'http.port: 70000 (from file'],
      [['check-config'], { QB_AGENT_HTTP_PORT: 'x' }, 'http.port: "x" (from env QB_AGENT_HTTP_PORT)'],
      [['--http.port', '70000'], {}, 'http.port: "70000" (from flag --http.port)'],
      [['check-config', '--config', fixture('unparsable.yaml')], {}, 'cannot parse it'],
    ];
    for (const [args, env, expected] of cases) {
      const { code, stdout, stderr } = await runCli(args, env);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^qb-agent: invalid configuration:\n {2}/);
      expect(stderr).toContain(expected);
      expect(stderr).not.toMatch(/\bat .*\.(js|ts):\d+/);
    }
  });

  it('rejects an unknown command with exit 2', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toBe('qb-agent: unknown command "frobnicate" (see qb-agent --help)\n');
  });
});

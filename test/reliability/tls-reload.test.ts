import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAgent } from '../support/agent-process.ts';
import { makeCertificate, presentedCertificate, type TestCertificate } from '../support/certificates.ts';
import { eventually } from '../support/workload.ts';

const dir = mkdtempSync(join(tmpdir(), 'qb-tls-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RELOADED = 'TLS certificate reloaded';
const FAILED = 'TLS reload failed; keeping the current certificate';

/**
 * docs/reliability.md: "SIGHUP re-reads both (new connections get the new
 * certificate; a bad file keeps the old one and logs an error)". Each bad file
 * below is a way an operator's renewal goes wrong.
 */
describe('TLS reload on SIGHUP', () => {
  it('keeps serving the current certificate after a bad one, logs why, and takes the next good one', async () => {
    const one = makeCertificate(dir, 'reload-one');
    const two = makeCertificate(dir, 'reload-two');
    const three = makeCertificate(dir, 'reload-three');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    const install = (c: Pick<TestCertificate, 'cert' | 'key'>) => {
      copyFileSync(c.cert, live.cert);
      copyFileSync(c.key, live.key);
    };
    install(one);
    const agent = await spawnAgent({ args: ['--host.enabled', 'false', '--http.tls.certFile', live.cert, '--http.tls.keyFile', live.key] });
    const port = Number(new URL(agent.url).port);
    const logged = (msg: string) => agent.logs.filter((l) => l.msg === msg);
    const hangUp = async (msg: string, count: number) => {
      agent.child.kill('SIGHUP');
      return eventually(async () => logged(msg)[count - 1], 10_000, `log line ${count} "${msg}"`);
    };
    try {
      expect((await presentedCertificate(port)).fingerprint256).toBe(one.fingerprint256);

      // [what went wrong, files to install, the reason the log line must give]
      const bad: Array<[string, () => void, RegExp]> = [
        ['a certificate cut short (a copy caught half-way)', () => {
          install(two);
          const pem = readFileSync(two.cert, 'utf8');
          writeFileSync(live.cert, pem.slice(0, pem.length >> 1));
        }, /PEM|no start line|bad end line/i],
        ['a key that belongs to another certificate', () => install({ cert: two.cert, key: three.key }), /key values mismatch/],
        ['a missing key file', () => {
          install(two);
          rmSync(live.key);
        }, /ENOENT/],
      ];
      for (const [index, [what, breakFiles, reason]] of bad.entries()) {
        breakFiles();
        const line = await hangUp(FAILED, index + 1);
        expect(line, what).toMatchObject({ level: 'error', certFile: live.cert, err: { message: expect.stringMatching(reason) } });
        expect((await presentedCertificate(port)).fingerprint256, what).toBe(one.fingerprint256);
        expect(logged(RELOADED), what).toEqual([]);
      }

      install(two);
      expect(await hangUp(RELOADED, 1)).toMatchObject({ level: 'info', certFile: live.cert });
      expect((await presentedCertificate(port)).fingerprint256).toBe(two.fingerprint256);
      expect(logged(FAILED)).toHaveLength(bad.length);
      expect(agent.child.exitCode).toBeNull();
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });
});

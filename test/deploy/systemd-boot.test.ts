import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotName } from '../../src/state/snapshot-file.ts';
import { freePort } from '../support/ports.ts';
import { parseExposition, valueOf } from '../support/prom-text.ts';
import { ROOT } from '../support/tools.ts';
import { EVERY_TYPE_BATCH, eventually, postEvents } from '../support/workload.ts';
import { asRoot, documentedCommands } from './support/deployment-doc.ts';
import { bootContainer, ensureSystemdRoot, systemdBootUnavailable, type Container } from './support/nspawn.ts';

const why = systemdBootUnavailable();
const STATE = '/var/lib/private/qb-agent';
/** systemd's range for DynamicUser= ids (61184–65519). */
const DYNAMIC_UIDS = [61184, 65519] as const;

/** The directory of the npm package behind the `npm` on PATH (bound into the container as its npm). */
function npmPackageDir(): string {
  let dir = dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim()));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== 'npm') {
    if (dir === dirname(dir)) throw new Error('cannot find the npm package behind `npm`');
    dir = dirname(dir);
  }
  return dir;
}

/** One batch of every event type with ids of its own: each adds exactly one EUR/A invoice. */
const batch = (tag: string) => EVERY_TYPE_BATCH.map((e) => ({ ...e, id: `${tag}-${e.id}` }));

/**
 * The shipped unit (deploy/systemd/qb-agent.service, full sandbox) under a real
 * systemd: a minimal Debian bookworm booted with systemd-nspawn (cached in
 * .cache/systemd-root, run with a tmpfs overlay so it stays pristine). The
 * agent is installed by running the commands of docs/deployment.md §3 inside
 * it, from this checkout (dist/ built by the suite) bound read-only at
 * /src/qb-agent. Node is this suite's Node 24 copied to /usr/bin/node (the
 * unit's ExecStart), npm the host's bound read-only beside it, with the host's
 * npm cache. The tests run in order: each starts from the state the previous
 * one left.
 */
describe.skipIf(why)(`deploy/systemd/qb-agent.service under systemd (bookworm in systemd-nspawn)${why ? `: ${why}` : ''}`, () => {
  let box: Container;
  let url: string;
  let batches = 0;
  const ran: string[] = [];

  /** `systemctl show qb-agent` properties. */
  const show = (...props: string[]): Record<string, string> =>
    Object.fromEntries(
      box
        .sh(`systemctl show qb-agent ${props.map((p) => `-p ${p}`).join(' ')}`)
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const ready = () => eventually(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000, 'the agent to be ready');
  const post = async (tag: string) => {
    const res = await postEvents(url, batch(tag));
    expect(res).toEqual({ status: 202, body: { accepted: EVERY_TYPE_BATCH.length, duplicates: 0 } });
    batches++;
  };
  const invoices = async () => valueOf(parseExposition(await (await fetch(`${url}/metrics`)).text()), 'quality_billing_invoices_total', { currency: 'EUR', quality_grade: 'A' });
  const journal = () => box.sh('journalctl -u qb-agent -o cat --no-pager');

  beforeAll(async () => {
    const root = ensureSystemdRoot(20 * 60_000);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    box = await bootContainer({
      root,
      name: `qb-unit-${process.pid}`,
      bootTimeoutMs: 120_000,
      binds: [
        { host: ROOT, container: '/src/qb-agent', readOnly: true },
        { host: dirname(process.execPath), container: '/run/qb-node', readOnly: true },
        { host: npmPackageDir(), container: '/usr/lib/node_modules/npm', readOnly: true },
        { host: npmCache, container: '/root/.npm' },
      ],
    });
    // What the docs take as given: Node at /usr/bin/node (the unit's ExecStart) and npm.
    box.sh('install -m 0755 /run/qb-node/node /usr/bin/node && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm');

    for (const { section, command } of documentedCommands(readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8'), '## 3. As a systemd service')) {
      if (section.startsWith('on a build machine')) {
        expect(existsSync(join(ROOT, 'dist', 'cli.js')), 'dist/ is built by the suite').toBe(true);
        continue;
      }
      const edit = /^sudoedit (\S+)/.exec(command);
      // The operator's edit: the port this test listens on (everything else stays at its default).
      const line = edit ? `printf 'QB_AGENT_HTTP_PORT=%s\\n' ${port} >> ${edit[1]}` : asRoot(command);
      if (/^journalctl\b.*\s-f\b/.test(command)) continue; // follows forever; the tests read the journal themselves
      ran.push(line);
      box.sh(`cd /src/qb-agent && ${line}`, { env: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }, timeoutMs: 180_000 });
    }
  }, 25 * 60_000);

  afterAll(async () => {
    await box?.stop();
  });

  it('installs by the documented commands, enabled and active, and becomes ready', async () => {
    expect(ran).toEqual(expect.arrayContaining(['systemctl daemon-reload', 'systemctl enable --now qb-agent']));
    expect(box.sh('systemctl is-enabled qb-agent').trim()).toBe('enabled');
    await ready();
    expect(show('ActiveState', 'SubState', 'Type')).toEqual({ ActiveState: 'active', SubState: 'running', Type: 'exec' });
  });

  it('takes events', async () => {
    await post('ingest');
    expect(await invoices()).toBe(batches);
  });

  it('runs as a dynamic user, sandboxed, with its state in /var/lib/private/qb-agent', () => {
    const pid = show('MainPID').MainPID;
    const status = box.sh(`cat /proc/${pid}/status`);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
    expect(uid).toBeGreaterThanOrEqual(DYNAMIC_UIDS[0]);
    expect(uid).toBeLessThanOrEqual(DYNAMIC_UIDS[1]);
    expect(/^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual([uid, uid, uid, uid].map(String));
    // NoNewPrivileges, SystemCallFilter (seccomp filter mode), no capabilities.
    expect(/^NoNewPrivs:\s+(\d)/m.exec(status)![1]).toBe('1');
    expect(/^Seccomp:\s+(\d)/m.exec(status)![1]).toBe('2');
    expect(/^CapEff:\s+(\w+)/m.exec(status)![1]).toBe('0000000000000000');
    // ProtectSystem=strict: the root is read-only in its mount namespace.
    expect(box.sh(`awk '$5 == "/" { print $6 }' /proc/${pid}/mountinfo`).trim()).toMatch(/^ro\b/);

    expect(box.sh('readlink /var/lib/qb-agent').trim()).toBe('private/qb-agent');
    expect(box.sh(`stat -c '%u %a' ${STATE}`).trim()).toBe(`${uid} 750`);
    const files = box.sh(`cd ${STATE} && stat -c '%n %u %a' *`).trim().split('\n');
    expect(files).toContain(`journal-0000000000000001.wal ${uid} 600`);
    for (const f of files) expect(f, 'owned by the service, mode 0600 (UMask=0077)').toMatch(new RegExp(` ${uid} 600$`));
  });

  it('stops cleanly on SIGTERM: exit 0 after a final snapshot, and restores it on the next start', async () => {
    await post('before-stop');
    const before = await invoices();
    box.sh('systemctl stop qb-agent');
    expect(show('ActiveState', 'Result', 'ExecMainCode', 'ExecMainStatus')).toEqual({ ActiveState: 'inactive', Result: 'success', ExecMainCode: '1', ExecMainStatus: '0' });
    const logs = journal();
    expect(logs).toContain('"signal":"SIGTERM","msg":"signal received"');
    expect(logs).toContain('"msg":"stopped"');
    // Every applied batch is one journal record; the final snapshot covers them all.
    expect(box.sh(`ls ${STATE}`).split('\n')).toContain(snapshotName(batches));

    box.sh('systemctl start qb-agent');
    await ready();
    expect(await invoices()).toBe(before);
  });

  it('is restarted after a SIGKILL of its main process (Restart=on-failure), with every acknowledged event', async () => {
    for (let i = 0; i < 10; i++) await post(`before-kill-${i}`);
    const { MainPID: killed, NRestarts: restarts } = show('MainPID', 'NRestarts');
    box.sh('systemctl kill --signal=SIGKILL --kill-whom=main qb-agent');
    // RestartSec=5s, then a fresh process: poll for it, bounded.
    const after = await eventually(async () => {
      const s = show('MainPID', 'NRestarts', 'ActiveState');
      return s.ActiveState === 'active' && s.MainPID !== killed && s.MainPID !== '0' ? s : undefined;
    }, 60_000, 'systemd to restart the agent');
    expect(Number(after.NRestarts)).toBe(Number(restarts) + 1);
    await ready();
    expect(await invoices()).toBe(batches);
  }, 120_000);

  it('is not restarted after exit 2, a configuration error (RestartPreventExitStatus=2)', async () => {
    box.sh("printf 'QB_AGENT_HTTP_PORT=not-a-port\\n' >> /etc/qb-agent/qb-agent.env");
    box.run('systemctl restart qb-agent');
    const state = await eventually(async () => {
      const s = show('ActiveState', 'SubState', 'Result', 'ExecMainStatus', 'NRestarts');
      return s.ExecMainStatus === '2' && s.ActiveState !== 'active' ? s : undefined;
    }, 60_000, 'the agent to exit 2');
    // Decided at the exit: "failed", not "auto-restart".
    expect(state).toEqual({ ActiveState: 'failed', SubState: 'failed', Result: 'exit-code', ExecMainStatus: '2', NRestarts: '0' });
    expect(journal()).toContain('qb-agent: invalid configuration:');

    box.sh("sed -i '/^QB_AGENT_HTTP_PORT=not-a-port$/d' /etc/qb-agent/qb-agent.env && systemctl start qb-agent");
    await ready();
    expect(await invoices()).toBe(batches);
  }, 120_000);
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { resolveInstanceId } from '../../src/telemetry/instance-id.ts';

const log = createLogger('silent');

describe('service.instance.id', () => {
  it('is the configured one when set', () => {
    expect(resolveInstanceId({ configured: 'eu-1', stateDir: '/nonexistent', port: 1, log })).toBe('eu-1');
  });

  it('is host:port without durable state', () => {
    expect(resolveInstanceId({ configured: '', stateDir: '', port: 9464, log, hostName: 'billing-7' })).toBe('billing-7:9464');
  });

  it('is a UUID kept in the state dir, so a re-created container with the same volume keeps its series', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'qb-id-')), 'state');
    const first = resolveInstanceId({ configured: '', stateDir: dir, port: 9464, log, hostName: 'container-a' });
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(dir, 'instance-id'), 'utf8')).toBe(`${first}\n`);
    expect(resolveInstanceId({ configured: '', stateDir: dir, port: 9464, log, hostName: 'container-b' })).toBe(first);
  });

  it('falls back to host:port when the stored id cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-id-'));
    writeFileSync(join(dir, 'instance-id'), '');
    // state.dir names a file, not a directory: reading <file>/instance-id fails with ENOTDIR.
    expect(resolveInstanceId({ configured: '', stateDir: join(dir, 'instance-id'), port: 1, log, hostName: 'h' })).toBe('h:1');
  });
});

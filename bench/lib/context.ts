import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, nodeFlags, spawnPinned, waitForHttp, type Pinned } from './proc.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CPU servers under test run on; the load generator (this process) runs on LOAD_CPU. */
export const SERVER_CPU = 1;
export const LOAD_CPU = 0;

export interface BenchOptions {
  readonly quick: boolean;
  /** Runs per figure; each figure is the median. */
  readonly runs: number;
  /** W5 duration in seconds. */
  readonly idleSeconds: number;
  /** Seconds per autocannon measurement. */
  readonly loadSeconds: number;
  readonly only: ReadonlySet<string>;
}

export interface Row {
  readonly workload: string;
  readonly case: string;
  readonly metric: string;
  readonly agent: number;
  readonly peer: number | undefined;
  readonly peerName: string;
  readonly better: 'lower' | 'higher';
  /** Target text and whether the figure meets it. */
  readonly target?: { readonly text: string; readonly met: boolean };
}

export type Workload = (options: BenchOptions, rows: Row[], notes: string[]) => Promise<void>;

/** Debian suite scripts/provision-tools.sh fetches each tool from (it unpacks into .cache/tools/<package>-<suite>). */
const TOOL_SUITE = { 'prometheus-node-exporter': 'bookworm', 'prometheus-pushgateway': 'bookworm', prometheus: 'sid' } as const;

export function tool(name: keyof typeof TOOL_SUITE): string | undefined {
  const path = join(ROOT, '.cache', 'tools', `${name}-${TOOL_SUITE[name]}`, 'usr', 'bin', name);
  return existsSync(path) ? path : undefined;
}

export interface RunningAgent {
  readonly proc: Pinned;
  readonly url: string;
  stop(): Promise<void>;
}

/** The built agent (dist/cli.js) pinned to SERVER_CPU on a free loopback port. */
export async function startAgent(env: Record<string, string> = {}): Promise<RunningAgent> {
  // Durable state off (issue 7 measures W1 without it; nothing is written into the repository).
  const args = ['--state.dir='];
  const port = await freePort();
  const proc = spawnPinned(SERVER_CPU, process.execPath, [...nodeFlags(), join(ROOT, 'dist', 'cli.js'), '--http.port', String(port), ...args], {
    QB_AGENT_LOG_LEVEL: 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 30_000, proc);
  return { proc, url, stop: () => proc.stop() };
}

/** A W1 peer server (bench/servers/reference.ts) pinned to SERVER_CPU. */
export async function startReference(mode: 'floor' | 'prom-client'): Promise<RunningAgent> {
  const port = await freePort();
  const proc = spawnPinned(SERVER_CPU, process.execPath, [...nodeFlags(), join(ROOT, 'bench', 'servers', 'reference.ts'), '--mode', mode, '--port', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/metrics`, 30_000, proc);
  return { proc, url, stop: () => proc.stop() };
}

/** An OTLP/HTTP sink on loopback that accepts everything (so the agent runs with both readers). */
export async function startOtlpSink(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    requests: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** POSTs the bodies to /v1/events one by one; throws on any non-202. */
export async function postAll(url: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** GET url; wall ms and body bytes. */
export async function timedGet(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  const buf = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return { ms, bytes: Number(res.headers.get('content-length') ?? buf.length), text: buf.toString('utf8') };
}

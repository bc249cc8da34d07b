import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';

export interface ServedTool {
  readonly child: ChildProcess;
  readonly port: number;
  /** The further ports asked for with `morePorts` (or given in `fixedPorts`). */
  readonly morePorts: readonly number[];
  readonly url: string;
  /** What the tool wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServeToolOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: (port: number, morePorts: readonly number[]) => string[];
  /** Environment of the tool (nothing is inherited but PATH). */
  readonly env?: (port: number, morePorts: readonly number[]) => Record<string, string>;
  readonly readyPath: string;
  /** Free ports the tool needs beside `port`, e.g. a Collector's receiver and exporter. */
  readonly morePorts?: number;
  /** Exactly these ports, `port` first: a restart on the addresses its clients already use. Not retried elsewhere. */
  readonly fixedPorts?: readonly number[];
  readonly timeoutMs?: number;
  readonly attempts?: number;
}

async function pickPorts(options: ServeToolOptions): Promise<number[]> {
  if (options.fixedPorts) return [...options.fixedPorts];
  const ports: number[] = [];
  while (ports.length < 1 + (options.morePorts ?? 0)) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/**
 * Starts a server binary (Prometheus, VictoriaMetrics, the Collector) on free
 * loopback ports and waits until `readyPath` on the first answers 2xx. The ports
 * are probed free and then bound by the child, so a parallel test can take one in
 * between: the start is retried on fresh ports when the child exits early.
 */
export async function serveTool(options: ServeToolOptions): Promise<ServedTool> {
  const attempts = options.fixedPorts ? 1 : (options.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    const [port, ...morePorts] = await pickPorts(options);
    const child = spawn(options.binary, options.args(port!, morePorts), {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.env ? { env: { PATH: process.env.PATH ?? '', ...options.env(port!, morePorts) } } : {}),
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const url = `http://127.0.0.1:${port}`;
    const exited = new Promise((r) => child.once('exit', r));
    const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    };
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        if ((await fetch(`${url}${options.readyPath}`)).ok) return { child, port: port!, morePorts, url, stderr: () => stderr, stop };
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    if (attempt >= attempts) throw new Error(`${options.name} did not start: ${stderr}`);
  }
}

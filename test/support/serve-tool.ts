import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.ts';

export interface ServedTool {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** What the tool wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts a server binary (Prometheus, VictoriaMetrics) on a free loopback port
 * and waits until `readyPath` answers 2xx. The port is probed free and then
 * bound by the child, so a parallel test can take it in between: the start is
 * retried on a fresh port when the child exits early.
 */
export async function serveTool(options: {
  readonly name: string;
  readonly binary: string;
  readonly args: (port: number) => string[];
  readonly readyPath: string;
  readonly timeoutMs?: number;
  readonly attempts?: number;
}): Promise<ServedTool> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(options.binary, options.args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    };
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        if ((await fetch(`${url}${options.readyPath}`)).ok) return { child, port, url, stderr: () => stderr, stop };
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

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './tools.ts';

export interface AgentProcess {
  readonly child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every JSON log line parsed so far. */
  readonly logs: Array<Record<string, unknown>>;
  /** stderr text (non-JSON output: warnings, config errors). */
  stderr(): string;
  /** Sends the signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Milliseconds to wait for "qb-agent started". */
  readonly startTimeoutMs?: number;
}

/**
 * A fresh state dir unless the test names one (flag or env): agents must not
 * restore each other's counters, nor the checkout's ./state. Removed on exit.
 */
function tempStateDir(args: readonly string[], env: Record<string, string> | undefined, child: () => ChildProcess): Record<string, string> {
  if (args.includes('--state.dir') || env?.QB_AGENT_STATE_DIR !== undefined) return {};
  const dir = mkdtempSync(join(tmpdir(), 'qb-state-'));
  queueMicrotask(() => child().once('exit', () => rmSync(dir, { recursive: true, force: true })));
  return { QB_AGENT_STATE_DIR: dir };
}

/** Runs the built agent (dist/cli.js) on a free loopback port and waits until it is listening. */
export async function spawnAgent(options: SpawnOptions = {}): Promise<AgentProcess> {
  const state = tempStateDir(options.args ?? [], options.env, () => child);
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), '--http.port', '0', ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', QB_AGENT_LOG_LEVEL: 'info', ...state, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent did not start in time; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`)),
      options.startTimeoutMs ?? 20_000,
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'qb-agent started') {
            clearTimeout(timer);
            resolve(String(entry.address));
          }
        } catch {
          stderr += `${line}\n`;
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code}) before starting; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`));
    });
  });
  return {
    child,
    url,
    logs,
    stderr: () => stderr,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion (check-config, --help, a config error) and returns its output. */
export function runCli(args: readonly string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const state = tempStateDir(args, env, () => child);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...state, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.ts';

/**
 * One agent of the fleet: a real process of the built agent with its own state
 * dir, which outlives the process (restart, move) until the test loses it.
 * Its identity is the service.instance.id the agent keeps in the state dir,
 * unless one is configured.
 */
export class FleetAgent {
  readonly name: string;
  readonly #args: readonly string[];
  readonly #configuredId: string | undefined;
  #stateDir: string;
  #process: AgentProcess | undefined;
  #port = 0;
  #identity: string | undefined;

  constructor(name: string, args: readonly string[], options: { instanceId?: string } = {}) {
    this.name = name;
    this.#args = args;
    this.#configuredId = options.instanceId;
    this.#stateDir = mkdtempSync(join(tmpdir(), `qb-fleet-${name}-`));
  }

  get url(): string {
    if (!this.#process) throw new Error(`${this.name} is not running`);
    return this.#process.url;
  }

  /** host:port Prometheus scrapes (the last one, once stopped). */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** service.instance.id of the running (or last run) process. */
  get identity(): string {
    if (!this.#identity) throw new Error(`${this.name} never ran`);
    return this.#identity;
  }

  /** Starts the agent: on its last port (`samePort`, a restart in place) or a new one (a move). */
  async start(options: { samePort?: boolean } = {}): Promise<void> {
    const port = options.samePort ? this.#port : 0;
    this.#process = await spawnAgent({
      args: [
        '--http.port',
        String(port),
        '--state.dir',
        this.#stateDir,
        '--host.enabled',
        'false',
        ...(this.#configuredId ? ['--service.instanceId', this.#configuredId] : []),
        ...this.#args,
      ],
    });
    this.#port = Number(new URL(this.#process.url).port);
    this.#identity = await this.#readIdentity();
  }

  /** SIGTERM and wait for a clean exit (the agent drains its last scrape and push first). */
  async stop(): Promise<void> {
    const code = await this.#process?.stop('SIGTERM');
    this.#process = undefined;
    if (code !== 0 && code !== undefined) throw new Error(`${this.name} exited with ${code}`);
  }

  /** The state dir is lost (a new volume, a wiped disk): the next start begins from nothing. */
  loseState(): void {
    rmSync(this.#stateDir, { recursive: true, force: true });
    this.#stateDir = mkdtempSync(join(tmpdir(), `qb-fleet-${this.name}-`));
  }

  async dispose(): Promise<void> {
    await this.#process?.stop('SIGKILL');
    rmSync(this.#stateDir, { recursive: true, force: true });
  }

  /** service_instance_id as the agent exposes it on every series. */
  async #readIdentity(): Promise<string> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const id = /service_instance_id="([^"]+)"/.exec(text)?.[1];
    if (!id) throw new Error(`${this.name}: no service_instance_id on /metrics`);
    return id;
  }
}

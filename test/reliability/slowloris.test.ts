import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnAgent, type AgentProcess } from '../support/agent-process.ts';
import { makeBatches, postBatch } from '../support/crash-harness.ts';
import { eventually } from '../support/workload.ts';

let agent: AgentProcess | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await agent?.stop();
  agent = undefined;
});

function openSocket(url: string, first: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(first);
      const opened = Date.now();
      resolve({ socket, closed: new Promise((r) => socket.once('close', () => r(Date.now() - opened))) });
    });
    socket.on('error', () => undefined);
    socket.resume(); // consume the 408 so the server's close is seen
    socket.once('error', reject);
    sockets.push(socket);
  });
}

describe('slow and idle clients', () => {
  it('300 slowloris connections neither block a normal client nor outlive http.headersTimeoutMs', async () => {
    agent = await spawnAgent({ args: ['--host.enabled', 'false', '--http.headersTimeoutMs', '1000', '--http.requestTimeoutMs', '2000'] });
    const slow = await Promise.all(Array.from({ length: 300 }, () => openSocket(agent!.url, 'POST /v1/events HTTP/1.1\r\nHost: x\r\n')));

    const started = Date.now();
    const res = await postBatch(agent.url, makeBatches('loris', 1, 5)[0]!);
    expect(res.status).toBe(202);
    expect(Date.now() - started, 'a normal client is served promptly (generous bound)').toBeLessThan(2000);

    const lifetimes = await Promise.all(slow.map((s) => s.closed));
    // Cut at the header deadline (1 s), checked every 500 ms: every one is gone within a generous 5 s.
    expect(Math.max(...lifetimes)).toBeLessThan(5000);
  });

  it('beyond ingest.maxInFlight answers 429 with Retry-After instead of queueing', async () => {
    agent = await spawnAgent({ args: ['--host.enabled', 'false', '--ingest.maxInFlight', '2'] });
    // Two requests whose bodies never finish arriving: in flight until the request timeout.
    const head = 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events":[';
    await openSocket(agent.url, head);
    await openSocket(agent.url, head);
    // The two stuck requests count once the agent has read their headers: poll until it says so.
    const body = JSON.stringify({ events: makeBatches('busy', 1, 1)[0]!.events });
    const res = await eventually(async () => {
      const r = await fetch(`${agent!.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return r.status === 429 ? r : undefined;
    }, 5000, 'the in-flight limit to answer 429');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: string }).error).toBe('overloaded');

    for (const s of sockets.splice(0)) s.destroy();
    // Once the stuck requests are gone, ingest is accepted again.
    const free = makeBatches('free', 1, 1)[0]!;
    expect(await eventually(async () => ((await postBatch(agent!.url, free)).status === 202 ? 202 : undefined), 5000, 'a 202 after release')).toBe(202);
  });
});

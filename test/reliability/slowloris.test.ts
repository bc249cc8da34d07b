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

/** A raw connection that sends `first` and keeps whatever the server answers until it closes the connection. */
function openSocket(url: string, first: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(first);
      resolve({ socket, closed: new Promise((r) => socket.once('close', () => r(received))) });
    });
    socket.on('error', () => undefined);
    socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    socket.once('error', reject);
    sockets.push(socket);
  });
}

describe('slow and idle clients', () => {
  it('300 slowloris connections do not keep a normal client from being served, and each is cut with a 408', async () => {
    agent = await spawnAgent({ args: ['--host.enabled', 'false', '--http.headersTimeoutMs', '1000', '--http.requestTimeoutMs', '2000'] });
    const slow = await Promise.all(Array.from({ length: 300 }, () => openSocket(agent!.url, 'POST /v1/events HTTP/1.1\r\nHost: x\r\n')));

    // Service, not speed: with 300 connections hanging, a normal client still gets its 202 (and its events counted).
    const res = await postBatch(agent.url, makeBatches('loris', 1, 5)[0]!);
    expect(res).toEqual({ status: 202, body: { accepted: 5, duplicates: 0 } });

    // Each slow connection is closed by the agent (no end is sent from here), after the catalogue's 408:
    // the test's own timeout is the hang bound, not a wall-clock assertion.
    const answers = await Promise.all(slow.map((s) => s.closed));
    for (const answer of answers) {
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'request_timeout' });
    }
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

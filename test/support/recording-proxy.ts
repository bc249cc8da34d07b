import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body exactly as the client sent it (still compressed, if it was). */
  readonly body: Buffer;
  /** What the upstream answered. */
  readonly status: number;
}

/**
 * A loopback HTTP proxy in front of a real backend: forwards every request
 * unchanged (headers and body bytes) to `upstream` and its answer back, and
 * records what passed. It shows what a client really sent while the backend
 * really decodes it.
 */
export async function startRecordingProxy(upstream: string) {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, host: target.host };
      const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

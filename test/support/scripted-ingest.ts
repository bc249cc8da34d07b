import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type Step =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly destroy: true }
  | { readonly hold: Promise<void> };

export interface RecordedRequest {
  readonly headers: IncomingHttpHeaders;
  /** The NDJSON lines, parsed (after gunzip when the body came gzip-encoded). */
  readonly events: Array<Record<string, unknown>>;
  /** Body bytes as received on the wire. */
  readonly wireBytes: number;
  readonly atMs: number;
}

export interface ScriptedIngest {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Steps answered in order; once used up, every request gets 202 accepting all its events. */
  script(...steps: Step[]): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback that plays a script of answers to
 * POST /v1/events: statuses, Retry-After headers, dropped connections, or a
 * hold until the test releases it. Records every request it receives.
 */
export async function startScriptedIngest(): Promise<ScriptedIngest> {
  const steps: Step[] = [];
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const wire = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire).toString('utf8');
      const events = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      requests.push({ headers: req.headers, events, wireBytes: wire.length, atMs: Date.now() });
      const answer = (step: Step | undefined): void => {
        if (step === undefined) {
          res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: events.length, duplicates: 0 }));
        } else if ('destroy' in step) {
          req.socket.destroy();
        } else if ('hold' in step) {
          void step.hold.then(() => answer(undefined));
        } else {
          res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers }).end(JSON.stringify(step.body ?? {}));
        }
      };
      answer(steps.shift());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...s) => void steps.push(...s),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

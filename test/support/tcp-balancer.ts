import { connect, createServer, type Socket } from 'node:net';

export interface TcpBalancer {
  /** host:port the clients connect to. */
  readonly address: string;
  /** Connections handed to each backend so far, by backend address. */
  readonly connections: Readonly<Record<string, number>>;
  /** Closes the listener and every proxied connection. */
  close(): Promise<void>;
}

export interface TcpBalancerOptions {
  /** host:port of each backend, taken in turn. */
  readonly backends: readonly string[];
  /** Sees every chunk a client sends (plain HTTP/1.1 requests: headers can be read). */
  readonly tap?: (chunk: Buffer) => void;
}

/**
 * A round-robin TCP load balancer on loopback, as an L4 balancer in front of a
 * Collector tier does it: each new client connection goes to the next backend; a
 * backend that refuses the connection is skipped for that connection. Keep-alive
 * connections stay on their backend until they close.
 */
export async function startTcpBalancer(options: TcpBalancerOptions): Promise<TcpBalancer> {
  const sockets = new Set<Socket>();
  const connections: Record<string, number> = Object.fromEntries(options.backends.map((b) => [b, 0]));
  let next = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const dial = (client: Socket, tries: number) => {
    const backend = options.backends[next++ % options.backends.length]!;
    const [host, port] = backend.split(':');
    const upstream = connect(Number(port), host);
    let connected = false;
    track(upstream);
    upstream.once('connect', () => {
      connected = true;
      connections[backend]!++;
      if (options.tap) client.on('data', options.tap);
      client.pipe(upstream).pipe(client);
      client.resume();
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    });
    upstream.once('error', () => {
      if (!connected && tries > 1) dial(client, tries - 1);
      else client.destroy();
    });
  };
  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    dial(client, options.backends.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

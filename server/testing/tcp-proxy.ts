import net from "node:net";

/**
 * For integration tests: a TCP proxy in front of a service (an object store, say) that can be taken down and brought
 * back. Down, it drops every open connection and resets every new one at once (what a client sees of a store that went
 * away: the connection refused or reset), and counts those attempts, so a test can tell a bounded retry from a storm.
 */
export interface TcpProxy {
  /** http://127.0.0.1:<port>, the address to give clients instead of the service's. */
  url: string;
  /** Connections attempted while down (each reset at once). */
  readonly attemptsWhileDown: number;
  down(): void;
  up(): void;
  /**
   * The open connections stop carrying anything, either way, and stay open (a connection that died without a word: a
   * NAT or firewall that forgot it); new ones are carried as before.
   */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const to = new URL(target);
  const sockets = new Set<net.Socket>();
  const pairs = new Set<[net.Socket, net.Socket]>();
  let isDown = false;
  let attempts = 0;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
  };
  const server = net.createServer((client) => {
    if (isDown) {
      attempts++;
      client.on("error", () => undefined);
      client.resetAndDestroy();
      return;
    }
    track(client);
    const upstream = net.connect(Number(to.port), to.hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    client.on("close", () => {
      pairs.delete(pair);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get attemptsWhileDown() {
      return attempts;
    },
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

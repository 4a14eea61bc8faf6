import { connect, createServer, type Server, type Socket } from 'node:net';

/** One proxied connection: the client's socket and, once connected, the server's. */
interface Pair {
  client: Socket;
  upstream: Socket | null;
}

/**
 * A loopback TCP proxy that can freeze: `freeze()` stops forwarding in both
 * directions without closing anything, as a network partition does (the
 * sockets stay open, nothing arrives, nobody is told). New connections are
 * accepted but not passed on. `thaw()` forwards what waited and connects the
 * newcomers, as a healed network delivers what TCP kept retransmitting.
 *
 * This is what a refusing or cut connection (`test/scale/tcp-proxy.ts`) does
 * not show: every timeout that waits for an answer waits the whole freeze.
 */
export class FreezableTcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private frozen = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Connections open now (client side), for tests that check nothing leaked. */
  get connections(): number {
    return this.pairs.size;
  }

  async open(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Stops forwarding; every socket stays open. */
  freeze(): void {
    this.frozen = true;
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Forwards again: what waited first, then whatever comes. */
  thaw(): void {
    this.frozen = false;
    for (const pair of this.pairs) {
      if (pair.upstream) {
        pair.client.resume();
        pair.upstream.resume();
      } else {
        this.connectUpstream(pair);
      }
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** `url` with its host and port replaced by the proxy's. */
  url(target: string): string {
    const u = new URL(target);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: null };
    this.pairs.add(pair);
    client.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    if (this.frozen) client.pause();
    else this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on('error', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
    forward(pair.client, upstream, () => this.frozen);
    forward(upstream, pair.client, () => this.frozen);
    pair.client.resume();
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}

/** Copies `from` to `to` with back-pressure; never resumes a frozen side. */
function forward(from: Socket, to: Socket, frozen: () => boolean): void {
  from.on('data', (chunk: Buffer) => {
    if (to.write(chunk)) return;
    from.pause();
    to.once('drain', () => {
      if (!frozen()) from.resume();
    });
  });
  from.on('end', () => to.end());
}

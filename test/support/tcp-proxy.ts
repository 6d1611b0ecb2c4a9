/**
 * A TCP proxy on 127.0.0.1 in front of a test server, which the test can switch to a network black
 * hole and back: the path to the server is lost without any FIN or RST (a cable cut behind a switch,
 * a VPN tunnel gone, a firewall dropping packets), so clients learn of it only through their own
 * timeouts. Hand-written on `net` because the behaviour needed is the point of the test: no proxy
 * package models a black hole.
 *
 * In the black hole:
 * - connections stay open on both sides, and no close passes through (a client that gives up closes
 *   its side only; the server side hears of it when the path is back);
 * - no byte passes: what either side sends is held back, as the network drops the packets;
 * - new connections are accepted (the proxy is on the near side of the break) but reach nothing.
 * When the path is back, what was held is delivered in order, as TCP's retransmission delivers the
 * dropped segments of a connection that survived a short loss, and the deferred closes follow: a
 * byte stream is delayed by a loss, never cut short or corrupted.
 */
import net from "net";

interface Direction {
  to: net.Socket | null;
  held: Buffer[];
  ended: boolean;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
  toUpstream: Direction;
  toClient: Direction;
  /** one side closed or failed: the other goes too, once the path is up */
  doomed: boolean;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private blackHoled = false;
  /** connections accepted since the start, all together */
  accepted = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly targetPort: number,
    private readonly targetHost: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 and forwards to targetHost:targetPort. */
  static async start(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((socket) => proxy?.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port, targetPort, targetHost);
    return proxy;
  }

  get host(): string {
    return "127.0.0.1";
  }

  get isBlackHoled(): boolean {
    return this.blackHoled;
  }

  /** connections open through the proxy now */
  get connections(): number {
    return this.pairs.size;
  }

  /** The path is lost: nothing passes, nothing is closed. */
  blackHole(): void {
    this.blackHoled = true;
  }

  /** The path is back: held bytes and deferred closes are delivered, new bytes pass again. */
  restore(): void {
    this.blackHoled = false;
    for (const pair of [...this.pairs]) {
      if (pair.upstream === null) this.connectUpstream(pair);
      this.flush(pair.toUpstream);
      this.flush(pair.toClient);
      if (pair.doomed) this.destroy(pair);
    }
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.destroy(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: null, toUpstream: { to: null, held: [], ended: false }, toClient: { to: client, held: [], ended: false }, doomed: false };
    this.pairs.add(pair);
    client.setNoDelay(true);
    this.pipe(pair, client, pair.toUpstream);
    if (!this.blackHoled) this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    upstream.setNoDelay(true);
    pair.upstream = upstream;
    pair.toUpstream.to = upstream;
    this.pipe(pair, upstream, pair.toClient);
    upstream.once("connect", () => {
      if (!this.blackHoled) this.flush(pair.toUpstream);
    });
  }

  /** Bytes and the end of `from` go on to `direction.to`, or are held while the path is lost. */
  private pipe(pair: Pair, from: net.Socket, direction: Direction): void {
    from.on("data", (chunk: Buffer) => {
      if (this.blackHoled || direction.to === null || direction.to.connecting || direction.held.length > 0) direction.held.push(chunk);
      else direction.to.write(chunk);
    });
    from.on("end", () => {
      direction.ended = true;
      if (!this.blackHoled) this.flush(direction);
    });
    const lost = () => {
      pair.doomed = true;
      if (!this.blackHoled) this.destroy(pair);
    };
    from.on("error", lost);
    from.on("close", lost);
  }

  private flush(direction: Direction): void {
    const to = direction.to;
    if (to === null || to.connecting || to.destroyed) return;
    for (const chunk of direction.held.splice(0)) to.write(chunk);
    if (direction.ended) to.end();
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    // What the closing side sent before it closed still goes out first.
    this.flush(pair.toUpstream);
    this.flush(pair.toClient);
    pair.client.end();
    pair.upstream?.end();
    setTimeout(() => {
      pair.client.destroy();
      pair.upstream?.destroy();
    }, 100).unref();
  }
}

// A TCP proxy standing for one network link between two nodes of the fault
// harness: the dialing node connects to it, it connects on to the other node
// from a source address of its own, and forwards bytes both ways — or, on
// the test's word, delays them, refuses the link (a partition), drops its
// connections, stalls them without closing, or cuts one in the middle of a
// frame. It counts what it did, so tests can hold the nodes to the backoff.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface LinkEnds {
  listenIp: string;
  listenPort: number;
  targetIp: string;
  targetPort: number;
  /** The address the far node sees this link come from. */
  sourceIp: string;
}

/** Pass: forward; cut: refuse new connections and drop the open ones (a partition). */
export type LinkMode = 'pass' | 'cut';

interface Pipe {
  client: Socket;
  server: Socket;
  /** While stalled, nothing is forwarded either way, and nothing is closed. */
  stalled: boolean;
  /** Release time of the last chunk queued per direction, to keep the order under jitter. */
  lastOut: { up: number; down: number };
}

export class LinkProxy {
  private readonly server: Server;
  private readonly pipes = new Set<Pipe>();
  private mode: LinkMode = 'pass';
  private delay = { ms: 0, jitterMs: 0 };
  private cutNextMidFrame = false;
  /** Connections the dialer opened (accepted ones, refused ones). */
  readonly counts = { accepted: 0, refused: 0, dropped: 0, cutMidFrame: 0 };

  private constructor(
    readonly ends: LinkEnds,
    private readonly rand: () => number,
  ) {
    this.server = createServer((client) => this.onClient(client));
  }

  static async start(ends: LinkEnds, rand: () => number = Math.random): Promise<LinkProxy> {
    const proxy = new LinkProxy(ends, rand);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen({ host: ends.listenIp, port: ends.listenPort }, () => resolve());
    });
    return proxy;
  }

  get open(): number {
    return this.pipes.size;
  }

  setMode(mode: LinkMode): void {
    this.mode = mode;
    if (mode === 'cut') this.drop();
  }

  /** Every chunk waits `ms` ± `jitterMs` (uniform), in order. */
  setDelay(ms: number, jitterMs = 0): void {
    this.delay = { ms, jitterMs };
  }

  /** Closes every open connection (both halves), as a NAT box or a flaky modem does. */
  drop(): number {
    const n = this.pipes.size;
    for (const p of [...this.pipes]) this.closePipe(p);
    this.counts.dropped += n;
    return n;
  }

  /** The open connections stop carrying bytes, in both directions, and stay open: a half-dead link. */
  stall(): number {
    for (const p of this.pipes) p.stalled = true;
    return this.pipes.size;
  }

  /** The next chunk of more than one byte is forwarded half and then the connection is closed. */
  cutMidFrame(): void {
    this.cutNextMidFrame = true;
  }

  async close(): Promise<void> {
    for (const p of [...this.pipes]) this.closePipe(p);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onClient(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'cut') {
      this.counts.refused++;
      client.destroy();
      return;
    }
    this.counts.accepted++;
    const server = connect({ host: this.ends.targetIp, port: this.ends.targetPort, localAddress: this.ends.sourceIp });
    server.on('error', () => undefined);
    const pipe: Pipe = { client, server, stalled: false, lastOut: { up: 0, down: 0 } };
    this.pipes.add(pipe);
    client.on('data', (chunk: Buffer) => this.forward(pipe, 'up', chunk));
    server.on('data', (chunk: Buffer) => this.forward(pipe, 'down', chunk));
    client.on('close', () => this.closePipe(pipe));
    server.on('close', () => this.closePipe(pipe));
  }

  private forward(pipe: Pipe, direction: 'up' | 'down', chunk: Buffer): void {
    if (pipe.stalled) return;
    const to = direction === 'up' ? pipe.server : pipe.client;
    if (this.cutNextMidFrame && chunk.length > 1) {
      this.cutNextMidFrame = false;
      this.counts.cutMidFrame++;
      to.write(chunk.subarray(0, chunk.length >> 1), () => this.closePipe(pipe));
      return;
    }
    const { ms, jitterMs } = this.delay;
    if (ms === 0 && jitterMs === 0) {
      to.write(chunk);
      return;
    }
    const now = Date.now();
    const at = Math.max(pipe.lastOut[direction], now + ms + (this.rand() * 2 - 1) * jitterMs);
    pipe.lastOut[direction] = at;
    setTimeout(() => {
      if (!pipe.stalled && this.pipes.has(pipe)) to.write(chunk);
    }, at - now);
  }

  private closePipe(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.server.destroy();
  }
}

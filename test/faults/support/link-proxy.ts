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

/** Chunks waiting out their delay in one direction, in arrival order, with one timer for the head. */
interface Lane {
  /** `close`: the connection is cut once this chunk is written (a cut mid-frame). */
  queue: { at: number; chunk: Buffer; close?: boolean }[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Pipe {
  client: Socket;
  server: Socket;
  /** While stalled, nothing is forwarded either way, and nothing is closed. */
  stalled: boolean;
  /** Delayed chunks per direction. One FIFO and one timer each: TCP never reorders, and timers of different lengths may fire out of order. */
  lanes: { up: Lane; down: Lane };
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
    const pipe: Pipe = { client, server, stalled: false, lanes: { up: { queue: [], timer: undefined }, down: { queue: [], timer: undefined } } };
    this.pipes.add(pipe);
    client.on('data', (chunk: Buffer) => this.forward(pipe, 'up', chunk));
    server.on('data', (chunk: Buffer) => this.forward(pipe, 'down', chunk));
    client.on('close', () => this.closePipe(pipe));
    server.on('close', () => this.closePipe(pipe));
  }

  private forward(pipe: Pipe, direction: 'up' | 'down', chunk: Buffer): void {
    if (pipe.stalled) return;
    const to = direction === 'up' ? pipe.server : pipe.client;
    // A cut mid-frame goes through the lane too, so it lands after what came before it.
    const cut = this.cutNextMidFrame && chunk.length > 1;
    if (cut) {
      this.cutNextMidFrame = false;
      this.counts.cutMidFrame++;
    }
    const piece = cut ? chunk.subarray(0, chunk.length >> 1) : chunk;
    const { ms, jitterMs } = this.delay;
    const lane = pipe.lanes[direction];
    if (ms === 0 && jitterMs === 0 && lane.queue.length === 0) {
      if (cut) to.write(piece, () => this.closePipe(pipe));
      else to.write(piece);
      return;
    }
    const last = lane.queue[lane.queue.length - 1]?.at ?? 0;
    lane.queue.push({ at: Math.max(last, Date.now() + ms + (this.rand() * 2 - 1) * jitterMs), chunk: piece, close: cut });
    if (lane.timer === undefined) this.release(pipe, lane, to);
  }

  /** Writes the chunks of `lane` that are due, in order, and sleeps until the next one. */
  private release(pipe: Pipe, lane: Lane, to: Socket): void {
    lane.timer = undefined;
    if (pipe.stalled || !this.pipes.has(pipe)) return;
    const now = Date.now();
    while (lane.queue.length > 0 && lane.queue[0]!.at <= now) {
      const { chunk, close } = lane.queue.shift()!;
      if (close) {
        to.write(chunk, () => this.closePipe(pipe));
        return;
      }
      to.write(chunk);
    }
    const next = lane.queue[0];
    if (next) lane.timer = setTimeout(() => this.release(pipe, lane, to), Math.max(1, next.at - now));
  }

  private closePipe(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    clearTimeout(pipe.lanes.up.timer);
    clearTimeout(pipe.lanes.down.timer);
    pipe.client.destroy();
    pipe.server.destroy();
  }
}

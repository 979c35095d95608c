// The outbound side of one peer: two lanes, control first (PROTOCOL.md §3:
// a pong goes ahead of queued relay traffic), written in batches that
// respect the stream's own backpressure. The data lane is bounded in bytes and
// messages; a full lane drops its oldest message and counts it, so one slow
// peer never blocks the node or grows its memory.
import type { Writable } from 'node:stream';

export type Lane = 'control' | 'data';

export interface SendQueueLimits {
  dataBytes: number;
  dataMessages: number;
  /** Control messages are few and small; this bound only stops a ping flood from growing pongs without end. */
  controlMessages: number;
  /** Bytes per write() (default BATCH_BYTES); a slow serial line takes small batches so control frames can pass queued data. */
  batchBytes?: number;
}

export interface SendQueueStats {
  queuedBytes: number;
  queuedMessages: number;
  droppedData: number;
  droppedControl: number;
  writtenBytes: number;
  writes: number;
}

/** How much one write() call carries at most: big enough to amortise the syscall, small enough to interleave. */
const BATCH_BYTES = 64 * 1024;

/**
 * Control frames waiting on a socket that pushes back: past this many the
 * connection stops reading the peer (its pings then wait in TCP, not as
 * queued pongs here), so a pong is never dropped for a peer that is slow to read.
 */
const CONTROL_HIGH_WATER = 32;

export class SendQueue {
  private readonly control: Buffer[] = [];
  private readonly data: Buffer[] = [];
  private dataHead = 0;
  private dataBytes = 0;
  private controlBytes = 0;
  private flushScheduled = false;
  private waitingForDrain = false;
  private closed = false;
  private writable: (() => void) | undefined;
  /** Set while the connection's loop handles a turn: it flushes at the end, so nothing needs scheduling. */
  private inTurn = false;
  /** When the data lane last became full, or undefined while it has room: a peer full for too long is `slow`. */
  fullSince: number | undefined;
  readonly stats: SendQueueStats = { queuedBytes: 0, queuedMessages: 0, droppedData: 0, droppedControl: 0, writtenBytes: 0, writes: 0 };

  constructor(
    private readonly stream: Writable,
    private readonly limits: SendQueueLimits,
    private readonly now: () => number = Date.now,
    /** Told the size of every write (a serial line models its transmit time from it). */
    private readonly onWrite: (bytes: number) => void = () => undefined,
    /**
     * Turns a queued frame into wire bytes, called in the order frames reach
     * the socket (the link cipher numbers frames in that order, §8);
     * undefined drops the frame (a link whose counter is spent).
     */
    private readonly finish: (frame: Buffer) => Buffer | undefined = (frame) => frame,
  ) {
    stream.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
      if (!this.controlBackedUp && this.writable) {
        const resume = this.writable;
        this.writable = undefined;
        resume();
      }
    });
  }

  /** Queues one encoded frame. Returns false when it (or an older one) was dropped. */
  push(frame: Buffer, lane: Lane): boolean {
    if (this.closed) return false;
    let kept = true;
    // Many frames can be queued in one I/O phase, before the deferred flush
    // runs: a lane about to drop first hands what it holds to the socket, so
    // frames are dropped only while the socket itself pushes back.
    if (!this.waitingForDrain && this.wouldOverflow(frame, lane)) this.flushNow();
    if (lane === 'control') {
      // Full only under a ping flood from a peer that does not read: the oldest
      // pong makes room, so the newest control frame (a reject before closing) always gets in.
      if (this.control.length >= this.limits.controlMessages) {
        this.controlBytes -= (this.control.shift() as Buffer).length;
        this.stats.droppedControl++;
        kept = false;
      }
      this.control.push(frame);
      this.controlBytes += frame.length;
    } else {
      // A message bigger than the whole lane still goes out, alone.
      while (this.wouldOverflow(frame, 'data')) {
        this.dropOldestData();
        kept = false;
      }
      this.data.push(frame);
      this.dataBytes += frame.length;
    }
    this.updateStats();
    // A dropped relay means the lane is full even when the bytes left do not fill it exactly (large relays).
    const droppedData = lane === 'data' && !kept;
    if ((this.isFull || droppedData) && this.fullSince === undefined) this.fullSince = this.now();
    this.scheduleFlush();
    return kept;
  }

  /** The loop starts a turn: what it queues goes out at the turn's flush(), in one write. */
  beginTurn(): void {
    this.inTurn = true;
  }

  /** True while control frames pile up behind a socket that does not take them: read nothing more from this peer. */
  get controlBackedUp(): boolean {
    return this.waitingForDrain && this.control.length >= CONTROL_HIGH_WATER;
  }

  /** Calls `resume` once, when the socket has drained the control backlog. */
  whenWritable(resume: () => void): void {
    this.writable = resume;
  }

  /**
   * Writes what is queued, now, unless the socket is pushing back: the loop
   * calls it at the end of a turn so a pong leaves in the turn its ping arrived.
   */
  flush(): void {
    this.inTurn = false;
    if (this.waitingForDrain) return;
    this.flushNow();
  }

  /** Writes what is queued now and stops accepting more (used before closing with `reject`). */
  close(): void {
    this.writable = undefined;
    this.flushNow();
    this.closed = true;
  }

  private wouldOverflow(frame: Buffer, lane: Lane): boolean {
    if (lane === 'control') return this.control.length >= this.limits.controlMessages;
    return this.dataLength() > 0 && (this.dataLength() >= this.limits.dataMessages || this.dataBytes + frame.length > this.limits.dataBytes);
  }

  get isFull(): boolean {
    return this.dataLength() >= this.limits.dataMessages || this.dataBytes >= this.limits.dataBytes;
  }

  private dataLength(): number {
    return this.data.length - this.dataHead;
  }

  private dropOldestData(): void {
    const frame = this.data[this.dataHead] as Buffer;
    this.data[this.dataHead++] = EMPTY;
    this.dataBytes -= frame.length;
    this.stats.droppedData++;
    this.compactData();
  }

  private shiftData(): Buffer {
    const frame = this.data[this.dataHead] as Buffer;
    this.data[this.dataHead++] = EMPTY;
    this.dataBytes -= frame.length;
    this.compactData();
    return frame;
  }

  // An array with a moving head is a ring buffer without the index arithmetic;
  // the dead prefix is cut once it is half the array.
  private compactData(): void {
    if (this.dataHead === this.data.length) {
      this.data.length = 0;
      this.dataHead = 0;
    } else if (this.dataHead > 1024 && this.dataHead * 2 > this.data.length) {
      this.data.splice(0, this.dataHead);
      this.dataHead = 0;
    }
  }

  private updateStats(): void {
    this.stats.queuedMessages = this.control.length + this.dataLength();
    this.stats.queuedBytes = this.dataBytes + this.controlBytes;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.waitingForDrain || this.inTurn) return;
    this.flushScheduled = true;
    // Everything queued in this tick goes out in one write.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flushNow(): void {
    const stream = this.stream;
    const batchBytes = this.limits.batchBytes ?? BATCH_BYTES;
    while (!this.closed && !stream.destroyed && (this.control.length > 0 || this.dataLength() > 0)) {
      const batch: Buffer[] = [];
      let size = 0;
      while (size < batchBytes && this.control.length > 0) {
        const frame = this.control.shift() as Buffer;
        this.controlBytes -= frame.length;
        size += this.take(frame, batch);
      }
      while (size < batchBytes && this.dataLength() > 0) {
        size += this.take(this.shiftData(), batch);
      }
      if (batch.length === 0) continue;
      const ok = stream.write(batch.length === 1 ? (batch[0] as Buffer) : Buffer.concat(batch, size));
      this.stats.writes++;
      this.stats.writtenBytes += size;
      this.onWrite(size);
      if (!ok) {
        this.waitingForDrain = true;
        break;
      }
    }
    this.updateStats();
    if (!this.isFull) this.fullSince = undefined;
  }

  /** Adds a frame's wire bytes to the batch; returns their size. */
  private take(frame: Buffer, batch: Buffer[]): number {
    const wire = this.finish(frame);
    if (wire === undefined) return 0;
    batch.push(wire);
    return wire.length;
  }
}

const EMPTY = Buffer.alloc(0);

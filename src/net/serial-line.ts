// The timing model of one serial line. A UART carries baud/10 bytes a second
// (8N1: a start bit, 8 data bits, a stop bit), so at 115200 baud a 4 MiB
// frame takes six minutes. Everything a slow line changes is decided here:
// the largest frame it is given, how much data it may queue, how long a pong
// may take behind a large frame, and how many blocks one sync request asks for.
//
// A large message is never split across frames (every frame is one message,
// §1); one whose frame would occupy the line longer than `frameSeconds` is
// refused to this link and counted, as a full queue drops a relay.
import type { SerialSettings } from '../base/config';
import type { Clock } from './scheduler';

/** Bits on the wire per byte: start + 8 data + stop. */
const BITS_PER_BYTE = 10;
/** The smallest block on the wire (no txids): bounds how many blocks an answer of frameCap bytes can hold. */
export const MIN_BLOCK_BYTES = 180;
/** Blocks per `get_blocks` over TCP and the §3 maximum. */
const MAX_BLOCKS_PER_REQUEST = 500;
/** COBS adds one byte in 254, the CRC 4 and the delimiter 1. */
function encodedSize(payload: number): number {
  return payload + Math.ceil((payload + 4) / 254) + 5;
}

export interface SerialLineStats {
  path: string;
  baud: number;
  bytesIn: number;
  bytesOut: number;
  bytesPerSecIn: number;
  bytesPerSecOut: number;
  /** Data messages refused because their frame exceeds the line's frame cap. */
  refusedLarge: number;
  frameCap: number;
}

export class SerialLine {
  readonly bytesPerSecond: number;
  /** The largest payload sent on this link (PROTOCOL.md §1 maxFrame, reduced to what the line carries in frameSeconds). */
  readonly frameCap: number;
  private busyUntil = 0;
  private lastReadAt = -Infinity;
  private bytesIn = 0;
  private bytesOut = 0;
  private refused = 0;
  /** Byte counts at the start and end of the last rate window. */
  private window = { at: 0, bytesIn: 0, bytesOut: 0 };
  private rates = { in: 0, out: 0 };

  constructor(
    readonly path: string,
    readonly baud: number,
    private readonly settings: SerialSettings,
    maxFrame: number,
    private readonly now: Clock,
  ) {
    this.bytesPerSecond = baud / BITS_PER_BYTE;
    const lineCap = Math.floor(this.bytesPerSecond * settings.frameSeconds);
    this.frameCap = Math.min(maxFrame, Math.max(settings.minFrameBytes, lineCap));
    this.window.at = now();
  }

  /** The data lane's byte bound on this link: queueSeconds of line time, at least two capped frames, at most the TCP bound. */
  queueBytes(tcpBound: number): number {
    return Math.min(tcpBound, Math.max(2 * encodedSize(this.frameCap), Math.floor(this.bytesPerSecond * this.settings.queueSeconds)));
  }

  get batchBytes(): number {
    return this.settings.batchBytes;
  }

  /** True when a data payload of this size is refused to the link (and counts it). */
  refuses(payloadBytes: number): boolean {
    if (payloadBytes <= this.frameCap) return false;
    this.refused++;
    return true;
  }

  /** Bytes handed to the port: the line is busy carrying them for their transmit time, wherever they are buffered. */
  noteWritten(bytes: number): void {
    const now = this.now();
    this.busyUntil = Math.max(now, this.busyUntil) + this.transmitMs(bytes);
    this.bytesOut += bytes;
  }

  noteRead(bytes: number): void {
    this.bytesIn += bytes;
    this.lastReadAt = this.now();
  }

  /** Bytes came in within `ms`: the far end is alive even while a large frame (no whole message for seconds) is on the line. */
  readWithin(ms: number): boolean {
    return this.now() - this.lastReadAt < ms;
  }

  /** How long the line needs to carry what we wrote before anything written now goes out. */
  backlogMs(): number {
    return Math.max(0, Math.ceil(this.busyUntil - this.now()));
  }

  /**
   * How much longer than on TCP a pong may take: what we wrote and the line
   * has not carried yet (the ping waits behind it), plus what the far end may
   * be writing ahead of its pong: one capped frame, one batch, its buffers.
   */
  pongGraceMs(): number {
    const theirs = this.transmitMs(encodedSize(this.frameCap) + this.settings.batchBytes + this.settings.lineBufferBytes);
    return this.backlogMs() + Math.ceil(theirs);
  }

  /** A full data lane of `queuedBytes` needs this long to drain at line rate: a queue full for less is not `slow`. */
  drainMs(queuedBytes: number): number {
    return Math.ceil(this.transmitMs(queuedBytes + this.settings.lineBufferBytes));
  }

  /** Blocks one `get_blocks` asks for, so that even the smallest blocks fill no more than one capped answer. */
  get blocksPerRequest(): number {
    return Math.max(1, Math.min(MAX_BLOCKS_PER_REQUEST, Math.floor(this.frameCap / MIN_BLOCK_BYTES)));
  }

  stats(): SerialLineStats {
    this.sampleRates();
    return {
      path: this.path,
      baud: this.baud,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      bytesPerSecIn: this.rates.in,
      bytesPerSecOut: this.rates.out,
      refusedLarge: this.refused,
      frameCap: this.frameCap,
    };
  }

  private transmitMs(bytes: number): number {
    return (bytes * 1000) / this.bytesPerSecond;
  }

  /** Rates over the last window of at least a second: status is asked for about once a second. */
  private sampleRates(): void {
    const now = this.now();
    const elapsed = now - this.window.at;
    if (elapsed < 1000) return;
    this.rates = {
      in: Math.round(((this.bytesIn - this.window.bytesIn) * 1000) / elapsed),
      out: Math.round(((this.bytesOut - this.window.bytesOut) * 1000) / elapsed),
    };
    this.window = { at: now, bytesIn: this.bytesIn, bytesOut: this.bytesOut };
  }
}

// A serial line between two pty pairs, for the noise and slow-line tests:
// node A ↔ pty pair 1 ↔ LineRelay ↔ pty pair 2 ↔ node B. It forwards bytes
// both ways at a simulated baud rate (socat cannot throttle a pty), holding
// at most a UART's worth of bytes per direction (it stops reading past
// that, so the sender feels the line's pace as on a real port), and in the
// A→B direction it can damage frames: flip a bit, drop a byte, or insert a
// garbage frame between frames; and, against §8's serial rules, change a
// sealed payload under a valid CRC (it must fail to open), replay an earlier
// frame (its counter does not increase) or lose a frame whole (a gap). It damages only frames longer than
// `minDamageBytes` (so pings and pongs, which are short, always pass and the
// link's liveness is not what is tested), and counts what it did, so a test
// can check that the receiver lost exactly the damaged frames.
import { SerialPort } from 'serialport';
import { COUNTER_BYTES } from '../../src/net/secure-framing';
import { cobsDecode, cobsEncode } from '../../src/wire/cobs';
import { crc32c } from '../../src/wire/crc32c';
import { prng } from './prng';

/** What a UART driver holds in flight; past it the relay stops reading its input. */
const LINE_BUFFER_BYTES = 4096;
const TICK_MS = 10;

export interface DamageCounts {
  /** Frames passed on untouched. */
  intact: number;
  /** Frames passed on with a flipped bit or a dropped byte. */
  damaged: number;
  /** Garbage frames inserted (random non-zero bytes and a delimiter). */
  garbage: number;
  /** Frames whose sealed payload was changed under a recomputed, valid CRC. */
  resealed: number;
  /** Earlier intact frames sent again. */
  replayed: number;
  /** Frames not passed on at all. */
  lostWhole: number;
}

interface Direction {
  from: SerialPort;
  to: SerialPort;
  queue: Buffer[];
  queued: number;
  paused: boolean;
  /** The bytes of the frame being cut, A→B only. */
  partial: Buffer[];
  /** Fractional bytes owed by the pacing. */
  credit: number;
}

export interface RelayOptions {
  /** Simulated line rate; undefined forwards as fast as the ptys go. */
  baud?: number;
  seed?: number;
  /** Only frames longer than this (encoded, with the delimiter) are damaged. */
  minDamageBytes?: number;
}

export class LineRelay {
  readonly counts: DamageCounts = { intact: 0, damaged: 0, garbage: 0, resealed: 0, replayed: 0, lostWhole: 0 };
  /** Probability (0..1) that a long A→B frame is damaged, and that a garbage frame goes before it. */
  damageRate = 0;
  garbageRate = 0;
  /** Probabilities (0..1) for a long A→B frame: sealed payload changed under a valid CRC, an earlier frame replayed before it, lost whole. */
  resealRate = 0;
  replayRate = 0;
  loseRate = 0;
  /** The last intact long frame, for replays. */
  private lastIntact: Buffer | undefined;
  /** Frames held back by hold(): not counted, not yet passed on. */
  private held: Buffer[] = [];
  private holding = false;
  private readonly ab: Direction;
  private readonly ba: Direction;
  private readonly rand: (n: number) => number;
  private readonly timer: NodeJS.Timeout;
  private readonly minDamageBytes: number;

  private constructor(
    private readonly portA: SerialPort,
    private readonly portB: SerialPort,
    private readonly options: RelayOptions,
  ) {
    this.rand = prng(options.seed ?? 1);
    this.minDamageBytes = options.minDamageBytes ?? 120;
    this.ab = { from: portA, to: portB, queue: [], queued: 0, paused: false, partial: [], credit: 0 };
    this.ba = { from: portB, to: portA, queue: [], queued: 0, paused: false, partial: [], credit: 0 };
    portA.on('data', (chunk: Buffer) => this.cutFrames(chunk));
    portB.on('data', (chunk: Buffer) => this.enqueue(this.ba, chunk));
    this.timer = setInterval(() => {
      this.pump(this.ab);
      this.pump(this.ba);
    }, TICK_MS);
  }

  /** Opens the two relay-side pty ends: `a` faces node A, `b` faces node B. */
  static async open(a: string, b: string, options: RelayOptions = {}): Promise<LineRelay> {
    const open = (path: string): Promise<SerialPort> =>
      new Promise((resolve, reject) => {
        const port = new SerialPort({ path, baudRate: options.baud ?? 115200, highWaterMark: 1024, autoOpen: false });
        port.open((err) => (err ? reject(err) : resolve(port)));
      });
    const [pa, pb] = await Promise.all([open(a), open(b)]);
    return new LineRelay(pa, pb, options);
  }

  /** Holds A→B frames back (uncounted) while what is already on the line drains: the receiver's counters then settle on `counts`. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const frame of held) this.forward(frame);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.portA, this.portB].map((p) => new Promise<void>((done) => (p.isOpen ? p.close(() => done()) : done()))));
  }

  /** A→B: whole frames only, so damage and counts are per frame. */
  private cutFrames(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const zero = chunk.indexOf(0, at);
      if (zero < 0) {
        this.ab.partial.push(chunk.subarray(at));
        break;
      }
      this.ab.partial.push(chunk.subarray(at, zero + 1));
      const frame = Buffer.concat(this.ab.partial);
      this.ab.partial = [];
      at = zero + 1;
      if (this.holding) this.held.push(frame);
      else this.forward(frame);
    }
  }

  private forward(frame: Buffer): void {
    const long = frame.length > this.minDamageBytes;
    if (long && this.garbageRate > 0 && this.rand(1_000_000) < this.garbageRate * 1_000_000) {
      const garbage = Buffer.alloc(8 + this.rand(40));
      for (let i = 0; i < garbage.length - 1; i++) garbage[i] = 1 + this.rand(255);
      this.enqueue(this.ab, garbage);
      this.counts.garbage++;
    }
    if (long && this.lastIntact && this.chance(this.replayRate)) {
      this.enqueue(this.ab, this.lastIntact);
      this.counts.replayed++;
    }
    if (long && this.chance(this.loseRate)) {
      this.counts.lostWhole++;
      return;
    }
    if (long && this.chance(this.resealRate)) {
      this.enqueue(this.ab, this.reseal(frame));
      this.counts.resealed++;
      return;
    }
    if (long && this.chance(this.damageRate)) {
      this.enqueue(this.ab, this.rand(2) === 0 ? this.flipBit(frame) : this.dropByte(frame));
      this.counts.damaged++;
      return;
    }
    this.enqueue(this.ab, frame);
    this.counts.intact++;
    if (long) this.lastIntact = frame;
  }

  private chance(rate: number): boolean {
    return rate > 0 && this.rand(1_000_000) < rate * 1_000_000;
  }

  /** One bit of the sealed part (past the counter) flipped, the CRC made right again: only the AEAD tag can tell. */
  private reseal(frame: Buffer): Buffer {
    const raw = cobsDecode(frame.subarray(0, frame.length - 1));
    const payload = Buffer.from(raw.subarray(0, raw.length - 4));
    const i = COUNTER_BYTES + this.rand(payload.length - COUNTER_BYTES);
    payload[i] = (payload[i] as number) ^ (1 << this.rand(8));
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(payload));
    return Buffer.concat([cobsEncode(Buffer.concat([payload, crc])), Buffer.from([0])]);
  }

  /** A bit of a non-delimiter byte, never one that turns it into a delimiter (that would be two damaged frames). */
  private flipBit(frame: Buffer): Buffer {
    const out = Buffer.from(frame);
    const i = this.rand(frame.length - 1);
    let bit = this.rand(8);
    while (((out[i] as number) ^ (1 << bit)) === 0) bit = (bit + 1) % 8;
    out[i] = (out[i] as number) ^ (1 << bit);
    return out;
  }

  private dropByte(frame: Buffer): Buffer {
    const i = this.rand(frame.length - 1);
    return Buffer.concat([frame.subarray(0, i), frame.subarray(i + 1)]);
  }

  private enqueue(d: Direction, bytes: Buffer): void {
    d.queue.push(bytes);
    d.queued += bytes.length;
    if (d.queued > LINE_BUFFER_BYTES && !d.paused) {
      d.paused = true;
      d.from.pause();
    }
  }

  /** Sends what the line carries in one tick (all of it without a baud). */
  private pump(d: Direction): void {
    let budget = Infinity;
    if (this.options.baud !== undefined) {
      d.credit += (this.options.baud / 10) * (TICK_MS / 1000);
      budget = Math.floor(d.credit);
      d.credit -= budget;
    }
    const out: Buffer[] = [];
    while (budget > 0 && d.queue.length > 0) {
      const head = d.queue[0] as Buffer;
      if (head.length <= budget) {
        out.push(head);
        d.queue.shift();
        budget -= head.length;
        d.queued -= head.length;
      } else {
        out.push(head.subarray(0, budget));
        d.queue[0] = head.subarray(budget);
        d.queued -= budget;
        budget = 0;
      }
    }
    // An idle line saves no credit: the pace holds from the next byte on.
    if (d.queue.length === 0) d.credit = 0;
    if (out.length > 0) d.to.write(Buffer.concat(out));
    if (d.paused && d.queued <= LINE_BUFFER_BYTES) {
      d.paused = false;
      d.from.resume();
    }
  }
}

// Serial framing of PROTOCOL.md §1: `COBS(payload || u32be crc32c(payload)) || 0x00`.
// A UART corrupts and loses bytes, so a bad frame is dropped and counted, never
// fatal: the link resynchronises at the next 0x00.
import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs';
import { crc32c } from './crc32c';
import { WireError } from './errors';
import { DEFAULT_MAX_FRAME } from './frame';

const CRC = 4;
const DELIMITER = Buffer.from([0]);

export function encodeSerialFrame(payload: Buffer): Buffer {
  const raw = Buffer.allocUnsafe(payload.length + CRC);
  payload.copy(raw, 0);
  raw.writeUInt32BE(crc32c(payload), payload.length);
  return Buffer.concat([cobsEncode(raw), DELIMITER]);
}

/**
 * Cuts a serial byte stream into payloads. Holds at most the encoded size of
 * one maxFrame payload; past that it discards up to the next 0x00. Dropped:
 * a bad COBS encoding, a bad CRC, a payload outside 1..maxFrame (as over TCP,
 * an empty payload is never valid; on a serial line it is far likelier noise
 * than a peer's intent), and an overlong run without a delimiter.
 */
export class SerialFrameReader {
  private readonly maxEncoded: number;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Skipping an overlong frame until its delimiter. */
  private discarding = false;
  private droppedFrames = 0;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {
    if (!Number.isInteger(maxFrame) || maxFrame < 1) throw new RangeError(`maxFrame must be a positive integer, got ${maxFrame}`);
    this.maxEncoded = cobsMaxEncodedLength(maxFrame + CRC);
  }

  /** Frames dropped for a bad CRC, bad COBS, a bad size, or no delimiter in time. */
  get dropped(): number {
    return this.droppedFrames;
  }

  /** Bytes held for the incomplete frame. */
  get buffered(): number {
    return this.partsBytes;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      const zero = chunk.indexOf(0, i);
      const end = zero < 0 ? n : zero;
      if (this.discarding) {
        if (zero < 0) break;
        this.discarding = false;
        i = zero + 1;
        continue;
      }
      const piece = end - i;
      if (this.partsBytes + piece > this.maxEncoded) {
        this.droppedFrames++;
        this.parts = [];
        this.partsBytes = 0;
        if (zero < 0) {
          this.discarding = true;
          break;
        }
        i = zero + 1;
        continue;
      }
      if (zero < 0) {
        this.parts.push(chunk.subarray(i));
        this.partsBytes += piece;
        break;
      }
      let encoded = chunk.subarray(i, zero);
      if (this.partsBytes > 0) {
        this.parts.push(encoded);
        encoded = Buffer.concat(this.parts, this.partsBytes + piece);
        this.parts = [];
        this.partsBytes = 0;
      }
      i = zero + 1;
      if (encoded.length === 0) continue; // back-to-back delimiters carry nothing
      const payload = this.open(encoded);
      if (payload) out.push(payload);
      else this.droppedFrames++;
    }
    return out;
  }

  private open(encoded: Buffer): Buffer | null {
    let raw: Buffer;
    try {
      raw = cobsDecode(encoded);
    } catch (err) {
      if (err instanceof WireError) return null;
      throw err;
    }
    const size = raw.length - CRC;
    if (size < 1 || size > this.maxFrame) return null;
    const payload = raw.subarray(0, size);
    return raw.readUInt32BE(size) === crc32c(payload) ? payload : null;
  }
}

// TCP framing of PROTOCOL.md §1 (`u32be length || payload`, length
// 1..maxFrame): the pure-TS reader. Its native twin (native/frame-reader.ts)
// hands the whole frames of a chunk to the addon and keeps this reader for
// the frame that straddles chunks.
import { WireError } from '../errors';

/** Largest payload a peer may send us unless configured otherwise (PROTOCOL.md §1). */
export const DEFAULT_MAX_FRAME = 4 * 1024 * 1024;

export const PREFIX = 4;
export const U32_MAX = 0xffff_ffff;

/** What both readers offer: the public FrameReader of src/wire/frame.ts. */
export interface FrameReaderApi {
  /** Complete payloads in arrival order. Throws WireError on a zero or oversized length. */
  push(chunk: Buffer): Buffer[];
  /** Bytes held for the incomplete frame (prefix included); never more than 4 + maxFrame. */
  readonly buffered: number;
}

export type FrameReaderClass = new (maxFrame?: number) => FrameReaderApi;

/**
 * Cuts a TCP byte stream into payloads. Holds at most one partial frame, and
 * allocates for a frame only once all of it has arrived, so a peer's length
 * prefix alone never makes us allocate.
 *
 * A payload that arrives whole inside one chunk is returned as a view of that
 * chunk (no copy): callers decode it at once, and the decoder copies what it
 * keeps, so the view is short-lived. A payload split over chunks is copied
 * into a buffer of its exact size. Chunks must not be reused by the caller.
 *
 * After a WireError the reader refuses further input: the connection is closing.
 */
export class JsFrameReader implements FrameReaderApi {
  private readonly prefix = Buffer.alloc(PREFIX);
  private prefixFill = 0;
  /** Length of the frame being read; -1 until its prefix is complete. */
  private bodyLength = -1;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private failed = false;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {
    checkMaxFrame(maxFrame);
  }

  get buffered(): number {
    return this.prefixFill + this.partsBytes;
  }

  /** Bytes still due before the current prefix or body is complete; 0 between frames. */
  get missing(): number {
    return this.bodyLength < 0 ? (PREFIX - this.prefixFill) % PREFIX : this.bodyLength - this.partsBytes;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw usedAfterError();
    const out: Buffer[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.bodyLength < 0) {
        let length: number;
        if (this.prefixFill === 0 && n - i >= PREFIX) {
          length = chunk.readUInt32BE(i);
          i += PREFIX;
        } else {
          const take = Math.min(PREFIX - this.prefixFill, n - i);
          chunk.copy(this.prefix, this.prefixFill, i, i + take);
          this.prefixFill += take;
          i += take;
          if (this.prefixFill < PREFIX) break;
          length = this.prefix.readUInt32BE(0);
        }
        this.prefixFill = PREFIX;
        this.checkLength(length);
        this.bodyLength = length;
      }
      const missing = this.bodyLength - this.partsBytes;
      const available = n - i;
      if (available < missing) {
        this.parts.push(chunk.subarray(i));
        this.partsBytes += available;
        break;
      }
      const tail = chunk.subarray(i, i + missing);
      i += missing;
      if (this.partsBytes === 0) {
        out.push(tail);
      } else {
        this.parts.push(tail);
        out.push(Buffer.concat(this.parts, this.bodyLength));
        this.parts = [];
        this.partsBytes = 0;
      }
      this.prefixFill = 0;
      this.bodyLength = -1;
    }
    return out;
  }

  private checkLength(length: number): void {
    if (length >= 1 && length <= this.maxFrame) return;
    this.failed = true;
    this.parts = [];
    this.partsBytes = 0;
    throw badLengthError(length, this.maxFrame);
  }
}

export function checkMaxFrame(maxFrame: number): void {
  if (!Number.isInteger(maxFrame) || maxFrame < 1 || maxFrame > U32_MAX) {
    throw new RangeError(`maxFrame must be an integer in 1..${U32_MAX}, got ${maxFrame}`);
  }
}

// The readers' errors, shared so that both backends say the same.

export function badLengthError(length: number, maxFrame: number): WireError {
  if (length === 0) return new WireError(`frame length 0 is not allowed (1..${maxFrame})`);
  return new WireError(`frame length ${length} exceeds the maximum of ${maxFrame} bytes`);
}

export function usedAfterError(): WireError {
  return new WireError('frame reader used after a framing error; the connection must be closed');
}

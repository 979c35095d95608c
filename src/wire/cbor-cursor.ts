// The CBOR cursor: reads heads, arguments and lengths at a position in one
// payload, and refuses what is ill-formed before anything is allocated for it
// (a length is checked against the bytes left; nesting against maxDepth).
// cbor-walk.ts walks items on it without building them; cbor.ts builds them.
import { isUtf8 } from 'node:buffer';
import { CborFloat, CborValue } from './cbor-value';
import { WireError } from './errors';
import { readSafeU64 } from './u64';

/** Nesting allowed by PROTOCOL.md §1; the top-level item is depth 1. */
export const DEFAULT_MAX_DEPTH = 16;

const TWO_32 = 0x1_0000_0000;
export const BREAK = 0xff;

// ignoreBOM keeps a leading U+FEFF as data instead of silently eating it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class CborCursor {
  pos = 0;

  constructor(
    protected readonly buf: Buffer,
    protected readonly maxDepth: number,
  ) {}

  /** The argument of an integer or tag head: a number when it is a safe integer, else a bigint. */
  protected integer(info: number, start: number): number | bigint {
    if (info < 24) return info;
    const buf = this.buf;
    const p = this.pos;
    switch (info) {
      case 24:
        this.need(1, 'a 1-byte argument');
        this.pos = p + 1;
        return buf[p];
      case 25:
        this.need(2, 'a 2-byte argument');
        this.pos = p + 2;
        return buf.readUInt16BE(p);
      case 26:
        this.need(4, 'a 4-byte argument');
        this.pos = p + 4;
        return buf.readUInt32BE(p);
      case 27: {
        this.need(8, 'an 8-byte argument');
        this.pos = p + 8;
        // Past 2^53-1 only a bigint holds it exactly.
        return readSafeU64(buf, p) ?? buf.readBigUInt64BE(p);
      }
      default:
        throw this.badInfo(info, start);
    }
  }

  /** A definite length, checked against the bytes left before anyone allocates for it. */
  protected length(info: number, start: number, what: string, bytesPerUnit = 1): number {
    let n: number;
    if (info === 27) {
      // Exactness does not matter past 2^53: any such length is refused below.
      this.need(8, 'an 8-byte length');
      n = this.buf.readUInt32BE(this.pos) * TWO_32 + this.buf.readUInt32BE(this.pos + 4);
      this.pos += 8;
    } else {
      n = this.integer(info, start) as number; // below 27 the argument is never a bigint
    }
    const left = this.buf.length - this.pos;
    if (n * bytesPerUnit > left) {
      const least = bytesPerUnit > 1 ? ` (at least ${n * bytesPerUnit} bytes)` : '';
      throw new WireError(`declared ${what} length ${n}${least} exceeds the ${left} bytes left in the frame (at byte ${start})`);
    }
    return n;
  }

  protected text(n: number): string {
    const buf = this.buf;
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    // Keys and short values are ASCII; building them in JS skips TextDecoder's call cost.
    if (n <= 32) {
      let s = '';
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c >= 0x80) return this.utf8(start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8(start, end);
  }

  protected utf8(start: number, end: number): string {
    try {
      return utf8.decode(this.buf.subarray(start, end));
    } catch {
      throw new WireError(`invalid UTF-8 in the text string at bytes ${start}..${end}`);
    }
  }

  /** Reads the head of the next chunk of an indefinite string; -1 at its break. */
  protected chunkHead(major: number, start: number, what: string): number {
    if (this.pos >= this.buf.length) throw this.truncated(`the indefinite ${what} opened at byte ${start}`);
    const initial = this.buf[this.pos++];
    if (initial === BREAK) return -1;
    const info = initial & 0x1f;
    if (initial >> 5 !== major || info === 31) {
      throw new WireError(
        `a chunk of the indefinite ${what} at byte ${start} must be a definite ${what} (found 0x${initial.toString(16)} at byte ${this.pos - 1})`,
      );
    }
    return info;
  }

  protected simple(info: number, start: number): CborValue {
    const buf = this.buf;
    const p = this.pos;
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 24: {
        this.need(1, 'a simple value');
        const v = buf[this.pos++];
        if (v < 32) throw new WireError(`simple value ${v} must be encoded in one byte (at byte ${start})`);
        throw new WireError(`unassigned simple value ${v} at byte ${start}`);
      }
      case 25:
        this.need(2, 'a half-precision float');
        this.pos = p + 2;
        return new CborFloat(half(buf.readUInt16BE(p)));
      case 26:
        this.need(4, 'a single-precision float');
        this.pos = p + 4;
        return new CborFloat(buf.readFloatBE(p));
      case 27:
        this.need(8, 'a double-precision float');
        this.pos = p + 8;
        return new CborFloat(buf.readDoubleBE(p));
      case 31:
        throw new WireError(`break (0xff) outside an indefinite-length item at byte ${start}`);
      default:
        if (info < 20) throw new WireError(`unassigned simple value ${info} at byte ${start}`);
        throw this.badInfo(info, start);
    }
  }

  /** Refuses invalid UTF-8 in buf[start..end), as the fatal TextDecoder of text() does, without decoding it. */
  protected checkUtf8(start: number, end: number): void {
    const buf = this.buf;
    if (end - start <= 32) {
      let i = start;
      while (i < end && buf[i] < 0x80) i++;
      if (i === end) return;
    }
    if (!isUtf8(buf.subarray(start, end))) throw new WireError(`invalid UTF-8 in the text string at bytes ${start}..${end}`);
  }

  /** True when the n bytes at pos are key[from..from+n) (ASCII). */
  protected bytesAre(key: string, from: number, n: number): boolean {
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) if (buf[p + i] !== key.charCodeAt(from + i)) return false;
    return true;
  }

  /** The string of `list` (ASCII) that the n bytes at pos spell, if any. */
  protected match(list: readonly string[], n: number): string | undefined {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.length === n && this.bytesAre(s, 0, n)) return s;
    }
    return undefined;
  }

  /** True (and consumes it) when the next byte ends the indefinite item opened at `start`. */
  protected atBreak(start: number, what: string): boolean {
    if (this.pos >= this.buf.length) throw this.truncated(`the indefinite ${what} opened at byte ${start}`);
    if (this.buf[this.pos] !== BREAK) return false;
    this.pos++;
    return true;
  }

  protected deeper(depth: number, start: number): void {
    if (depth > this.maxDepth) throw new WireError(`nesting deeper than ${this.maxDepth} (at byte ${start})`);
  }

  protected need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw this.truncated(what);
  }

  protected truncated(what: string): WireError {
    return new WireError(`truncated CBOR: the ${this.buf.length}-byte payload ends before ${what} (at byte ${this.pos})`);
  }

  protected badInfo(info: number, start: number): WireError {
    const head = `0x${this.buf[start].toString(16)} at byte ${start}`;
    if (info === 31) return new WireError(`indefinite length is not allowed for major type ${this.buf[start] >> 5} (head ${head})`);
    return new WireError(`reserved additional information ${info} in the head ${head}`);
  }

  /** Refuses anything after the item that should have filled the payload. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new WireError(
        `${this.buf.length - this.pos} trailing bytes after the CBOR item (it ends at byte ${this.pos} of ${this.buf.length})`,
      );
    }
  }
}

function half(bits: number): number {
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  let v: number;
  if (exp === 0) v = mant * 2 ** -24;
  else if (exp !== 31) v = (mant + 1024) * 2 ** (exp - 25);
  else v = mant === 0 ? Infinity : NaN;
  return bits & 0x8000 ? -v : v;
}


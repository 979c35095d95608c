// The CBOR encoder of TNP/1 (see cbor.ts for why the codec is our own):
// deterministic shortest-form heads, every integer as major type 0/1 however
// large, one reused scratch buffer so a message costs one copy out.
import { CborFloat, CborTagged, CborValue } from './cbor-value';
import { writeSafeU64 } from './u64';

const TWO_32 = 0x1_0000_0000;
const TWO_64 = 2 ** 64;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** Scratch size kept between calls; a bigger one (a full `blocks` answer) is let go after use. */
const SCRATCH_INITIAL = 4096;
const SCRATCH_KEEP_MAX = 256 * 1024;
/** Only a cycle gets this deep; the guard turns it into a clear error instead of a stack overflow. */
const ENCODE_MAX_DEPTH = 256;

class Writer {
  buf = Buffer.allocUnsafe(SCRATCH_INITIAL);
  pos = 0;
  busy = false;

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  reset(): void {
    this.pos = 0;
    if (this.buf.length > SCRATCH_KEEP_MAX) this.buf = Buffer.allocUnsafe(SCRATCH_INITIAL);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A head with the argument `n` (a non-negative integer below 2^64) in its shortest form. */
  head(major: number, n: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.pos;
    const m = major << 5;
    if (n < 24) {
      b[p++] = m | n;
    } else if (n < 0x100) {
      b[p++] = m | 24;
      b[p++] = n;
    } else if (n < 0x10000) {
      b[p++] = m | 25;
      b[p++] = n >>> 8;
      b[p++] = n & 0xff;
    } else if (n < TWO_32) {
      b[p++] = m | 26;
      b.writeUInt32BE(n, p);
      p += 4;
    } else {
      b[p++] = m | 27;
      writeSafeU64(b, n, p);
      p += 8;
    }
    this.pos = p;
  }

  private bigHead(major: number, n: bigint): void {
    if (n <= MAX_SAFE_BIG) return this.head(major, Number(n));
    this.ensure(9);
    this.buf[this.pos++] = (major << 5) | 27;
    this.buf.writeBigUInt64BE(n, this.pos);
    this.pos += 8;
  }

  value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'number':
        return this.number(v);
      case 'string':
        return this.text(v);
      case 'boolean':
        return this.byte(v ? 0xf5 : 0xf4);
      case 'undefined':
        return this.byte(0xf7);
      case 'bigint':
        if (v >= 0n) {
          if (v >= 1n << 64n) throw new RangeError(`integer ${v} does not fit in 64 bits`);
          return this.bigHead(0, v);
        }
        if (v < -(1n << 64n)) throw new RangeError(`integer ${v} does not fit in 64 bits`);
        return this.bigHead(1, -1n - v);
      case 'object':
        return this.object(v, depth);
      default:
        throw new TypeError(`cannot encode a ${typeof v} as CBOR`);
    }
  }

  private number(v: number): void {
    if (!Number.isInteger(v)) return this.float(v);
    if (v >= 0) {
      if (v >= TWO_64) throw new RangeError(`integer ${v} does not fit in 64 bits`);
      return this.head(0, v);
    }
    const n = -1 - v;
    if (n >= TWO_64) throw new RangeError(`integer ${v} does not fit in 64 bits`);
    this.head(1, n);
  }

  private float(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xfb;
    this.buf.writeDoubleBE(v, this.pos + 1);
    this.pos += 9;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private text(s: string): void {
    const n = s.length;
    // Short ASCII text (every key, most values) is written in JS; the native
    // UTF-8 path costs more in call overhead than the copy itself.
    if (n < 256) {
      const headSize = n < 24 ? 1 : 2;
      // Room for head() too: if it grew the scratch, the bytes written past pos would be lost.
      this.ensure(9 + n);
      const b = this.buf;
      let p = this.pos + headSize;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.head(3, n);
        this.pos += n;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.head(3, len);
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  private bytes(v: Uint8Array): void {
    this.head(2, v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  private object(v: object | null, depth: number): void {
    if (v === null) return this.byte(0xf6);
    if (depth > ENCODE_MAX_DEPTH) throw new RangeError(`nesting deeper than ${ENCODE_MAX_DEPTH} (a cyclic value?)`);
    if (Array.isArray(v)) {
      this.head(4, v.length);
      for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
      return;
    }
    if (v instanceof Uint8Array) return this.bytes(v);
    if (v instanceof CborFloat) return this.float(v.value);
    if (v instanceof CborTagged) {
      const tag = v.tag;
      const ok = typeof tag === 'bigint' ? tag >= 0n && tag < 1n << 64n : Number.isInteger(tag) && tag >= 0 && tag < TWO_64;
      if (!ok) throw new RangeError(`tag ${tag} is not an unsigned 64-bit integer`);
      if (typeof tag === 'bigint') this.bigHead(6, tag);
      else this.head(6, tag);
      return this.value(v.value, depth + 1);
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`cannot encode an instance of ${v.constructor?.name ?? 'a class'} as CBOR`);
    }
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record);
    let count = 0;
    for (let i = 0; i < keys.length; i++) if (record[keys[i]] !== undefined) count++;
    this.head(5, count);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const item = record[key];
      if (item === undefined) continue;
      this.text(key);
      this.value(item, depth + 1);
    }
  }
}

const shared = new Writer();

/**
 * Deterministic encoding with shortest-form heads. Integers are always major
 * type 0/1 (never floats), objects become maps in insertion order without
 * their `undefined` properties, non-integer numbers and CborFloat float64.
 * Throws RangeError for an integer outside 64 bits, TypeError for a value
 * CBOR cannot carry here (a function, a Map, a class instance).
 */
export function encodeCbor(value: CborValue | object): Buffer {
  // A getter that encodes while we encode must not scribble on the shared scratch.
  const w = shared.busy ? new Writer() : shared;
  w.busy = true;
  try {
    w.value(value, 1);
    return w.finish();
  } finally {
    w.reset();
    w.busy = false;
  }
}

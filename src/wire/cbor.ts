// The CBOR (RFC 8949) codec of TNP/1. We own it because the protocol needs
// what general encoders do not give: every integer as major type 0/1 whatever
// its size (never a float), floats kept apart from integers on decode, and a
// decoder that refuses a hostile length or depth before allocating for it.
//
// A claimed length is checked against the bytes left, but a well-formed
// payload of many one-byte items (a million empty maps in 1 MiB) is true to
// every claim and would still cost ~190 bytes of heap per byte if built. So:
// skipItem/checkCbor walk a payload without building anything, findTextField
// reads one top-level entry (a message's `type`) without building the rest,
// and decodeCbor can skip top-level keys nobody reads and count what it builds
// against a bound (DecodeOptions).
import { isUtf8 } from 'node:buffer';
import { CborFloat, CborMap, CborTagged, CborValue } from './cbor-value';
import { WireError } from './errors';

/** Nesting allowed by PROTOCOL.md §1; the top-level item is depth 1. */
export const DEFAULT_MAX_DEPTH = 16;

const TWO_32 = 0x1_0000_0000;
const BREAK = 0xff;

/**
 * Heads that are a whole item by themselves: 1 for small integers, simple
 * values false/true/null/undefined and empty strings; 2 for an empty array or
 * map (also a nesting level). 0 for every other head.
 */
const ONE_BYTE_ITEM = new Uint8Array(256);
const ONE_BYTE_OR_EMPTY = 2;
for (let b = 0x00; b < 0x18; b++) ONE_BYTE_ITEM[b] = 1; // unsigned 0..23
for (let b = 0x20; b < 0x38; b++) ONE_BYTE_ITEM[b] = 1; // negative -1..-24
for (const b of [0x40, 0x60, 0xf4, 0xf5, 0xf6, 0xf7]) ONE_BYTE_ITEM[b] = 1;
ONE_BYTE_ITEM[0x80] = ONE_BYTE_ITEM[0xa0] = ONE_BYTE_OR_EMPTY;

// ignoreBOM keeps a leading U+FEFF as data instead of silently eating it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------- decoding

export interface DecodeOptions {
  /**
   * The most items decodeCbor may build: every data item counts one (each
   * array, map, map key, value and array element, a tag and its content),
   * except entries it skips (non-text keys, keys outside `keys`). Past it,
   * WireError "more than N items in <context>", thrown before the item (and,
   * for an array, before its elements) is allocated.
   */
  maxItems?: number;
  /** What the payload is, for the maxItems error: "one message of type tx". */
  context?: string;
  /**
   * When the top-level item is a map: the only keys (ASCII) whose values are
   * decoded. They are matched by their bytes and come back as these very
   * strings; other entries are checked for well-formedness (as skipItem does)
   * and skipped without being built, counted, or checked for duplicates.
   */
  keys?: readonly string[];
}

/**
 * Decodes exactly one CBOR item that must fill `payload`. Byte strings are
 * copied, so nothing decoded keeps the frame alive. Maps become null-prototype
 * objects with their text keys; entries with other keys are skipped without
 * being built (TNP/1 ignores unknown keys). Tags count as a nesting level,
 * like arrays and maps.
 */
export function decodeCbor(payload: Buffer, maxDepth = DEFAULT_MAX_DEPTH, options?: DecodeOptions): CborValue {
  if (payload.length === 0) throw new WireError('empty payload: expected one CBOR item');
  const reader = new Reader(payload, maxDepth, options);
  const value = reader.item(1);
  reader.end();
  return value;
}

/**
 * Walks the one item that starts at `offset` and returns the offset just past
 * it, allocating nothing for its content. It refuses exactly what decodeCbor
 * refuses, with the same reasons: reserved additional information, a
 * misplaced break, a length past the end, nesting past `maxDepth` (`depth` is
 * the item's own level, 1 at the top), invalid UTF-8 in text, ill-formed
 * simple values. The one check it leaves out is duplicate map keys, which
 * needs the keys themselves: RFC 8949 makes a duplicate key invalid, not
 * ill-formed, and a skipped map's keys are read by no one.
 */
export function skipItem(payload: Buffer, offset: number, depth = 1, maxDepth = DEFAULT_MAX_DEPTH): number {
  const reader = new Reader(payload, maxDepth);
  reader.pos = offset;
  reader.skip(depth);
  return reader.pos;
}

/** Checks that `payload` is exactly one well-formed CBOR item, as decodeCbor would, without building it (see skipItem). */
export function checkCbor(payload: Buffer, maxDepth = DEFAULT_MAX_DEPTH): void {
  if (payload.length === 0) throw new WireError('empty payload: expected one CBOR item');
  const reader = new Reader(payload, maxDepth);
  reader.skip(1);
  reader.end();
}

export interface FieldOptions {
  /**
   * Walk the whole payload, as checkCbor does, instead of stopping at the
   * key: then a repeated key and trailing bytes are refused too.
   */
  whole?: boolean;
  /** Longer text is returned cut (at a character boundary) to its first maxBytes bytes, followed by "…"; all of it is still checked. */
  maxBytes?: number;
  /** Expected values (ASCII): one that matches is returned as this very string, without building another. */
  values?: readonly string[];
  maxDepth?: number;
}

/**
 * The text value of `key` (ASCII) in the top-level map of `payload`, decoding
 * nothing else: undefined when the key is absent or its value is not text.
 * Unless `whole`, the walk stops at the first such key (for a message's
 * `type`, usually the first): what follows is not checked. Throws WireError
 * when the top-level item is not a map, or the part walked is ill-formed.
 */
export function findTextField(payload: Buffer, key: string, options: FieldOptions = {}): string | undefined {
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) >= 0x80) throw new RangeError(`key "${key}" is not ASCII`);
  if (!options.whole && options.values !== undefined && (options.maxDepth ?? DEFAULT_MAX_DEPTH) >= 1) {
    const known = firstEntryValue(payload, key, options.values);
    if (known !== undefined) return known;
  }
  if (payload.length === 0) throw new WireError('empty payload: expected one CBOR item');
  const reader = new Reader(payload, options.maxDepth ?? DEFAULT_MAX_DEPTH);
  return reader.textField(key, options.whole === true, options.maxBytes ?? Infinity, options.values);
}

/**
 * findTextField's common case, without a Reader: a definite map whose first
 * key is `key` (short, ASCII) and whose value is short text equal to one of
 * `values`. Anything else (undefined) takes the general walk.
 */
function firstEntryValue(payload: Buffer, key: string, values: readonly string[]): string | undefined {
  const k = key.length;
  const v = 2 + k; // the value's head
  const head = payload[0];
  if (k >= 24 || payload.length <= v || head < 0xa1 || head > 0xb7 || payload[1] !== 0x60 + k) return undefined;
  if (2 * (head - 0xa0) > payload.length - 1) return undefined; // the walk reports the map's false claim
  for (let i = 0; i < k; i++) if (payload[2 + i] !== key.charCodeAt(i)) return undefined;
  const n = payload[v] - 0x60;
  if (n < 0 || n >= 24 || v + 1 + n > payload.length) return undefined;
  for (let j = 0; j < values.length; j++) {
    const s = values[j];
    if (s.length !== n) continue;
    let i = 0;
    while (i < n && payload[v + 1 + i] === s.charCodeAt(i)) i++;
    if (i === n) return s;
  }
  return undefined;
}

class Reader {
  pos = 0;
  /** Items built so far (see DecodeOptions.maxItems). */
  private count = 0;
  private readonly maxItems: number;
  private readonly keys: readonly string[] | undefined;

  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
    private readonly options?: DecodeOptions,
  ) {
    this.maxItems = options?.maxItems ?? Infinity;
    this.keys = options?.keys;
  }

  /** Refuses anything after the item that should have filled the payload. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new WireError(
        `${this.buf.length - this.pos} trailing bytes after the CBOR item (it ends at byte ${this.pos} of ${this.buf.length})`,
      );
    }
  }

  item(depth: number): CborValue {
    const buf = this.buf;
    if (this.pos >= buf.length) throw this.truncated('an item');
    const start = this.pos;
    if (++this.count > this.maxItems) throw this.tooMany(start);
    const initial = buf[this.pos++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
        return this.integer(info, start);
      case 1: {
        const n = this.integer(info, start);
        // -1 - (2^53 - 1) is -2^53, one past the safe range: a bigint, like its positive twin.
        if (typeof n === 'number') return n < Number.MAX_SAFE_INTEGER ? -1 - n : -1n - BigInt(n);
        return -1n - n;
      }
      case 2:
        return info === 31 ? this.chunkedBytes(start) : this.bytes(this.length(info, start, 'byte string'));
      case 3:
        return info === 31 ? this.chunkedText(start) : this.text(this.length(info, start, 'text string'));
      case 4:
        return this.array(info, start, depth);
      case 5:
        return this.map(info, start, depth);
      case 6:
        return this.tagged(info, start, depth);
      default:
        return this.simple(info, start);
    }
  }

  /** The argument of an integer or tag head: a number when it is a safe integer, else a bigint. */
  private integer(info: number, start: number): number | bigint {
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
        const hi = buf.readUInt32BE(p);
        // 2^53-1 has 0x1fffff in its high word: anything above needs a bigint.
        if (hi <= 0x1fffff) return hi * TWO_32 + buf.readUInt32BE(p + 4);
        return buf.readBigUInt64BE(p);
      }
      default:
        throw this.badInfo(info, start);
    }
  }

  /** A definite length, checked against the bytes left before anyone allocates for it. */
  private length(info: number, start: number, what: string, bytesPerUnit = 1): number {
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

  private bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    const buf = this.buf;
    const p = this.pos;
    // Nonces, keys and hashes are short: a loop beats the native copy's call cost.
    if (n <= 64) for (let i = 0; i < n; i++) out[i] = buf[p + i];
    else buf.copy(out, 0, p, p + n);
    this.pos = p + n;
    return out;
  }

  private text(n: number): string {
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

  private utf8(start: number, end: number): string {
    try {
      return utf8.decode(this.buf.subarray(start, end));
    } catch {
      throw new WireError(`invalid UTF-8 in the text string at bytes ${start}..${end}`);
    }
  }

  private chunkedBytes(start: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const head = this.chunkHead(2, start, 'byte string');
      if (head < 0) break;
      const n = this.length(head, this.pos - 1, 'byte string chunk');
      chunks.push(this.buf.subarray(this.pos, this.pos + n));
      this.pos += n;
      total += n;
    }
    return Buffer.concat(chunks, total);
  }

  private chunkedText(start: number): string {
    let s = '';
    for (;;) {
      const head = this.chunkHead(3, start, 'text string');
      if (head < 0) return s;
      // Each chunk must be valid UTF-8 on its own (RFC 8949 §3.2.3).
      s += this.text(this.length(head, this.pos - 1, 'text string chunk'));
    }
  }

  /** Reads the head of the next chunk of an indefinite string; -1 at its break. */
  private chunkHead(major: number, start: number, what: string): number {
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

  private array(info: number, start: number, depth: number): CborValue[] {
    this.deeper(depth, start);
    if (info === 31) {
      const out: CborValue[] = [];
      while (!this.atBreak(start, 'array')) out.push(this.item(depth + 1));
      return out;
    }
    const n = this.length(info, start, 'array');
    // Each element is an item: refuse before allocating room for them.
    if (n > this.maxItems - this.count) throw this.tooMany(start);
    const out = new Array<CborValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.item(depth + 1);
    return out;
  }

  private map(info: number, start: number, depth: number): CborMap {
    this.deeper(depth, start);
    const out = Object.create(null) as CborMap;
    // While no value is undefined, a present key reads as defined: that check
    // is much cheaper than `in` on a null-prototype (dictionary) object.
    let holdsUndefined = false;
    const definite = info !== 31;
    const n = definite ? this.length(info, start, 'map', 2) : -1;
    const keep = depth === 1 ? this.keys : undefined;
    const buf = this.buf;
    for (let i = 0; definite ? i < n : !this.atBreak(start, 'map'); i++) {
      const keyAt = this.pos;
      // Entries with a non-text key are ignored: walk them, build nothing.
      if (keyAt >= buf.length || buf[keyAt] >> 5 !== 3) {
        this.skip(depth + 1);
        this.skip(depth + 1);
        continue;
      }
      const key = keep === undefined ? (this.item(depth + 1) as string) : this.keptKey(keep);
      if (key === undefined) {
        this.skip(depth + 1);
        continue;
      }
      const value = this.item(depth + 1);
      if (out[key] !== undefined || (holdsUndefined && key in out)) {
        throw new WireError(`duplicate map key "${key}" at byte ${keyAt}`);
      }
      if (value === undefined) holdsUndefined = true;
      out[key] = value;
    }
    return out;
  }

  private tagged(info: number, start: number, depth: number): CborTagged {
    this.deeper(depth, start);
    const tag = this.integer(info, start);
    return new CborTagged(tag, this.item(depth + 1));
  }

  private simple(info: number, start: number): CborValue {
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

  /**
   * Reads the text key at pos: the string of `keep` it equals (counted as an
   * item), or undefined (walked, not built) when it is none of them.
   */
  private keptKey(keep: readonly string[]): string | undefined {
    const buf = this.buf;
    const start = this.pos;
    const info = buf[start] & 0x1f;
    if (info === 31) {
      // An indefinite text key (rare): built, then looked up.
      const key = this.chunkedText(this.pos++);
      return keep.includes(key) ? this.counted(key, start) : undefined;
    }
    this.pos++;
    const n = this.length(info, start, 'text string');
    const key = this.match(keep, n);
    if (key === undefined) this.checkUtf8(this.pos, this.pos + n);
    this.pos += n;
    return key === undefined ? undefined : this.counted(key, start);
  }

  /** Counts a kept key as an item. */
  private counted(key: string, start: number): string {
    if (++this.count > this.maxItems) throw this.tooMany(start);
    return key;
  }

  /** The string of `list` (ASCII) that the n bytes at pos spell, if any. */
  private match(list: readonly string[], n: number): string | undefined {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.length === n && this.bytesAre(s, 0, n)) return s;
    }
    return undefined;
  }

  /** Walks one item without building it: the checks of item(), and no allocation. */
  skip(depth: number): void {
    const buf = this.buf;
    if (this.pos >= buf.length) throw this.truncated('an item');
    const start = this.pos;
    const initial = buf[this.pos++];
    const major = initial >> 5;
    const info = initial & 0x1f;
    switch (major) {
      case 0:
      case 1:
        return this.skipArgument(info, start);
      case 2:
      case 3: {
        if (info === 31) return this.skipChunks(major, start);
        // Not `this.pos += this.length(…)`: that reads pos before length() moves it past the head.
        const n = this.length(info, start, major === 2 ? 'byte string' : 'text string');
        if (major === 3) this.checkUtf8(this.pos, this.pos + n);
        this.pos += n;
        return;
      }
      case 4: {
        this.deeper(depth, start);
        if (info === 31) {
          while (!this.atBreak(start, 'array')) this.skip(depth + 1);
          return;
        }
        return this.skipItems(this.length(info, start, 'array'), depth + 1);
      }
      case 5: {
        this.deeper(depth, start);
        if (info === 31) {
          while (!this.atBreak(start, 'map')) {
            this.skip(depth + 1);
            this.skip(depth + 1);
          }
          return;
        }
        return this.skipItems(2 * this.length(info, start, 'map', 2), depth + 1);
      }
      case 6:
        this.deeper(depth, start);
        this.skipArgument(info, start);
        return this.skip(depth + 1);
      default:
        switch (info) {
          case 25:
            this.need(2, 'a half-precision float');
            this.pos += 2;
            return;
          case 26:
            this.need(4, 'a single-precision float');
            this.pos += 4;
            return;
          case 27:
            this.need(8, 'a double-precision float');
            this.pos += 8;
            return;
          default:
            this.simple(info, start); // constants, or the same refusals
        }
    }
  }

  /** Skips n items at `depth`: the one-byte ones (the stuff of a wide bomb) in this loop, the rest by skip(). */
  private skipItems(n: number, depth: number): void {
    const buf = this.buf;
    // An empty array or map is one byte too, but still a level of nesting.
    const oneByte = depth <= this.maxDepth ? ONE_BYTE_OR_EMPTY : 1;
    const len = buf.length;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      if (p < len) {
        const kind = ONE_BYTE_ITEM[buf[p]];
        if (kind !== 0 && kind <= oneByte) {
          p++;
          continue;
        }
      }
      this.pos = p;
      this.skip(depth); // also reports the end of the payload
      p = this.pos;
    }
    this.pos = p;
  }

  /** Skips the argument of an integer or tag head (integer() without building a bigint). */
  private skipArgument(info: number, start: number): void {
    if (info < 24) return;
    if (info > 27) throw this.badInfo(info, start);
    const size = 1 << (info - 24);
    this.need(size, size === 1 ? 'a 1-byte argument' : size === 2 ? 'a 2-byte argument' : size === 4 ? 'a 4-byte argument' : 'an 8-byte argument');
    this.pos += size;
  }

  private skipChunks(major: number, start: number): void {
    const what = major === 2 ? 'byte string' : 'text string';
    for (;;) {
      const head = this.chunkHead(major, start, what);
      if (head < 0) return;
      const n = this.length(head, this.pos - 1, `${what} chunk`);
      if (major === 3) this.checkUtf8(this.pos, this.pos + n);
      this.pos += n;
    }
  }

  /** Refuses invalid UTF-8 in buf[start..end), as the fatal TextDecoder of text() does, without decoding it. */
  private checkUtf8(start: number, end: number): void {
    const buf = this.buf;
    if (end - start <= 32) {
      let i = start;
      while (i < end && buf[i] < 0x80) i++;
      if (i === end) return;
    }
    if (!isUtf8(buf.subarray(start, end))) throw new WireError(`invalid UTF-8 in the text string at bytes ${start}..${end}`);
  }

  /** See findTextField. The reader is at the start of the payload. */
  textField(key: string, whole: boolean, maxBytes: number, values: readonly string[] | undefined): string | undefined {
    const buf = this.buf;
    const start = this.pos;
    const initial = buf[this.pos++];
    if (initial >> 5 !== 5) throw new WireError(`the top-level item is not a map (head 0x${initial.toString(16)})`);
    this.deeper(1, start);
    const info = initial & 0x1f;
    const definite = info !== 31;
    const n = definite ? this.length(info, start, 'map', 2) : -1;
    let seen = false;
    let found: string | undefined;
    for (let i = 0; definite ? i < n : !this.atBreak(start, 'map'); i++) {
      const keyAt = this.pos;
      if (!this.skipKey(key)) {
        this.skip(2);
        continue;
      }
      if (seen) throw new WireError(`duplicate map key "${key}" at byte ${keyAt}`);
      seen = true;
      if (this.pos < buf.length && buf[this.pos] >> 5 === 3) found = this.textPrefix(maxBytes, values);
      else this.skip(2);
      if (!whole) return found;
    }
    if (whole) this.end();
    return found;
  }

  /** Walks a map key (at depth 2) and tells whether it is the text `key` (ASCII), building nothing. */
  private skipKey(key: string): boolean {
    const buf = this.buf;
    if (this.pos >= buf.length || buf[this.pos] >> 5 !== 3) {
      this.skip(2);
      return false;
    }
    const start = this.pos;
    const info = buf[this.pos++] & 0x1f;
    if (info !== 31) {
      const n = this.length(info, start, 'text string');
      const match = n === key.length && this.bytesAre(key, 0, n);
      if (!match) this.checkUtf8(this.pos, this.pos + n);
      this.pos += n;
      return match;
    }
    // An indefinite text key: compared chunk by chunk.
    let matched = 0;
    let match = true;
    for (;;) {
      const head = this.chunkHead(3, start, 'text string');
      if (head < 0) return match && matched === key.length;
      const n = this.length(head, this.pos - 1, 'text string chunk');
      this.checkUtf8(this.pos, this.pos + n);
      if (match && matched + n <= key.length && this.bytesAre(key, matched, n)) matched += n;
      else match = false;
      this.pos += n;
    }
  }

  /** True when the n bytes at pos are key[from..from+n) (ASCII). */
  private bytesAre(key: string, from: number, n: number): boolean {
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) if (buf[p + i] !== key.charCodeAt(from + i)) return false;
    return true;
  }

  /** Decodes the text item at pos (major type 3), cut to maxBytes bytes plus "…" when longer; all of it is checked. */
  private textPrefix(maxBytes: number, values: readonly string[] | undefined): string {
    const buf = this.buf;
    const start = this.pos;
    const info = buf[this.pos++] & 0x1f;
    if (info !== 31) {
      const n = this.length(info, start, 'text string');
      const known = values === undefined ? undefined : this.match(values, n);
      if (known !== undefined) {
        this.pos += n;
        return known;
      }
      if (n <= maxBytes) return this.text(n);
      this.checkUtf8(this.pos, this.pos + n);
      const s = this.cut(this.pos, maxBytes);
      this.pos += n;
      return `${s}…`;
    }
    let s = '';
    let room = maxBytes;
    let cut = false;
    for (;;) {
      const head = this.chunkHead(3, start, 'text string');
      if (head < 0) return cut ? `${s}…` : s;
      const n = this.length(head, this.pos - 1, 'text string chunk');
      this.checkUtf8(this.pos, this.pos + n);
      if (!cut && n <= room) {
        s += this.text(n);
        room -= n;
        continue;
      }
      if (!cut) s += this.cut(this.pos, room);
      cut = true;
      this.pos += n;
    }
  }

  /** The text of the (valid UTF-8) bytes at `at`, cut to at most `n` bytes on a character boundary. */
  private cut(at: number, n: number): string {
    let end = at + n;
    while (end > at && (this.buf[end] & 0xc0) === 0x80) end--;
    return this.utf8(at, end);
  }

  /** True (and consumes it) when the next byte ends the indefinite item opened at `start`. */
  private atBreak(start: number, what: string): boolean {
    if (this.pos >= this.buf.length) throw this.truncated(`the indefinite ${what} opened at byte ${start}`);
    if (this.buf[this.pos] !== BREAK) return false;
    this.pos++;
    return true;
  }

  private deeper(depth: number, start: number): void {
    if (depth > this.maxDepth) throw new WireError(`nesting deeper than ${this.maxDepth} (at byte ${start})`);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw this.truncated(what);
  }

  private truncated(what: string): WireError {
    return new WireError(`truncated CBOR: the ${this.buf.length}-byte payload ends before ${what} (at byte ${this.pos})`);
  }

  private tooMany(start: number): WireError {
    return new WireError(`more than ${this.maxItems} items in ${this.options?.context ?? 'the payload'} (at byte ${start})`);
  }

  private badInfo(info: number, start: number): WireError {
    const head = `0x${this.buf[start].toString(16)} at byte ${start}`;
    if (info === 31) return new WireError(`indefinite length is not allowed for major type ${this.buf[start] >> 5} (head ${head})`);
    return new WireError(`reserved additional information ${info} in the head ${head}`);
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

export { CborFloat, CborTagged } from './cbor-value';
export type { CborMap, CborValue } from './cbor-value';
export { encodeCbor } from './cbor-encode';

// The CBOR walk: checks an item exactly as the decoder would and builds
// nothing. A claimed length is checked against the bytes left, but a
// well-formed payload of many one-byte items (a million empty maps in 1 MiB)
// is true to every claim and would still cost ~190 bytes of heap per byte if
// built. So skipItem/checkCbor walk a payload, and findTextField reads one
// top-level entry (a message's `type`) without building the rest.
import { WireError } from './errors';
import { CborCursor, DEFAULT_MAX_DEPTH } from './cbor-cursor';

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
  const reader = new CborWalker(payload, maxDepth);
  reader.pos = offset;
  reader.skip(depth);
  return reader.pos;
}

/** Checks that `payload` is exactly one well-formed CBOR item, as decodeCbor would, without building it (see skipItem). */
export function checkCbor(payload: Buffer, maxDepth = DEFAULT_MAX_DEPTH): void {
  if (payload.length === 0) throw new WireError('empty payload: expected one CBOR item');
  const reader = new CborWalker(payload, maxDepth);
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
  const reader = new CborWalker(payload, options.maxDepth ?? DEFAULT_MAX_DEPTH);
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

/** Walks items on a cursor without building them (see skipItem); the decoder builds on it. */
export class CborWalker extends CborCursor {
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
  protected skipItems(n: number, depth: number): void {
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
  protected skipArgument(info: number, start: number): void {
    if (info < 24) return;
    if (info > 27) throw this.badInfo(info, start);
    const size = 1 << (info - 24);
    this.need(size, size === 1 ? 'a 1-byte argument' : size === 2 ? 'a 2-byte argument' : size === 4 ? 'a 4-byte argument' : 'an 8-byte argument');
    this.pos += size;
  }

  protected skipChunks(major: number, start: number): void {
    const what = major === 2 ? 'byte string' : 'text string';
    for (;;) {
      const head = this.chunkHead(major, start, what);
      if (head < 0) return;
      const n = this.length(head, this.pos - 1, `${what} chunk`);
      if (major === 3) this.checkUtf8(this.pos, this.pos + n);
      this.pos += n;
    }
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
  protected skipKey(key: string): boolean {
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

  /** Decodes the text item at pos (major type 3), cut to maxBytes bytes plus "…" when longer; all of it is checked. */
  protected textPrefix(maxBytes: number, values: readonly string[] | undefined): string {
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
  protected cut(at: number, n: number): string {
    let end = at + n;
    while (end > at && (this.buf[end] & 0xc0) === 0x80) end--;
    return this.utf8(at, end);
  }
}

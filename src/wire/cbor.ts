// The CBOR (RFC 8949) codec of TNP/1. We own it because the protocol needs
// what general encoders do not give: every integer as major type 0/1 whatever
// its size (never a float), floats kept apart from integers on decode, and a
// decoder that refuses a hostile length or depth before allocating for it.
//
// A claimed length is checked against the bytes left, but a well-formed
// payload of many one-byte items (a million empty maps in 1 MiB) is true to
// every claim and would still cost ~190 bytes of heap per byte if built. So:
// cbor-walk.ts walks without building anything; this decoder builds, skips
// top-level keys nobody reads and counts what it builds against a bound
// (DecodeOptions).
import { CborMap, CborTagged, CborValue } from './cbor-value';
import { DEFAULT_MAX_DEPTH } from './cbor-cursor';
import { CborWalker } from './cbor-walk';
import { WireError } from './errors';

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
  const reader = new CborBuilder(payload, maxDepth, options);
  const value = reader.item(1);
  reader.end();
  return value;
}

/** Builds the items it reads; walks (CborWalker) what nobody reads. */
class CborBuilder extends CborWalker {
  /** Items built so far (see DecodeOptions.maxItems). */
  private count = 0;
  private readonly maxItems: number;
  private readonly keys: readonly string[] | undefined;

  constructor(
    buf: Buffer,
    maxDepth: number,
    private readonly options?: DecodeOptions,
  ) {
    super(buf, maxDepth);
    this.maxItems = options?.maxItems ?? Infinity;
    this.keys = options?.keys;
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

  private tooMany(start: number): WireError {
    return new WireError(`more than ${this.maxItems} items in ${this.options?.context ?? 'the payload'} (at byte ${start})`);
  }
}

export { checkCbor, findTextField, skipItem } from './cbor-walk';
export type { FieldOptions } from './cbor-walk';
export { DEFAULT_MAX_DEPTH } from './cbor-cursor';
export { CborFloat, CborTagged } from './cbor-value';
export type { CborMap, CborValue } from './cbor-value';
export { encodeCbor } from './cbor-encode';

// Consistent Overhead Byte Stuffing, the pure-TS backend (native twin:
// native/src/cobs.c). Removes every 0x00 from a frame so that 0x00 can
// delimit frames on a serial link (PROTOCOL.md §1). A block of 254 data bytes
// (code 0xff) carries no implied zero, and a frame that ends with such a
// block gets no extra code byte.
import { WireError } from '../errors';

const FULL = 0xff;

/** Worst case: one code byte per started 254-byte block. */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

export function cobsEncode(data: Uint8Array): Buffer {
  const n = data.length;
  // The returned view leaves at most n/254 + 1 unused bytes of this buffer behind.
  const out = Buffer.allocUnsafe(cobsMaxEncodedLength(n));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < n; i++) {
    const b = data[i];
    if (b !== 0) {
      out[o++] = b;
      if (++code !== FULL) continue;
    }
    out[codeAt] = code;
    code = 1;
    if (b !== 0 && i + 1 === n) return out.subarray(0, o);
    codeAt = o++;
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Throws WireError on an empty input, a zero byte, or a code that runs past the end. */
export function cobsDecode(encoded: Uint8Array): Buffer {
  const n = encoded.length;
  if (n === 0) throw cobsEmptyError();
  // First pass walks the codes only, to size the output exactly.
  let size = 0;
  for (let i = 0; i < n; ) {
    const code = encoded[i];
    if (code === 0) throw cobsZeroError(i);
    const next = i + code;
    if (next > n) throw cobsPastEndError(code, i, n);
    size += code - 1;
    if (code !== FULL && next < n) size++;
    i = next;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < n; ) {
    const code = encoded[i];
    const next = i + code;
    for (let j = i + 1; j < next; j++) {
      const b = encoded[j];
      if (b === 0) throw cobsZeroError(j);
      out[o++] = b;
    }
    if (code !== FULL && next < n) out[o++] = 0;
    i = next;
  }
  return out;
}

// The decoder's errors, shared with the native backend so both say the same.

export function cobsEmptyError(): WireError {
  return new WireError('empty COBS frame: even an empty payload encodes to one byte');
}

export function cobsZeroError(offset: number): WireError {
  return new WireError(`zero byte at offset ${offset} of a COBS frame`);
}

export function cobsPastEndError(code: number, offset: number, n: number): WireError {
  return new WireError(`COBS code ${code} at offset ${offset} runs past the end of the ${n}-byte frame`);
}

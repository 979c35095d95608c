// COBS through the addon (native/src/cobs.c). Output buffers come from
// Buffer.allocUnsafe (the JS pool is cheaper than a buffer made in C); a
// decoding error comes back as a code and is thrown as the TS backend's own
// WireError, sentence for sentence.
import { cobsEmptyError, cobsMaxEncodedLength, cobsPastEndError, cobsZeroError } from '../js/cobs';
import type { Addon } from './addon';

export function nativeCobsEncode(addon: Addon): (data: Uint8Array) => Buffer {
  const encode = addon.cobsEncode;
  return (data) => {
    const out = Buffer.allocUnsafe(cobsMaxEncodedLength(data.length));
    return out.subarray(0, encode(data, out));
  };
}

export function nativeCobsDecode(addon: Addon): (encoded: Uint8Array) => Buffer {
  const decode = addon.cobsDecode;
  return (encoded) => {
    // The decoded payload is never longer than its encoding.
    const out = Buffer.allocUnsafe(encoded.length);
    const result = decode(encoded, out);
    if (result >= 0) return out.subarray(0, result);
    throw decodeError(result, encoded);
  };
}

/** -1: empty; -2 - 2·offset: a zero byte; -3 - 2·offset: a code past the end (native/src/hotpath.h). */
function decodeError(code: number, encoded: Uint8Array): Error {
  if (code === -1) return cobsEmptyError();
  const offset = Math.floor((-code - 2) / 2);
  if ((-code - 2) % 2 === 0) return cobsZeroError(offset);
  return cobsPastEndError(encoded[offset] as number, offset, encoded.length);
}

// BLAKE2b in pure TypeScript (@noble/hashes). node:crypto cannot stand in:
// its blake2b512 fixes the output length in the parameter block, so a
// truncated blake2b512 is a different function from BLAKE2b-256.
import { blake2b as nobleBlake2b } from '@noble/hashes/blake2.js';
import { HASH_BYTES } from '../backend';

export const impl = '@noble/hashes';

export function hash(parts: readonly Uint8Array[]): Buffer {
  return blake2b(parts, HASH_BYTES);
}

export function blake2b(parts: readonly Uint8Array[], outputBytes: number): Buffer {
  let digest: Uint8Array;
  if (parts.length === 1) digest = nobleBlake2b(parts[0]!, { dkLen: outputBytes });
  else {
    const state = nobleBlake2b.create({ dkLen: outputBytes });
    for (const part of parts) state.update(part);
    digest = state.digest();
  }
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
}

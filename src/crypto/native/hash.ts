// BLAKE2b through libsodium (sodium-native). Importing this module loads the
// addon: the selector in ../index.ts does so inside a try.
import sodium from 'sodium-native';
import { HASH_BYTES } from '../backend';

export const impl = 'sodium-native';

export function hash(parts: readonly Uint8Array[]): Buffer {
  return blake2b(parts, HASH_BYTES);
}

export function blake2b(parts: readonly Uint8Array[], outputBytes: number): Buffer {
  const out = Buffer.allocUnsafe(outputBytes);
  if (parts.length === 1) sodium.crypto_generichash(out, parts[0]!);
  else sodium.crypto_generichash_batch(out, parts);
  return out;
}

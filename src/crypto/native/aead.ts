// ChaCha20-Poly1305-IETF through libsodium (sodium-native), in place:
// libsodium allows the ciphertext to overwrite the plaintext, so a frame is
// sealed and opened without a copy.
import sodium from 'sodium-native';
import { AEAD_TAG_BYTES } from '../backend';

export const impl = 'sodium-native';

export function sealInPlace(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): void {
  const plain = buf.subarray(start, start + length);
  const sealed = buf.subarray(start, start + length + AEAD_TAG_BYTES);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plain, null, null, nonce, key);
}

export function open(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): Buffer | undefined {
  if (length < AEAD_TAG_BYTES || start + length > buf.length) return undefined;
  const sealed = buf.subarray(start, start + length);
  const plain = buf.subarray(start, start + length - AEAD_TAG_BYTES);
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(plain, null, sealed, null, nonce, key);
  } catch {
    return undefined; // sodium-native throws "could not verify data" for a forged or damaged frame
  }
  return plain;
}

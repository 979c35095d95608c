// ChaCha20-Poly1305-IETF through node:crypto (OpenSSL). A Cipher object
// always returns new buffers, so sealing copies the ciphertext back into the
// frame and opening returns a fresh plaintext: one copy per frame that the
// native backend does not make.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AEAD_TAG_BYTES } from '../backend';

export const impl = 'node:crypto';

const CIPHER = 'chacha20-poly1305';
const OPTIONS = { authTagLength: AEAD_TAG_BYTES } as const;

export function sealInPlace(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): void {
  const cipher = createCipheriv(CIPHER, key, nonce, OPTIONS);
  const sealed = cipher.update(buf.subarray(start, start + length));
  cipher.final();
  sealed.copy(buf, start);
  cipher.getAuthTag().copy(buf, start + length);
}

export function open(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): Buffer | undefined {
  if (length < AEAD_TAG_BYTES || start + length > buf.length) return undefined;
  const end = start + length - AEAD_TAG_BYTES;
  const decipher = createDecipheriv(CIPHER, key, nonce, OPTIONS);
  decipher.setAuthTag(buf.subarray(end, end + AEAD_TAG_BYTES));
  const plain = decipher.update(buf.subarray(start, end));
  try {
    decipher.final();
  } catch {
    return undefined; // "Unsupported state or unable to authenticate data"
  }
  return plain;
}

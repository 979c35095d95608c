// The one door to cryptography. Everything else imports from here, so a
// second backend (issue 4: pure-TS fallback) slots in behind the same names.
import sodium from 'sodium-native';

export const HASH_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface KeyPair {
  readonly publicKey: Buffer;
  /** libsodium's 64-byte secret key (seed || public key). */
  readonly secretKey: Buffer;
  readonly seed: Buffer;
}

/** BLAKE2b with a 32-byte output and no key. */
export function hash(...parts: Uint8Array[]): Buffer {
  const out = Buffer.allocUnsafe(HASH_BYTES);
  if (parts.length === 1) sodium.crypto_generichash(out, parts[0] as Buffer);
  else sodium.crypto_generichash_batch(out, parts as Buffer[]);
  return out;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== SEED_BYTES) throw new RangeError(`seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  const publicKey = Buffer.allocUnsafe(PUBLIC_KEY_BYTES);
  const secretKey = Buffer.allocUnsafe(sodium.crypto_sign_SECRETKEYBYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, Buffer.from(seed));
  return { publicKey, secretKey, seed: Buffer.from(seed) };
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(randomBytes(SEED_BYTES));
}

export function sign(keys: KeyPair, message: Uint8Array): Buffer {
  const sig = Buffer.allocUnsafe(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(sig, message as Buffer, keys.secretKey);
  return sig;
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  return sodium.crypto_sign_verify_detached(signature as Buffer, message as Buffer, publicKey as Buffer);
}

export function randomBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  sodium.randombytes_buf(out);
  return out;
}

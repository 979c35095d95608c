// What a crypto backend provides. Two twins implement it, bcrypto style:
// native/ (sodium-native) and js/ (node:crypto + @noble/hashes, with
// @noble/ed25519 as the pure-TS last resort). index.ts picks one per path.

export const HASH_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SEED_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

export interface KeyPair {
  readonly publicKey: Buffer;
  /** libsodium's 64-byte secret key (seed || public key). */
  readonly secretKey: Buffer;
  readonly seed: Buffer;
}

/** One item of a batch verification. */
export interface SignedMessage {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** BLAKE2b, unkeyed. */
export interface HashBackend {
  /** "sodium-native", "@noble/hashes". */
  readonly impl: string;
  /** BLAKE2b-256 of the concatenation of `parts`: the hot path. */
  hash(parts: readonly Uint8Array[]): Buffer;
  /** BLAKE2b with an output of 16 to 64 bytes, libsodium's range (RFC 7693's vectors are BLAKE2b-512). */
  blake2b(parts: readonly Uint8Array[], outputBytes: number): Buffer;
}

/**
 * Ed25519 with libsodium's verification rules: S < L, R and A not of small
 * order, A canonical, cofactorless equation. verify never throws: a public
 * key or signature of the wrong length is simply not valid.
 */
export interface Ed25519Backend {
  /** "sodium-native", "node:crypto", "@noble/ed25519". */
  readonly impl: string;
  keyPairFromSeed(seed: Uint8Array): KeyPair;
  sign(keys: KeyPair, message: Uint8Array): Buffer;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  verifyBatch(items: readonly SignedMessage[]): boolean[];
}

export interface RandomBackend {
  /** "sodium-native", "node:crypto". */
  readonly impl: string;
  randomFill(out: Buffer): Buffer;
}

/** A complete set, as the tests and the bench run them. */
export interface CryptoBackend {
  readonly name: string;
  readonly hash: HashBackend;
  readonly ed25519: Ed25519Backend;
  readonly random: RandomBackend;
}

/** Both the public key and the signature have the lengths Ed25519 uses. */
export function hasEd25519Lengths(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && signature.length === SIGNATURE_BYTES;
}

export function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) throw new RangeError(`seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
}

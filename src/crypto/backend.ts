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

export const KX_PUBLIC_KEY_BYTES = 32;
export const KX_SECRET_KEY_BYTES = 32;
export const KX_SEED_BYTES = 32;
export const SESSION_KEY_BYTES = 32;
export const AEAD_TAG_BYTES = 16;
export const AEAD_NONCE_BYTES = 12;

/** An X25519 key pair as libsodium's crypto_kx makes it. */
export interface KxKeyPair {
  readonly publicKey: Buffer;
  readonly secretKey: Buffer;
}

/** crypto_kx's two session keys, named by what this side does with them. */
export interface SessionKeys {
  readonly send: Buffer;
  readonly receive: Buffer;
}

/** Which side of libsodium's crypto_kx this side plays (PROTOCOL.md §8: the lower kx is the client). */
export type KxRole = 'client' | 'server';

/** The peer's kx cannot make session keys: a low-order point gives an all-zero X25519 output. */
export class KxError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'KxError';
  }
}

/** X25519 key exchange, libsodium's crypto_kx: K = BLAKE2b-512(X25519(sk, peer) || client pk || server pk). */
export interface KxBackend {
  /** "sodium-native", "node:crypto". */
  readonly impl: string;
  /** crypto_kx_seed_keypair: the secret is BLAKE2b-256(seed). */
  keyPairFromSeed(seed: Uint8Array): KxKeyPair;
  /** crypto_kx_keypair: a fresh random pair. */
  keyPair(): KxKeyPair;
  /** crypto_kx_client_session_keys / crypto_kx_server_session_keys; throws KxError on a low-order peer key. */
  sessionKeys(role: KxRole, own: KxKeyPair, peerPublicKey: Uint8Array): SessionKeys;
}

/**
 * ChaCha20-Poly1305-IETF (RFC 8439, libsodium crypto_aead_chacha20poly1305_ietf),
 * no associated data, on a region of a caller's buffer so that a frame is
 * sealed where it lies.
 */
export interface AeadBackend {
  /** "sodium-native", "node:crypto". */
  readonly impl: string;
  /** Encrypts buf[start, start+length) over itself and writes the 16-byte tag right after it. */
  sealInPlace(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): void;
  /**
   * Opens buf[start, start+length), ciphertext then tag. Returns the
   * plaintext (in place where the backend can), or undefined when it fails
   * to authenticate; never throws for bad input.
   */
  open(key: Uint8Array, nonce: Uint8Array, buf: Buffer, start: number, length: number): Buffer | undefined;
}

/** A complete set, as the tests and the bench run them. */
export interface CryptoBackend {
  readonly name: string;
  readonly hash: HashBackend;
  readonly ed25519: Ed25519Backend;
  readonly random: RandomBackend;
  readonly kx: KxBackend;
  readonly aead: AeadBackend;
}

/** Both the public key and the signature have the lengths Ed25519 uses. */
export function hasEd25519Lengths(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && signature.length === SIGNATURE_BYTES;
}

export function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_BYTES) throw new RangeError(`seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
}

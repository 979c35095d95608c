// Ed25519 through libsodium (sodium-native): the reference the fallbacks are
// held to. Importing this module loads the addon: the selector in ../index.ts
// does so inside a try.
import sodium from 'sodium-native';
import { checkSeed, hasEd25519Lengths, KeyPair, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_BYTES, SignedMessage } from '../backend';

export const impl = 'sodium-native';

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const publicKey = Buffer.allocUnsafe(PUBLIC_KEY_BYTES);
  const secretKey = Buffer.allocUnsafe(SECRET_KEY_BYTES);
  const ownSeed = Buffer.from(seed);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, ownSeed);
  return { publicKey, secretKey, seed: ownSeed };
}

export function sign(keys: KeyPair, message: Uint8Array): Buffer {
  const signature = Buffer.allocUnsafe(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(signature, message, keys.secretKey);
  return signature;
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!hasEd25519Lengths(publicKey, signature)) return false;
  return sodium.crypto_sign_verify_detached(signature, message, publicKey);
}

/** libsodium has no batch equation; one call per item is what it offers. */
export function verifyBatch(items: readonly SignedMessage[]): boolean[] {
  return items.map((item) => verify(item.publicKey, item.message, item.signature));
}

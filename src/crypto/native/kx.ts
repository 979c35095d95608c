// X25519 key exchange through libsodium's crypto_kx (sodium-native).
// Importing this module loads the addon: the selector in ../index.ts does so
// inside a try.
import sodium from 'sodium-native';
import { KX_PUBLIC_KEY_BYTES, KX_SECRET_KEY_BYTES, KX_SEED_BYTES, KxError, KxKeyPair, KxRole, SESSION_KEY_BYTES, SessionKeys } from '../backend';

export const impl = 'sodium-native';

export function keyPairFromSeed(seed: Uint8Array): KxKeyPair {
  if (seed.length !== KX_SEED_BYTES) throw new RangeError(`kx seed must be ${KX_SEED_BYTES} bytes, got ${seed.length}`);
  const publicKey = Buffer.allocUnsafe(KX_PUBLIC_KEY_BYTES);
  const secretKey = Buffer.allocUnsafe(KX_SECRET_KEY_BYTES);
  sodium.crypto_kx_seed_keypair(publicKey, secretKey, seed);
  return { publicKey, secretKey };
}

export function keyPair(): KxKeyPair {
  const publicKey = Buffer.allocUnsafe(KX_PUBLIC_KEY_BYTES);
  const secretKey = Buffer.allocUnsafe(KX_SECRET_KEY_BYTES);
  sodium.crypto_kx_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function sessionKeys(role: KxRole, own: KxKeyPair, peerPublicKey: Uint8Array): SessionKeys {
  if (peerPublicKey.length !== KX_PUBLIC_KEY_BYTES) throw new KxError(`peer kx must be ${KX_PUBLIC_KEY_BYTES} bytes, got ${peerPublicKey.length}`);
  const receive = Buffer.allocUnsafe(SESSION_KEY_BYTES);
  const send = Buffer.allocUnsafe(SESSION_KEY_BYTES);
  try {
    if (role === 'client') sodium.crypto_kx_client_session_keys(receive, send, own.publicKey, own.secretKey, peerPublicKey);
    else sodium.crypto_kx_server_session_keys(receive, send, own.publicKey, own.secretKey, peerPublicKey);
  } catch {
    // libsodium refuses only an X25519 output of all zeros: a low-order peer key.
    throw new KxError('peer kx is a low-order point (X25519 gives all zeros)');
  }
  return { send, receive };
}

// Ed25519 in pure TypeScript (@noble/ed25519, SHA-512 from @noble/hashes):
// the last resort for a runtime whose node:crypto lacks Ed25519 (no Node 20
// build does), and the tests' independent oracle. About 15x slower than
// node:crypto at verify, so never chosen while node:crypto works.
//
// Verification follows libsodium, not noble's own verify: noble checks the
// cofactored equation [8]([S]B - [k]A - R) = 0, which also accepts an R or A
// carrying a small-order component that libsodium's cofactorless check
// ([S]B - [k]A encodes to exactly R) rejects. So the equation is evaluated
// here with noble's Point, after libsodium's byte rules.
import { etc, getPublicKey, hashes, Point, sign as nobleSign } from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { checkSeed, hasEd25519Lengths, KeyPair, SignedMessage } from '../backend';
import { failsLibsodiumRules } from './libsodium-rules';

hashes.sha512 = sha512;

export const impl = '@noble/ed25519';

const ORDER = Point.CURVE().n;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + (etc.bytesToHex(Uint8Array.from(bytes).reverse()) || '0'));
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const ownSeed = Buffer.from(seed);
  const publicKey = toBuffer(getPublicKey(ownSeed));
  return { publicKey, secretKey: Buffer.concat([ownSeed, publicKey]), seed: ownSeed };
}

export function sign(keys: KeyPair, message: Uint8Array): Buffer {
  return toBuffer(nobleSign(message, keys.seed));
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!hasEd25519Lengths(publicKey, signature) || failsLibsodiumRules(publicKey, signature)) return false;
  let A: Point;
  try {
    A = Point.fromBytes(publicKey); // strict RFC 8032 decoding: y < p, on the curve
  } catch {
    return false;
  }
  const R = signature.subarray(0, 32);
  const S = littleEndianToBigInt(signature.subarray(32, 64)); // < L: checked by the rules
  const k = etc.mod(littleEndianToBigInt(sha512(etc.concatBytes(R, publicKey, message))), ORDER);
  const check = Point.BASE.multiply(S, false).subtract(A.multiply(k, false));
  return Buffer.from(check.toBytes()).equals(R);
}

export function verifyBatch(items: readonly SignedMessage[]): boolean[] {
  return items.map((item) => verify(item.publicKey, item.message, item.signature));
}

// libsodium's extra Ed25519 verification rules, as byte checks, so that every
// fallback accepts exactly what the native backend accepts. Which signatures
// are valid is consensus: two nodes must never disagree on one.
//
// libsodium (crypto_sign/ed25519/ref10/open.c, without ED25519_COMPAT)
// rejects before doing any curve arithmetic:
//   - S >= L                          (sc25519_is_canonical)
//   - R of small order                (ge25519_has_small_order on the R bytes)
//   - A non-canonical, i.e. y >= p    (ge25519_is_canonical)
//   - A of small order                (ge25519_has_small_order)
// OpenSSL (node:crypto) checks only S >= L: it accepts a small-order A or R
// and reduces a non-canonical y mod p, so with A = R = identity and S = 0 it
// accepts any message. @noble/ed25519's strict mode rejects a small-order A
// but not a small-order R. Past these checks both OpenSSL and libsodium
// compare the encoding of [S]B - [k]A with R (cofactorless), so they agree.
// Test vectors for every class: test/crypto/edge-cases.test.ts.

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');

/**
 * The y-coordinates (sign bit cleared) of the eight points of small order,
 * with the non-canonical encodings p and p + 1 of 0 and 1: libsodium's
 * blacklist in ge25519_has_small_order, which ignores the sign bit.
 */
const SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // 1 (order 1)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1 (order 2)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p = 0 (order 4)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p + 1 = 1 (order 1)
].map((hex) => Buffer.from(hex, 'hex'));

/** s < L, read as a 32-byte little-endian integer. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < L[i]!) return true;
    if (s[i]! > L[i]!) return false;
  }
  return false; // s == L
}

/** The encoded point is one of the eight of small order, whatever its sign bit. */
export function hasSmallOrder(point: Uint8Array): boolean {
  return SMALL_ORDER_Y.some((y) => {
    for (let i = 0; i < 31; i++) if (point[i] !== y[i]) return false;
    return (point[31]! & 0x7f) === y[31];
  });
}

/** y < p = 2^255 - 19 (the sign bit aside). */
export function isCanonicalPoint(point: Uint8Array): boolean {
  if ((point[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (point[i] !== 0xff) return true;
  return point[0]! < 0xed;
}

/** True when libsodium refuses this 32-byte key and 64-byte signature before any curve arithmetic. */
export function failsLibsodiumRules(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    !isCanonicalScalar(signature.subarray(32, 64)) ||
    hasSmallOrder(signature.subarray(0, 32)) ||
    !isCanonicalPoint(publicKey) ||
    hasSmallOrder(publicKey)
  );
}

// The slice of sodium-native that timenode uses (the package ships no types).
declare module 'sodium-native' {
  const sodium: {
    crypto_sign_SECRETKEYBYTES: number;
    crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
    crypto_generichash_batch(out: Uint8Array, inputs: readonly Uint8Array[], key?: Uint8Array): void;
    crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
    crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void;
    crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean;
    randombytes_buf(out: Uint8Array): void;
  };
  export default sodium;
}

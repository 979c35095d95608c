// The slice of sodium-native that timenode uses (the package ships no types).
declare module 'sodium-native' {
  const sodium: {
    crypto_sign_SECRETKEYBYTES: number;
    crypto_generichash(out: Buffer, input: Buffer, key?: Buffer): void;
    crypto_generichash_batch(out: Buffer, inputs: Buffer[], key?: Buffer): void;
    crypto_sign_seed_keypair(pk: Buffer, sk: Buffer, seed: Buffer): void;
    crypto_sign_detached(sig: Buffer, message: Buffer, sk: Buffer): void;
    crypto_sign_verify_detached(sig: Buffer, message: Buffer, pk: Buffer): boolean;
    randombytes_buf(out: Buffer): void;
  };
  export default sodium;
}

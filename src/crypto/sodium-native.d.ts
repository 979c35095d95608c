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
    crypto_kx_keypair(pk: Uint8Array, sk: Uint8Array): void;
    crypto_kx_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
    crypto_kx_client_session_keys(rx: Uint8Array | null, tx: Uint8Array | null, clientPk: Uint8Array, clientSk: Uint8Array, serverPk: Uint8Array): void;
    crypto_kx_server_session_keys(rx: Uint8Array | null, tx: Uint8Array | null, serverPk: Uint8Array, serverSk: Uint8Array, clientPk: Uint8Array): void;
    crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, nsec: null, npub: Uint8Array, k: Uint8Array): number;
    crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number;
  };
  export default sodium;
}

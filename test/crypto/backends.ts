// Every crypto backend the tests run, bcrypto style: the suites loop over
// these, and the differential tests hold each fallback to the native one.
import type { CryptoBackend } from '../../src/crypto/backend';
import * as jsAead from '../../src/crypto/js/aead';
import * as jsEd25519 from '../../src/crypto/js/ed25519';
import * as jsKx from '../../src/crypto/js/kx';
import * as nobleEd25519 from '../../src/crypto/js/ed25519-noble';
import * as jsHash from '../../src/crypto/js/hash';
import * as jsRandom from '../../src/crypto/js/random';

function loadNative(): CryptoBackend | string {
  try {
    return {
      name: 'sodium-native',
      hash: require('../../src/crypto/native/hash') as typeof import('../../src/crypto/native/hash'),
      ed25519: require('../../src/crypto/native/ed25519') as typeof import('../../src/crypto/native/ed25519'),
      random: require('../../src/crypto/native/random') as typeof import('../../src/crypto/native/random'),
      kx: require('../../src/crypto/native/kx') as typeof import('../../src/crypto/native/kx'),
      aead: require('../../src/crypto/native/aead') as typeof import('../../src/crypto/native/aead'),
    };
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
}

const loaded = loadNative();
/** sodium-native, or undefined where it does not load (no prebuild for this platform). */
export const native: CryptoBackend | undefined = typeof loaded === 'string' ? undefined : loaded;
/** For node:test's `skip` option: false, or why the native backend is missing. */
export const withoutNative: string | false = typeof loaded === 'string' ? `sodium-native did not load: ${loaded}` : false;

/** The default fallback: node:crypto for Ed25519, @noble/hashes for BLAKE2b. */
export const nodeCrypto: CryptoBackend = { name: 'node:crypto', hash: jsHash, ed25519: jsEd25519, random: jsRandom, kx: jsKx, aead: jsAead };
/** The pure-TS last resort and oracle (Ed25519 only: the link cipher has no pure-TS twin). */
export const noble: CryptoBackend = { name: '@noble/ed25519', hash: jsHash, ed25519: nobleEd25519, random: jsRandom, kx: jsKx, aead: jsAead };

export const everyBackend: CryptoBackend[] = [...(native ? [native] : []), nodeCrypto, noble];

// Which backend each crypto path runs on, as a fresh process decides it at
// load time: TIMENODE_NATIVE=0, =1, unset, and sodium-native made unloadable
// by a preload (fixtures/hide-sodium), as on a board with no prebuild.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BackendChoice } from '../../src/base/hotpath-selection';
import { withoutNative } from './backends';
import { RFC8032_VECTORS } from './fixtures/rfc8032';

const CRYPTO_INDEX = resolve(__dirname, '../../src/crypto/index.js');
const SELECTION = resolve(__dirname, '../../src/base/hotpath-selection.js');
const HIDE_SODIUM = resolve(__dirname, 'fixtures/hide-sodium.js');
const PATHS = ['aead', 'hash', 'kx', 'random', 'sign', 'verify', 'verify-batch'];
const FALLBACK_IMPL: Record<string, string> = {
  aead: 'node:crypto',
  hash: '@noble/hashes',
  kx: 'node:crypto',
  random: 'node:crypto',
  sign: 'node:crypto',
  verify: 'node:crypto',
  'verify-batch': 'node:crypto',
};

/** Loads the crypto door in a child, then prints the recorded choices and whether RFC 8032 TEST 2 and BLAKE2b-256("abc") still come out right. */
const CHILD = `
const crypto = require(${JSON.stringify(CRYPTO_INDEX)});
const v = ${JSON.stringify(RFC8032_VECTORS[1])};
const keys = crypto.keyPairFromSeed(Buffer.from(v.seed, 'hex'));
const signature = crypto.sign(keys, Buffer.from(v.message, 'hex')).toString('hex');
const works = signature === v.signature
  && crypto.verifyBatch([{ publicKey: keys.publicKey, message: Buffer.from(v.message, 'hex'), signature: Buffer.from(signature, 'hex') }])[0] === true
  && crypto.hash(Buffer.from('abc')).toString('hex') === 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319'
  && crypto.randomBytes(16).length === 16;
console.log(JSON.stringify({ choices: require(${JSON.stringify(SELECTION)}).backendChoices(), works }));
`;

interface ChildResult {
  status: number | null;
  stderr: string;
  choices: BackendChoice[];
  works: boolean;
}

function runChild(native: '0' | '1' | undefined, hideSodium: boolean): ChildResult {
  const env = { ...process.env };
  delete env.TIMENODE_NATIVE;
  if (native !== undefined) env.TIMENODE_NATIVE = native;
  const args = [...(hideSodium ? ['--require', HIDE_SODIUM] : []), '-e', CHILD];
  const child = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 30_000 });
  const report = child.status === 0 ? (JSON.parse(child.stdout) as { choices: BackendChoice[]; works: boolean }) : { choices: [], works: false };
  return { status: child.status, stderr: child.stderr, ...report };
}

function assertPaths(result: ChildResult, expected: (path: string) => Partial<BackendChoice>): void {
  assert.equal(result.status, 0, `the child failed: ${result.stderr}`);
  assert.deepEqual(result.choices.map((c) => c.path), PATHS, 'one choice per crypto path');
  for (const choice of result.choices) {
    const want = expected(choice.path);
    for (const [key, value] of Object.entries(want)) assert.equal(choice[key as keyof BackendChoice], value, `${choice.path}.${key} in ${JSON.stringify(choice)}`);
  }
  assert.equal(result.works, true, 'the chosen backends sign, verify and hash correctly');
}

test('TIMENODE_NATIVE=0: every crypto path reports the fallback and why, and still gets the vectors right', () => {
  const result = runChild('0', false);
  assertPaths(result, (path) => ({ kind: 'fallback', impl: FALLBACK_IMPL[path], why: 'TIMENODE_NATIVE=0' }));
});

test('unset: native on every crypto path, where the bench measured it faster', { skip: withoutNative }, () => {
  const result = runChild(undefined, false);
  assertPaths(result, () => ({ kind: 'native', impl: 'sodium-native' }));
  for (const choice of result.choices) assert.match(choice.why, /^native is faster \(bench: .+\)$/, choice.path);
});

test('TIMENODE_NATIVE=1 with sodium-native present: native on every path, because it was required', { skip: withoutNative }, () => {
  assertPaths(runChild('1', false), () => ({ kind: 'native', impl: 'sodium-native', why: 'TIMENODE_NATIVE=1' }));
});

test('TIMENODE_NATIVE=1 without a loadable sodium-native: the process ends with NativeRequiredError naming the path and the reason', () => {
  const result = runChild('1', true);
  assert.notEqual(result.status, 0, 'it must not start');
  assert.match(result.stderr, /NativeRequiredError/);
  assert.match(result.stderr, /hash cannot use it/, 'names the first path that needed it');
  assert.match(result.stderr, /No native build was found for this platform/, 'carries the loader’s reason');
});

test('unset, without a loadable sodium-native: every path falls back, says why, and still gets the vectors right', () => {
  const result = runChild(undefined, true);
  assertPaths(result, (path) => ({ kind: 'fallback', impl: FALLBACK_IMPL[path] }));
  for (const choice of result.choices) {
    assert.match(choice.why, /^sodium-native did not load \(.*No native build was found for this platform/, choice.path);
  }
});

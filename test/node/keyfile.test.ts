import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keyPairFromSeed } from '../../src/crypto';
import { KeyFileError, loadOrCreateKey, readKey, type KeyFileProblem } from '../../src/node/keyfile';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-keyfile-'));
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` as DIR/node.key and expects loading it to fail with `problem`, in a message naming the file. */
function refuses(text: string, problem: KeyFileProblem, ...words: string[]): void {
  const dir = tempDir();
  const file = path.join(dir, 'node.key');
  fs.writeFileSync(file, text, { mode: 0o600 });
  assert.throws(
    () => loadOrCreateKey(dir),
    (err: unknown) => {
      assert.ok(err instanceof KeyFileError, `expected a KeyFileError, got ${String(err)}`);
      assert.equal(err.problem, problem);
      assert.equal(err.file, file);
      assert.ok(err.message.includes(file), `"${err.message}" should name ${file}`);
      for (const w of words) assert.ok(err.message.includes(w), `"${err.message}" should mention ${w}`);
      return true;
    },
  );
  // A refused file is left as it was, never replaced by a fresh identity.
  assert.equal(fs.readFileSync(file, 'utf8'), text);
}

test('creates the folder and a 0600 key file whose public key matches its seed', () => {
  const dir = path.join(tempDir(), 'nested', 'data');
  const { keys, created } = loadOrCreateKey(dir);
  assert.equal(created, true);
  const file = path.join(dir, 'node.key');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { public: string; seed: string };
  assert.equal(doc.public, keys.publicKey.toString('hex'));
  assert.equal(doc.seed, keys.seed.toString('hex'));
  assert.deepEqual(keyPairFromSeed(Buffer.from(doc.seed, 'hex')).publicKey, keys.publicKey);
  assert.deepEqual(fs.readdirSync(dir), ['node.key'], 'no temporary file is left behind');
});

test('a second load returns the same key and does not rewrite the file', () => {
  const dir = tempDir();
  const first = loadOrCreateKey(dir);
  const before = fs.statSync(path.join(dir, 'node.key'));
  const second = loadOrCreateKey(dir);
  assert.equal(second.created, false);
  assert.deepEqual(second.keys.publicKey, first.keys.publicKey);
  assert.deepEqual(second.keys.secretKey, first.keys.secretKey);
  assert.equal(fs.statSync(path.join(dir, 'node.key')).ino, before.ino);
  assert.deepEqual(readKey(dir).publicKey, first.keys.publicKey);
});

test('a public key that does not match its seed is refused, naming the file and both keys', () => {
  const seed = Buffer.alloc(32, 7);
  const real = keyPairFromSeed(seed).publicKey.toString('hex');
  const claimed = keyPairFromSeed(Buffer.alloc(32, 8)).publicKey.toString('hex');
  refuses(JSON.stringify({ public: claimed, seed: seed.toString('hex') }), 'mismatch', 'does not match its seed', claimed.slice(0, 8), real.slice(0, 8));
});

test('garbage, a missing field and bad hex are refused', () => {
  refuses('not json at all', 'json', 'not valid JSON');
  refuses('"a string"', 'json', 'JSON object');
  refuses(JSON.stringify({ seed: '00'.repeat(32) }), 'field', '"public"');
  refuses(JSON.stringify({ public: '00'.repeat(32), seed: 'xy'.repeat(32) }), 'hex', '"seed"');
  refuses(JSON.stringify({ public: '00'.repeat(31), seed: '00'.repeat(32) }), 'hex', '"public"');
});

test('readKey refuses an absent file instead of creating one', () => {
  const dir = tempDir();
  assert.throws(() => readKey(dir), (err: unknown) => err instanceof KeyFileError && err.problem === 'missing' && err.message.includes(dir));
  assert.deepEqual(fs.readdirSync(dir), []);
});

// The verify pool (src/crypto/verify-pool.ts) gives exactly the verdicts of
// the inline verify, in order, for valid, invalid and mixed batches, under
// whichever backend this test pass runs (the suite runs once native, once
// with TIMENODE_NATIVE=0); a worker that dies mid-batch is replaced and its
// chunk redone; closing the pool leaves no thread behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { generateKeyPair, sign, verify, verifyBackendImpl, type SignedMessage } from '../../src/crypto';
import { LAZY_START_CHECKS, VerifyPool } from '../../src/crypto/verify-pool';
import { RandomInputs } from './random-inputs';

const inputs = RandomInputs.fromEnv();
const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];

function validCheck(i: number): SignedMessage {
  const k = keys[i % keys.length]!;
  const message = inputs.bytes(1 + (inputs.next() % 300));
  return { publicKey: k.publicKey, message, signature: sign(k, message) };
}

/** Every way a check can be false: a flipped bit anywhere, wrong lengths, another key, a small-order key. */
function invalidCheck(i: number): SignedMessage {
  const good = validCheck(i);
  const flip = (b: Uint8Array, at: number): Buffer => {
    const out = Buffer.from(b);
    out[at % out.length]! ^= 1 << (at % 8);
    return out;
  };
  switch (i % 7) {
    case 0:
      return { ...good, signature: flip(good.signature, i) };
    case 1:
      return { ...good, message: flip(good.message, i) };
    case 2:
      return { ...good, publicKey: keys[(i + 1) % keys.length]!.publicKey };
    case 3:
      return { ...good, signature: good.signature.subarray(0, 63) };
    case 4:
      return { ...good, publicKey: Buffer.concat([good.publicKey, Buffer.alloc(1)]) };
    case 5:
      return { ...good, signature: Buffer.alloc(300, 7) }; // too long for the worker wire: judged inline
    default:
      return { ...good, publicKey: Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]) }; // the identity point
  }
}

function inline(checks: readonly SignedMessage[]): boolean[] {
  return checks.map((c) => verify(c.publicKey, c.message, c.signature));
}

function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

async function withPool<T>(opts: ConstructorParameters<typeof VerifyPool>[0], run: (pool: VerifyPool) => Promise<T>): Promise<T> {
  const pool = new VerifyPool(opts);
  try {
    await pool.ready();
    return await run(pool);
  } finally {
    await pool.close();
  }
}

test(`pool verdicts equal inline verification for valid, invalid and mixed batches (seed ${inputs.seed})`, async () => {
  await withPool({ threads: 2, chunkSize: 16 }, async (pool) => {
    assert.deepEqual(pool.workerImpls, [verifyBackendImpl(), verifyBackendImpl()]);
    const valid = Array.from({ length: 100 }, (_, i) => validCheck(i));
    const invalid = Array.from({ length: 70 }, (_, i) => invalidCheck(i));
    const mixed = Array.from({ length: 300 }, (_, i) => (inputs.next() % 3 === 0 ? invalidCheck(i) : validCheck(i)));
    for (const [name, batch] of [['valid', valid], ['invalid', invalid], ['mixed', mixed]] as const) {
      const expected = inline(batch);
      assert.deepEqual(await pool.verify(batch), expected, `${name} batch`);
    }
    assert.ok(inline(valid).every(Boolean) && !inline(invalid).some(Boolean), 'the fixtures are what they claim');
    assert.ok(pool.stats.workerChunks > 0, 'workers answered some chunks');
  });
});

test('one bad signature in a batch of 64 is found, and only it', async () => {
  await withPool({ threads: 1 }, async (pool) => {
    const batch = Array.from({ length: 64 }, (_, i) => validCheck(i));
    const bad = 1 + (inputs.next() % 62);
    batch[bad] = invalidCheck(bad * 7); // case 0: a flipped signature bit
    const verdicts = await pool.verify(batch);
    assert.deepEqual(verdicts.flatMap((ok, i) => (ok ? [] : [i])), [bad]);
  });
});

test('concurrent batches each get their own verdicts, in order', async () => {
  await withPool({ threads: 2, chunkSize: 8 }, async (pool) => {
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 5 + b * 7 }, (_, i) => ((i + b) % 5 === 0 ? invalidCheck(i) : validCheck(i))));
    const results = await Promise.all(batches.map((batch) => pool.verify(batch)));
    results.forEach((verdicts, b) => assert.deepEqual(verdicts, inline(batches[b]!), `batch ${b}`));
  });
});

test('a worker that dies mid-batch is replaced and its chunk redone; verdicts unchanged', async () => {
  const poison = Buffer.from('this message makes a verify worker exit');
  const warnings: string[] = [];
  await withPool({ threads: 2, chunkSize: 4, crashOnMessage: poison, warn: (l) => warnings.push(l) }, async (pool) => {
    const batch = Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? invalidCheck(i) : validCheck(i)));
    const k = keys[0]!;
    // In the first chunk, which always goes to a (ready) worker: the main thread only takes what is left waiting.
    batch[1] = { publicKey: k.publicKey, message: poison, signature: sign(k, poison) };
    const verdicts = await pool.verify(batch);
    assert.deepEqual(verdicts, inline(batch));
    // The poisoned chunk killed its worker and was sent again (to a fresh worker, which it may kill
    // too, or taken by the main thread, whose verdict is the reference).
    assert.ok(pool.stats.crashes >= 1 && pool.stats.crashes <= 2, `${pool.stats.crashes} crashes: ${warnings.join('\n')}`);
    assert.ok(pool.stats.redone >= 1, "the dead worker's chunks were sent again");
    await pool.ready();
    assert.equal(pool.threads, 2, 'every dead worker replaced');
    const again = batch.slice(0, 16).filter((c) => !Buffer.from(c.message).equals(poison));
    assert.deepEqual(await pool.verify(again), inline(again), 'the replacements work');
    assert.ok(pool.stats.workerChunks > 0);
    assert.match(warnings[0] ?? '', /verify worker exited with code 70 holding \d+ chunks; replacing it/);
  });
});

test('closing the pool stops every worker thread', async () => {
  const before = threadCount();
  const pool = new VerifyPool({ threads: 3 });
  await pool.ready();
  assert.equal(threadCount(), before + 3, 'three worker threads run');
  const pending = pool.verify(Array.from({ length: 200 }, (_, i) => validCheck(i)));
  await pool.close();
  assert.ok((await pending).every(Boolean), 'a batch in flight at close still gets its verdicts');
  assert.equal(pool.threads, 0);
  assert.equal(threadCount(), before, 'no thread left behind');
  assert.deepEqual(await pool.verify([validCheck(1), invalidCheck(0)]), [true, false], 'a closed pool verifies inline');
});

test('threads: 0 verifies inline and starts no thread', async () => {
  const before = threadCount();
  await withPool({ threads: 0 }, async (pool) => {
    assert.equal(threadCount(), before);
    const batch = Array.from({ length: 20 }, (_, i) => (i % 2 ? validCheck(i) : invalidCheck(i)));
    assert.deepEqual(await pool.verify(batch), inline(batch));
  });
});

test('workers load the backend the main thread verifies with, sodium-native and the no-addon fallback alike', () => {
  const script = `
    const { VerifyPool } = require(${JSON.stringify(join(__dirname, '../../src/crypto/verify-pool.js'))});
    const c = require(${JSON.stringify(join(__dirname, '../../src/crypto/index.js'))});
    const k = c.generateKeyPair(); const m = Buffer.from('m'); const s = c.sign(k, m);
    const pool = new VerifyPool({ threads: 1 });
    pool.ready().then(async () => {
      const v = await pool.verify([{ publicKey: k.publicKey, message: m, signature: s }, { publicKey: k.publicKey, message: Buffer.from('n'), signature: s }]);
      console.log(JSON.stringify({ main: c.verifyBackendImpl(), workers: pool.workerImpls, v }));
      await pool.close();
    });`;
  for (const [env, expected] of [['0', ['node:crypto', '@noble/ed25519']], [undefined, ['sodium-native']]] as const) {
    const childEnv = { ...process.env };
    if (env === undefined) delete childEnv.TIMENODE_NATIVE;
    else childEnv.TIMENODE_NATIVE = env;
    const run = spawnSync(process.execPath, ['-e', script], { env: childEnv, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { main: string; workers: string[]; v: boolean[] };
    if (env === undefined && out.main !== 'sodium-native') continue; // no sodium-native prebuild here: the fallback run covers it
    assert.ok((expected as readonly string[]).includes(out.main), `TIMENODE_NATIVE=${env ?? 'unset'}: main thread runs ${out.main}`);
    assert.deepEqual(out.workers, [out.main]);
    assert.deepEqual(out.v, [true, false]);
  }
});

test('a lazy pool starts no thread until a batch of LAZY_START_CHECKS checks comes', async () => {
  const before = threadCount();
  const pool = new VerifyPool({ threads: 2, lazy: true });
  try {
    const small = Array.from({ length: LAZY_START_CHECKS - 1 }, (_, i) => (i % 4 ? validCheck(i) : invalidCheck(i)));
    assert.deepEqual(await pool.verify(small), inline(small));
    assert.equal(pool.running, false);
    assert.equal(threadCount(), before, 'a trickle of checks starts no worker');
    const large = Array.from({ length: LAZY_START_CHECKS }, (_, i) => (i % 4 ? validCheck(i) : invalidCheck(i)));
    assert.deepEqual(await pool.verify(large), inline(large));
    assert.equal(pool.running, true);
    await pool.ready();
    assert.equal(threadCount(), before + 2);
  } finally {
    await pool.close();
  }
  assert.equal(threadCount(), before);
});

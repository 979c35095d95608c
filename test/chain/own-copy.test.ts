// Long-lived small Buffers must not be slices of Node's shared 8 KiB pool:
// one kept slice pins the whole slab. The soak run found the finality
// memory holding ~8 KiB per final tx this way (bench/soak.ts).
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockStore } from '../../src/chain/block-store';
import { blockHash, blockHashedBytes } from '../../src/chain/layouts';
import { FinalityMemory } from '../../src/chain/finality-memory';
import { ownCopy } from '../../src/chain/own-copy';
import { signTx } from '../../src/chain/signing';
import { MAX_TX_INPUTS, MAX_TX_OUTPUTS, TxPool } from '../../src/chain/tx-pool';
import { txProblem } from '../../src/chain/tx-sanity';
import { hash, keyPairFromSeed } from '../../src/crypto';
import { decodeMessage, encodeMessage, type MessageOf } from '../../src/wire/messages';
import { payloadOf, readTx, writeTx } from '../../src/wire/tx-codec';
import { TEST_GENESIS, makeBlock } from './fixtures/block-writer';

test('ownCopy gives the bytes a buffer of their own', () => {
  const pooled = Buffer.allocUnsafe(32).fill(7);
  assert.ok(pooled.buffer.byteLength > 32, 'allocUnsafe cuts small buffers from the shared pool');
  const own = ownCopy(pooled);
  assert.deepEqual(own, pooled);
  assert.equal(own.buffer.byteLength, 32);
  assert.equal(own.byteOffset, 0);
});

test('the finality memory keeps no slice of a pooled buffer', () => {
  const memory = new FinalityMemory({ maxFinalizedRemembered: 100, maxSpentRemembered: 100 });
  for (let i = 0; i < 150; i++) {
    const txid = Buffer.allocUnsafe(32).fill(i);
    memory.record(txid.toString('latin1'), txid);
  }
  const kept = memory.unclaimedFinal(1000);
  assert.equal(kept.length, 100, 'bounded');
  for (const txid of kept) assert.equal(txid.buffer.byteLength, 32, 'an own copy, not a slice of a slab');
  assert.equal(memory.sizes.finalized, 100);
});

test('blocks read from the store own their bytes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-own-'));
  try {
    const store = BlockStore.open(dir, TEST_GENESIS, { cacheBlocks: 8 });
    store.append([makeBlock(1), makeBlock(2)]);
    store.close();
    const again = BlockStore.open(dir, TEST_GENESIS, { cacheBlocks: 8 });
    const block = again.get(2)!;
    assert.equal(block.prev.buffer.byteLength, 8 + block.prev.length + 8 + 4 + 32 * block.txids.length + 32 + 64, 'one buffer of the record body');
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the pool keeps each tx as its payload in a buffer of its own, not slices of what the decoder cut', () => {
  const mn = keyPairFromSeed(Buffer.alloc(32, 3));
  const pool = new TxPool([mn.publicKey]);
  const payer = keyPairFromSeed(Buffer.alloc(32, 4));
  const tx = signTx(payer, { inputs: [{ txid: Buffer.alloc(32, 1), index: 0 }, { txid: Buffer.alloc(32, 2), index: 1 }], outputs: [{ to: Buffer.alloc(32, 5), amount: 3n }], time: Date.now() });
  const wire = encodeMessage({ type: 'tx', tx });
  const decoded = (decodeMessage(wire) as MessageOf<'tx'>).tx;
  assert.ok(decoded.from.buffer.byteLength > 32, 'the decoder cuts small fields from the shared pool');
  const verdict = pool.addTx(decoded, Date.now());
  assert.equal(verdict.kind, 'accepted');
  const [kept] = pool.unfinalized(1);
  assert.deepEqual(kept, wire, 'the payload kept is the one relayed: byte for byte what encodeMessage writes');
  assert.equal(kept!.buffer.byteLength, wire.length, 'the payload, in a buffer of its own');
  if (verdict.kind === 'accepted') assert.equal(verdict.payload, kept, 'the verdict hands out that very payload to relay');
  assert.deepEqual(decodeMessage(kept!), { type: 'tx', tx });
});

test('a tx read by position is kept as the copy readTx made of its payload: no second encoding, nothing else in that buffer', () => {
  const mn = keyPairFromSeed(Buffer.alloc(32, 3));
  const pool = new TxPool([mn.publicKey]);
  const payer = keyPairFromSeed(Buffer.alloc(32, 4));
  const tx = signTx(payer, { inputs: [{ txid: Buffer.alloc(32, 1), index: 0 }], outputs: [{ to: Buffer.alloc(32, 5), amount: 3n }], time: Date.now() });
  const frame = Buffer.concat([Buffer.alloc(7, 0xee), writeTx(tx)!, Buffer.alloc(5, 0xee)]);
  const wire = frame.subarray(7, frame.length - 5);
  const read = readTx(wire)!.tx;
  assert.deepEqual(payloadOf(read), wire, 'the copy holds the payload, byte for byte');
  assert.equal(payloadOf(read)!.buffer.byteLength, wire.length, 'in a buffer of its own, not the frame around it');
  assert.equal(read.from.buffer, payloadOf(read)!.buffer, 'the byte fields are views into that copy');
  const verdict = pool.addTx(read, Date.now());
  assert.equal(verdict.kind, 'accepted');
  assert.equal(pool.unfinalized(1)[0], payloadOf(read), 'the pool keeps that very copy');
  frame.fill(0);
  assert.deepEqual(pool.unfinalized(1)[0], writeTx(tx), 'and it does not change when the frame buffer is reused');
  assert.equal(payloadOf(tx), undefined, 'a tx built in memory has no payload read for it');
});

test('every tx the pool admits has a payload: what txProblem accepts, writeTx writes, and readTx reads back whole', () => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
  const int = fc.oneof(fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.nat());
  const amount = fc.oneof(fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
  // Spread into plain objects: fast-check's records have no prototype, which deepEqual would tell apart.
  const tx = fc
    .record({
      from: bytes(32),
      inputs: fc.array(fc.record({ txid: bytes(32), index: int }), { minLength: 1, maxLength: MAX_TX_INPUTS }),
      outputs: fc.array(fc.record({ to: bytes(32), amount }), { maxLength: MAX_TX_OUTPUTS }),
      time: int,
      sig: bytes(64),
    })
    .map((r) => ({ from: r.from, inputs: r.inputs.map((i) => ({ ...i })), outputs: r.outputs.map((o) => ({ ...o })), time: r.time, sig: r.sig }));
  fc.assert(
    fc.property(tx, (t) => {
      fc.pre(txProblem(t, Number.MAX_SAFE_INTEGER) === undefined);
      const payload = writeTx(t);
      assert.ok(payload, 'admitted, yet outside the tx layout');
      assert.deepEqual(readTx(payload), { type: 'tx', tx: t });
    }),
    { numRuns: 300 },
  );
});

test("a block's hash is computed once per block object, in a buffer of its own (a cached block would pin a slab)", () => {
  const block = makeBlock(3);
  const first = blockHash(block);
  assert.deepEqual(first, hash(blockHashedBytes(block)), 'the hash of its hashed bytes');
  assert.equal(blockHash(block), first, 'the same buffer again: not computed twice');
  assert.equal(first.buffer.byteLength, 32, 'an own copy, not a slice of a slab');
  const copy = { ...block };
  assert.notEqual(blockHash(copy), first, 'another object is hashed on its own');
  assert.deepEqual(blockHash(copy), first);
  assert.notDeepEqual(blockHash({ ...block, time: block.time + 1 }), first, 'a changed copy has another hash');
});

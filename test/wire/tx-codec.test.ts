// The tx fast paths must be invisible: every payload readTx reads, it reads
// as the general decoder does, and every layout it does not know it leaves to
// the general decoder, which judges it (refusing what is malformed); every tx
// writeTx writes, it writes as the general encoder does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCbor } from '../../src/wire/cbor-encode';
import { decodeMessage, encodeMessage, LIMITS, type MessageOf } from '../../src/wire/messages';
import { writeMessage } from '../../src/wire/fast-paths';
import { readTx, writeTx } from '../../src/wire/tx-codec';
import { prng } from '../support/prng';

type Rng = (n: number) => number;
const bytesFrom = (rng: Rng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rng(256)));
const INTS = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 1_796_338_503_000, Number.MAX_SAFE_INTEGER];
const AMOUNTS = [0n, 23n, 24n, 1_000_000_000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n];
const pick = <T>(rng: Rng, from: readonly T[]): T => from[rng(from.length)] as T;

function randomTx(rng: Rng, inputs = rng(4), outputs = rng(4)): MessageOf<'tx'> {
  return {
    type: 'tx',
    tx: {
      from: bytesFrom(rng, 32),
      inputs: Array.from({ length: inputs }, () => ({ txid: bytesFrom(rng, 32), index: pick(rng, INTS) })),
      outputs: Array.from({ length: outputs }, () => ({ to: bytesFrom(rng, 32), amount: pick(rng, AMOUNTS) })),
      time: pick(rng, INTS),
      sig: bytesFrom(rng, 64),
    },
  };
}

test('readTx reads every tx encodeMessage writes as decodeMessage does: every integer size, 0 to LIMITS inputs and outputs', () => {
  const rng = prng(21);
  const counts = [0, 1, 2, 23, 24, LIMITS.txInputs];
  for (const inputs of counts) {
    for (const outputs of counts) {
      const payload = encodeMessage(randomTx(rng, inputs, outputs));
      const read = readTx(payload);
      assert.ok(read, `${inputs} inputs, ${outputs} outputs: not read by position`);
      assert.deepEqual(read, decodeMessage(payload));
    }
  }
  for (let i = 0; i < 300; i++) {
    const payload = encodeMessage(randomTx(rng));
    assert.deepEqual(readTx(payload), decodeMessage(payload), payload.toString('hex'));
  }
});

test('readTx copies: the message it returns does not change when the payload buffer is reused', () => {
  const payload = encodeMessage(randomTx(prng(22), 2, 2));
  const read = readTx(payload);
  const expected = decodeMessage(payload);
  payload.fill(0);
  assert.deepEqual(read, expected);
});

test('readTx leaves every other layout to the general decoder: key order, extra keys, long ints, too many inputs, other types, trailing bytes', () => {
  const rng = prng(23);
  const { tx } = randomTx(rng, 1, 1);
  const t = { ...tx, inputs: [{ txid: tx.inputs[0]!.txid, index: 300 }], outputs: [{ to: tx.outputs[0]!.to, amount: 5n }], time: 5 };
  const valid = encodeMessage({ type: 'tx', tx: t });
  const others = [
    encodeCbor({ tx: t, type: 'tx' }),
    encodeCbor({ type: 'tx', tx: { inputs: t.inputs, from: t.from, outputs: t.outputs, time: t.time, sig: t.sig } }),
    encodeCbor({ type: 'tx', tx: { ...t, extra: 1 } }),
    encodeCbor({ type: 'tx', tx: t, extra: 1 }),
    encodeCbor({ type: 'tx', tx: { ...t, inputs: [{ index: 300, txid: t.inputs[0]!.txid }] } }),
    encodeMessage({ type: 'tx', tx: { ...t, inputs: Array.from({ length: LIMITS.txInputs + 1 }, (_, i) => ({ txid: t.inputs[0]!.txid, index: i })) } }),
    encodeCbor({ type: 'tx', tx: { ...t, from: t.from.subarray(0, 31) } }),
    encodeCbor({ type: 'tx', tx: { ...t, time: -1 } }),
    encodeMessage({ type: 'vote', vote: { txid: t.from, voter: t.from, accept: true, sig: t.sig } }),
    Buffer.concat([valid, Buffer.from([0])]),
    valid.subarray(0, valid.length - 1),
    // index 300 as a four-byte integer, amount 5 as a one-byte one: not the shortest form
    Buffer.from(valid.toString('hex').replace('190' + '12c', '1a0000012c'), 'hex'),
    Buffer.from(valid.toString('hex').replace('66616d6f756e7405', '66616d6f756e741805'), 'hex'),
  ];
  assert.ok(readTx(valid), 'the valid layout itself is read');
  for (const payload of others) assert.equal(readTx(payload), undefined, payload.toString('hex'));
});

test('readTx on damaged txs (a changed, dropped or added byte): undefined, or exactly what decodeMessage returns; never a message the decoder refuses', () => {
  const rng = prng(24);
  let read = 0;
  for (let i = 0; i < 4000; i++) {
    const payload = encodeMessage(randomTx(rng, rng(3), rng(3)));
    const at = rng(payload.length);
    const kind = rng(3);
    const damaged =
      kind === 0
        ? Buffer.from(payload.map((b, j) => (j === at ? rng(256) : b)))
        : kind === 1
          ? Buffer.concat([payload.subarray(0, at), payload.subarray(at + 1)])
          : Buffer.concat([payload.subarray(0, at), Buffer.from([rng(256)]), payload.subarray(at)]);
    const fast = readTx(damaged);
    if (fast === undefined) continue;
    read++;
    let general;
    try {
      general = decodeMessage(damaged);
    } catch (err) {
      assert.fail(`readTx read a payload decodeMessage refuses (${(err as Error).message}): ${damaged.toString('hex')}`);
    }
    assert.deepEqual(fast, general, damaged.toString('hex'));
  }
  // Most single-byte damage lands in a key, a length or a hash: some of it still reads (a changed hash byte).
  assert.ok(read > 500, `only ${read} of 4000 damaged txs were read by position`);
});

test('writeTx writes byte for byte what encodeMessage writes: every integer size, 0 to 255 inputs and outputs', () => {
  const rng = prng(25);
  const counts = [0, 1, 2, 23, 24, LIMITS.txInputs, 255];
  for (const inputs of counts) {
    for (const outputs of counts) {
      const msg = randomTx(rng, inputs, outputs);
      assert.deepEqual(writeTx(msg.tx), encodeMessage(msg), `${inputs} inputs, ${outputs} outputs`);
    }
  }
  for (let i = 0; i < 300; i++) {
    const msg = randomTx(rng);
    assert.deepEqual(writeTx(msg.tx), encodeMessage(msg));
  }
  const msg = randomTx(rng, 1, 1);
  assert.deepEqual(writeMessage(msg), encodeMessage(msg), 'writeMessage takes the fast path');
  assert.ok(readTx(writeTx(msg.tx)!), 'and readTx reads it back by position');
});

test('writeTx leaves what its layout cannot hold to the general encoder, which writes the same message', () => {
  const rng = prng(26);
  const { tx } = randomTx(rng, 1, 1);
  const input = tx.inputs[0]!;
  const output = tx.outputs[0]!;
  const outside = [
    { ...tx, from: tx.from.subarray(0, 31) },
    { ...tx, sig: Buffer.concat([tx.sig, Buffer.alloc(1)]) },
    { ...tx, inputs: [{ ...input, txid: input.txid.subarray(1) }] },
    { ...tx, outputs: [{ ...output, to: Buffer.alloc(33) }] },
    { ...tx, inputs: [{ ...input, index: -1 }] },
    { ...tx, inputs: [{ ...input, index: 1.5 }] },
    { ...tx, time: Number.MAX_SAFE_INTEGER + 1 },
    { ...tx, outputs: [{ ...output, amount: -1n }] },
    { ...tx, outputs: [{ ...output, amount: 2n ** 64n }] },
    { ...tx, inputs: Array.from({ length: 256 }, () => input) },
  ];
  for (const t of outside) {
    assert.equal(writeTx(t), undefined, JSON.stringify(t, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)).slice(0, 120));
    const msg = { type: 'tx' as const, tx: t };
    // The same bytes, or the same refusal (an amount of 2^64 fits no CBOR integer).
    const outcome = (write: () => Buffer): Buffer | string => {
      try {
        return write();
      } catch (err) {
        return String(err);
      }
    };
    assert.deepEqual(outcome(() => writeMessage(msg)), outcome(() => encodeMessage(msg)));
  }
});

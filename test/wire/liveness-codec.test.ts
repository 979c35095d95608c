// The ping/pong fast path must be invisible: it reads what the general
// decoder reads and writes what the general encoder writes, byte for byte,
// and leaves every other layout to the general decoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCbor } from '../../src/wire/cbor-encode';
import { pongPayload, readPing } from '../../src/wire/liveness-codec';
import { decodeMessage, encodeMessage } from '../../src/wire/messages';
import { prng } from '../support/prng';

const bytesFrom = (rng: (n: number) => number, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rng(256)));

const EDGES = [0, 1, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Date.now(), Number.MAX_SAFE_INTEGER];

test('pongPayload writes exactly what encodeMessage writes, for every integer size', () => {
  const rng = prng(11);
  for (const time of EDGES) {
    for (const height of EDGES) {
      const nonce = bytesFrom(rng, 8);
      assert.deepEqual(pongPayload(nonce, time, height), encodeMessage({ type: 'pong', nonce, time, height }), `time ${time} height ${height}`);
    }
  }
});

test('readPing reads every ping encodeMessage writes as decodeMessage does', () => {
  const rng = prng(12);
  for (const time of EDGES) {
    for (const height of EDGES) {
      const payload = encodeMessage({ type: 'ping', nonce: bytesFrom(rng, 8), time, height });
      assert.deepEqual(readPing(payload), decodeMessage(payload), `time ${time} height ${height}`);
    }
  }
});

test('readPing leaves every other layout to the general decoder: other key order, extra keys, long ints, other types, trailing bytes', () => {
  const nonce = Buffer.alloc(8, 1);
  const others = [
    encodeCbor({ nonce, type: 'ping', time: 5, height: 1 }),
    encodeCbor({ type: 'ping', nonce, time: 5, height: 1, extra: 1 }),
    encodeCbor({ type: 'pong', nonce, time: 5, height: 1 }),
    encodeCbor({ type: 'ping', nonce: Buffer.alloc(7), time: 5, height: 1 }),
    Buffer.concat([encodeMessage({ type: 'ping', nonce, time: 5, height: 1 }), Buffer.from([0])]),
    encodeMessage({ type: 'ping', nonce, time: 5, height: 1 }).subarray(0, 30),
    // time 5 as a two-byte integer (not the shortest form)
    Buffer.from(encodeMessage({ type: 'ping', nonce, time: 300, height: 1 }).toString('hex').replace('19012c', '190005'), 'hex'),
  ];
  for (const payload of others) assert.equal(readPing(payload), undefined, payload.toString('hex'));
});

// §5 Blocks, live: "The first valid block at a height wins; a second,
// different valid block at the same height is logged as equivocation
// evidence and not relayed." A is not a masternode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash } from '../../../src/chain/layouts';
import { signBlock } from '../../../src/chain/signing';
import { hash, randomBytes } from '../../../src/crypto';
import type { Node } from '../../../src/node/node';
import { startNode, testGenesis, testKey } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { closeAll, connectPeer, control, isBlock, linesWith, producerOf, received } from './support';

// This file's addresses: 127.0.6.30 – 127.0.6.39.
const A_IP = '127.0.6.30';
const S_IP = '127.0.6.31';
const O_IP = '127.0.6.32';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const genesis = testGenesis(mn, { time: Date.now() - 6 * INTERVAL, interval: INTERVAL });

test('equivocation: a second valid block at a stored height is logged, counted and not relayed; the first stays', async () => {
  const p0 = producerOf(genesis, mn, 1, 0);
  const first = signBlock(p0, { height: 1, prev: genesis.hash, time: genesis.time + INTERVAL, txids: [hash(Buffer.from('first'))] });
  // Same producer, same slot, different txids.
  const sameSlot = signBlock(p0, { height: 1, prev: genesis.hash, time: genesis.time + INTERVAL, txids: [hash(Buffer.from('second'))] });
  // The next slot's producer (r = 1), one interval later: also valid on its own.
  const p1 = producerOf(genesis, mn, 1, 1);
  assert.ok(!p1.publicKey.equals(p0.publicKey), 'the r=1 slot belongs to another masternode');
  const laterSlot = signBlock(p1, { height: 1, prev: genesis.hash, time: genesis.time + 2 * INTERVAL, txids: [] });
  // Different and NOT valid: a bad signature is an invalid object, not equivocation evidence.
  const forged = { ...laterSlot, txids: [randomBytes(32)] };

  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(130), genesis, logLines: logA });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  try {
    S = await connectPeer(A, A_IP, S_IP, testKey(171), genesis);
    O = await connectPeer(A, A_IP, O_IP, testKey(172), genesis);

    S.sendMessage({ type: 'block', block: first });
    await O.waitForMessage('block', isBlock(blockHash(first)), 5000);
    assert.equal(A.status().height, 1);

    // The same slot, other contents.
    S.sendMessage({ type: 'block', block: sameSlot });
    await control(S, O, 'after the same-slot equivocation');
    const lines = linesWith(logA, 'equivocation');
    assert.equal(lines.length, 1, `one equivocation line; log:\n${logA.join('\n')}`);
    assert.ok(lines[0]!.includes(`kept ${blockHash(first).toString('hex')}`) && lines[0]!.includes(`refused ${blockHash(sameSlot).toString('hex')}`), lines[0]);
    assert.equal(A.status().equivocations, 1, 'status counts one equivocation');
    assert.equal(received(O, 'block', isBlock(blockHash(sameSlot))).length, 0, 'the equivocating block never reached O');
    assert.equal(A.status().tip, blockHash(first).toString('hex'), 'the first block stays the tip');

    // The next slot's producer with a later time.
    S.sendMessage({ type: 'block', block: laterSlot });
    await control(S, O, 'after the later-slot equivocation');
    assert.equal(A.status().equivocations, 2, 'a second piece of evidence is counted');
    assert.equal(linesWith(logA, `refused ${blockHash(laterSlot).toString('hex')}`).length, 1);
    assert.equal(received(O, 'block', isBlock(blockHash(laterSlot))).length, 0, 'the later-slot block never reached O');

    // Evidence is not an offence: S relayed valid, signed blocks.
    assert.equal(linesWith(logA, `invalid from ${S_IP}`).length, 0, 'S was not scored for passing on evidence');

    // A different block at the stored height that is not valid: scored, not evidence.
    S.sendMessage({ type: 'block', block: forged });
    await control(S, O, 'after the forged block');
    assert.equal(A.status().equivocations, 2, 'an invalid block is not equivocation evidence');
    assert.equal(linesWith(logA, `invalid from ${S_IP}: block 1: `).length, 1, 'an invalid block at a stored height is scored');

    assert.equal(received(O, 'block').length, 1, 'O received exactly one block: the first');
    assert.equal(A.status().height, 1);
    assert.equal(A.status().tip, blockHash(first).toString('hex'));
  } finally {
    await closeAll([S, O]);
    await A.stop();
  }
});

// §5 Blocks, live: a block that breaks a rule is refused (the tip does not
// move), never relayed, and costs its sender 50; the correct block at that
// height afterwards is stored and relayed once. A is not a masternode, so it
// produces nothing itself. Each broken block comes from its own peer: two
// invalid objects from one IP would ban it (and that is test 4's subject).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSlotFor } from '../../../src/chain/block-rules';
import { skipCount } from '../../../src/chain/genesis';
import { blockHash } from '../../../src/chain/layouts';
import { signBlock, verifyBlockSig } from '../../../src/chain/signing';
import type { Block } from '../../../src/chain/types';
import { randomBytes } from '../../../src/crypto';
import type { Node } from '../../../src/node/node';
import { startNode, testGenesis, testKey } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { closeAll, connectPeer, control, isBlock, linesWith, producerOf, received } from './support';

// This file's addresses: 127.0.6.20 – 127.0.6.29.
const A_IP = '127.0.6.20';
const O_IP = '127.0.6.21';
const SENDER_IPS = ['127.0.6.22', '127.0.6.23', '127.0.6.24', '127.0.6.25'];
const GOOD_IP = '127.0.6.26';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const genesis = testGenesis(mn, { time: Date.now() - 5 * INTERVAL, interval: INTERVAL });

test('blocks: wrong producer, bad signature, wrong prev and a time too far ahead are each refused, scored and not relayed; the right block is stored and relayed once', async () => {
  // Block 1 in its first slot: one interval after genesis, r = 0, producer S[(1 + 0) mod 3].
  const time1 = genesis.time + INTERVAL;
  assert.equal(skipCount(genesis.time, time1, INTERVAL), 0);
  const producer = producerOf(genesis, mn, 1, 0);
  const slot = nextSlotFor(producer.publicKey, { height: 0, time: genesis.time }, genesis, genesis.time);
  assert.deepEqual(slot, { time: time1, r: 0 }, 'block-rules agrees: the first slot of height 1 is this producer\'s');
  const wrongProducer = mn.find((k) => !k.publicKey.equals(producer.publicKey));
  assert.ok(wrongProducer);
  const good = signBlock(producer, { height: 1, prev: genesis.hash, time: time1, txids: [] });

  // A time more than one interval ahead of A's clock, signed by whoever is scheduled at that time,
  // so that the time rule is the only one it breaks.
  const future = Date.now() + 3 * INTERVAL;
  const futureProducer = producerOf(genesis, mn, 1, skipCount(genesis.time, future, INTERVAL));

  const broken: { what: string; block: Block; reason: RegExp }[] = [
    {
      what: 'wrong producer',
      block: signBlock(wrongProducer, { height: 1, prev: genesis.hash, time: time1, txids: [] }),
      reason: /producer [0-9a-f]{8}… is not scheduled: slot r=0 at height 1/,
    },
    {
      what: 'bad signature',
      block: { ...good, txids: [randomBytes(32)] }, // the right producer's signature, over other contents
      reason: /signature of block [0-9a-f]{8}… at height 1 does not verify/,
    },
    {
      what: 'wrong prev',
      block: signBlock(producer, { height: 1, prev: randomBytes(32), time: time1, txids: [] }),
      reason: /prev [0-9a-f]{8}… at height 1 is not the hash of the parent at height 0/,
    },
    {
      what: 'time too far ahead',
      block: signBlock(futureProducer, { height: 1, prev: genesis.hash, time: future, txids: [] }),
      reason: /time \d+ at height 1 is \d+ ms ahead of our clock/,
    },
  ];
  assert.equal(verifyBlockSig(broken[1]!.block), false, 'the bad-signature block really has a bad signature');
  for (const b of [broken[0]!, broken[2]!, broken[3]!]) assert.ok(verifyBlockSig(b.block), `${b.what}: signed correctly, only the rule is broken`);

  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(120), genesis, logLines: logA });
  const peers: RawPeer[] = [];
  try {
    const O = await connectPeer(A, A_IP, O_IP, testKey(160), genesis);
    peers.push(O);
    for (const [i, b] of broken.entries()) {
      const ip = SENDER_IPS[i]!;
      const S = await connectPeer(A, A_IP, ip, testKey(161 + i), genesis);
      peers.push(S);
      const scoredBefore = A.bans.scoredCount;
      S.sendMessage({ type: 'block', block: b.block });
      await control(S, O, b.what);
      assert.equal(A.status().height, 0, `${b.what}: A's height is unchanged`);
      assert.equal(received(O, 'block', isBlock(blockHash(b.block))).length, 0, `${b.what}: never relayed to O`);
      const lines = linesWith(logA, `invalid from ${ip}: block 1: `);
      assert.equal(lines.length, 1, `${b.what}: one "invalid from" line; log:\n${logA.join('\n')}`);
      assert.match(lines[0]!, b.reason, `${b.what}: refused for the rule it breaks`);
      assert.equal(A.bans.scoredCount, scoredBefore + 1, `${b.what}: the sender holds a score now`);
      assert.ok(S.isOpen, `${b.what}: one offence does not ban`);
    }
    assert.equal(received(O, 'block').length, 0, 'O received no block at all so far');

    const S = await connectPeer(A, A_IP, GOOD_IP, testKey(170), genesis);
    peers.push(S);
    S.sendMessage({ type: 'block', block: good });
    const relayed = await O.waitForMessage('block', () => true, 5000);
    assert.ok(blockHash(relayed.block).equals(blockHash(good)), 'the block O got is the good one');
    assert.equal(A.status().height, 1, 'A stored the good block');
    assert.equal(A.status().tip, blockHash(good).toString('hex'));
    assert.ok(A.store.get(1) && blockHash(A.store.get(1)!).equals(blockHash(good)));
    // Sent again: known (same hash at the stored height), neither relayed nor an equivocation.
    S.sendMessage({ type: 'block', block: good });
    await control(S, O, 'after the repeated block');
    assert.equal(received(O, 'block').length, 1, 'O received the good block exactly once');
    assert.equal(received(S, 'block').length, 0, 'the block is not echoed to its sender');
    assert.equal(A.status().equivocations, 0);
    assert.equal(linesWith(logA, `invalid from ${GOOD_IP}`).length, 0, 'the good block cost nothing');
  } finally {
    await closeAll(peers);
    await A.stop();
  }
});

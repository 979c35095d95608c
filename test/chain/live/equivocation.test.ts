// §5 Fork choice, live: a second valid block at a stored height is a rival.
// At the tip, the lower hash wins: the node switches and relays it; a rival
// that loses is not relayed. When it has the same producer as the block held,
// both hashes are logged as equivocation evidence. A is not a masternode.
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

const lower = (x: Buffer, y: Buffer): boolean => Buffer.compare(x, y) < 0;

test('rivals at the tip: the lower hash wins and is relayed, a loser is not; the same producer twice is logged as equivocation', async () => {
  const p0 = producerOf(genesis, mn, 1, 0);
  const first = signBlock(p0, { height: 1, prev: genesis.hash, time: genesis.time + INTERVAL, txids: [hash(Buffer.from('first'))] });
  // Same producer, same slot, different txids.
  const sameSlot = signBlock(p0, { height: 1, prev: genesis.hash, time: genesis.time + INTERVAL, txids: [hash(Buffer.from('second'))] });
  // The next slot's producer (r = 1), one interval later: also valid on its own.
  const p1 = producerOf(genesis, mn, 1, 1);
  assert.ok(!p1.publicKey.equals(p0.publicKey), 'the r=1 slot belongs to another masternode');
  const laterSlot = signBlock(p1, { height: 1, prev: genesis.hash, time: genesis.time + 2 * INTERVAL, txids: [] });
  // Different and NOT valid: a bad signature is an invalid object, not a rival.
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

    // The same slot, other contents: evidence either way; kept or switched by the hash.
    let tip = blockHash(first);
    const hSame = blockHash(sameSlot);
    S.sendMessage({ type: 'block', block: sameSlot });
    await control(S, O, 'after the same-slot equivocation');
    const lines = linesWith(logA, 'equivocation');
    assert.equal(lines.length, 1, `one equivocation line; log:\n${logA.join('\n')}`);
    assert.ok(lines[0]!.includes(tip.toString('hex')) && lines[0]!.includes(hSame.toString('hex')), `both hashes: ${lines[0]}`);
    assert.equal(A.status().equivocations, 1, 'status counts one equivocation');
    const sameWins = lower(hSame, tip);
    assert.equal(received(O, 'block', isBlock(hSame)).length, sameWins ? 1 : 0, `the rival reached O only if it won (${sameWins})`);
    if (sameWins) tip = hSame;
    assert.equal(A.status().tip, tip.toString('hex'), 'the lower hash is the tip');

    // Another producer's valid block at the same height: a rival, not evidence.
    const hLater = blockHash(laterSlot);
    S.sendMessage({ type: 'block', block: laterSlot });
    await control(S, O, 'after the later-slot rival');
    assert.equal(A.status().equivocations, 1, 'another producer is not equivocation');
    const laterWins = lower(hLater, tip);
    assert.equal(received(O, 'block', isBlock(hLater)).length, laterWins ? 1 : 0, `the later-slot block reached O only if it won (${laterWins})`);
    if (laterWins) tip = hLater;
    assert.equal(A.status().tip, tip.toString('hex'));
    assert.equal(linesWith(logA, 'switched chains').length, (sameWins ? 1 : 0) + (laterWins ? 1 : 0), 'one line per switch');

    // Rivals are not offences: S relayed valid, signed blocks.
    assert.equal(linesWith(logA, `invalid from ${S_IP}`).length, 0, 'S was not scored for passing on rivals');

    // A different block at the stored height that is not valid: scored, not a rival.
    S.sendMessage({ type: 'block', block: forged });
    await control(S, O, 'after the forged block');
    assert.equal(A.status().equivocations, 1, 'an invalid block is not equivocation evidence');
    assert.equal(linesWith(logA, `invalid from ${S_IP}: block 1: `).length, 1, 'an invalid block at a stored height is scored');

    assert.equal(received(O, 'block').length, 1 + (sameWins ? 1 : 0) + (laterWins ? 1 : 0), 'O received the first block and each winner, nothing else');
    assert.equal(A.status().height, 1);
    assert.equal(A.status().tip, tip.toString('hex'));
  } finally {
    await closeAll([S, O]);
    await A.stop();
  }
});

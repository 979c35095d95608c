// §5 Sync vs Relay, live: a node asks a peer for blocks when it learns that
// the peer is *higher* than itself. A peer that announces the very block A
// stores next (tip + 1) is not higher once A has stored it, so A must not
// ask it for that block, and above all must not hold the honest answer
// ("already have it", so zero new blocks) against the peer: a penalised peer
// is skipped by sync for a minute, and a node whose one peer is penalised
// cannot catch up when it does fall behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash, txId } from '../../../src/chain/layouts';
import type { Node } from '../../../src/node/node';
import type { MessageOf } from '../../../src/wire/messages';
import { startNode, testGenesis, testKey } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { buildChain, closeAll, connectPeer, isBlock, linesWith, received, validTx } from './support';

// This file's addresses: 127.0.6.80 – 127.0.6.89.
const A_IP = '127.0.6.80';
const S_IP = '127.0.6.81';
const O_IP = '127.0.6.82';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const genesis = testGenesis(mn, { time: Date.now() - 10 * INTERVAL, interval: INTERVAL });
const chain = buildChain(genesis, mn, 3, 'announce-sync');

/** O sends a fresh tx; once S has it, A has handled everything it queued for S before it. */
async function controlToS(O: RawPeer, S: RawPeer, tag: string): Promise<void> {
  const tx = validTx(`to S ${tag}`);
  O.sendMessage({ type: 'tx', tx });
  await S.waitForMessage('tx', (m) => txId(m.tx).equals(txId(tx)), 5000);
}

test('announce then sync: A does not ask the announcer for a block it just stored, and still syncs from it when it falls behind', async () => {
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(170), genesis, logLines: logA });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  try {
    S = await connectPeer(A, A_IP, S_IP, testKey(202), genesis);
    O = await connectPeer(A, A_IP, O_IP, testKey(203), genesis);

    // S announces block 1, the block A needs next: A stores and relays it.
    S.sendMessage({ type: 'block', block: chain[0]! });
    await O.waitForMessage('block', isBlock(blockHash(chain[0]!)), 5000);
    assert.equal(A.status().height, 1);
    await controlToS(O, S, 'after block 1');
    const asked = received(S, 'get_blocks');
    // S is an honest node: it answers whatever it is asked, here with the block A already has.
    for (const req of asked) S.sendMessage({ type: 'blocks', blocks: chain.slice(req.from - 1, req.to) });
    await controlToS(O, S, 'after the answers');
    const penalised = linesWith(logA, `asking another peer: ${S_IP} answered with no usable blocks`);

    // A misses block 2 and hears of block 3 from S: S is higher now, and A must ask it from height 2.
    const start = S.messages.length;
    S.sendMessage({ type: 'block', block: chain[2]! });
    await controlToS(O, S, 'after block 3');
    const askedAfter = S.messages.slice(start).filter((m): m is MessageOf<'get_blocks'> => m.type === 'get_blocks');

    assert.deepEqual(
      {
        askedForStoredBlock: asked.map((r) => `${r.from}..${r.to}`),
        penalisedForAnsweringIt: penalised.length,
        askedAfterFallingBehind: askedAfter.map((r) => `${r.from}..${r.to}`),
      },
      { askedForStoredBlock: [], penalisedForAnsweringIt: 0, askedAfterFallingBehind: ['2..3'] },
      `log:\n${logA.join('\n')}`,
    );
  } finally {
    await closeAll([S, O]);
    await A.stop();
  }
});

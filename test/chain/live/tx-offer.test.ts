// A tx submitted while its node has no peer reaches the peers that connect
// later: each connecting peer is sent the newest unfinalized txs of the pool
// (at most txsOfferedOnConnect), since relay sends a tx once, to the peers
// established at that moment (§5). Found by the lossy-link fault harness:
// a tx submitted during a link flap never finalized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { txId } from '../../../src/chain/layouts';
import type { Node } from '../../../src/node/node';
import { startNode, testGenesis, testKey } from '../../support/harness';
import { closeAll, connectPeer, isTx, validTx } from './support';

// This file's addresses: 127.14.4.1 – 127.14.4.9.
const A_IP = '127.14.4.1';

test('a peer that connects is offered the newest unfinalized txs, up to the bound', async () => {
  const mn = [testKey(1), testKey(2), testKey(3)];
  const genesis = testGenesis(mn);
  const A: Node = await startNode({ ip: A_IP, keys: testKey(140), genesis, chainLimits: { txsOfferedOnConnect: 2 } });
  const txs = ['one', 'two', 'three'].map((t) => validTx(`offer ${t}`));
  const peers = [];
  try {
    for (const tx of txs) assert.equal(A.chain.submitTx(tx).kind, 'accepted');
    const S = await connectPeer(A, A_IP, '127.14.4.2', testKey(141), genesis);
    peers.push(S);
    await S.waitForMessage('tx', isTx(txId(txs[2]!)), 5000);
    await S.waitForMessage('tx', isTx(txId(txs[1]!)), 5000);
    await S.pingPong();
    const offered = S.received('tx').map((m) => txId(m.tx).toString('hex'));
    assert.deepEqual(offered, [txId(txs[1]!), txId(txs[2]!)].map((t) => t.toString('hex')), 'the newest two, oldest first');
  } finally {
    await closeAll(peers);
    await A.stop();
  }
});

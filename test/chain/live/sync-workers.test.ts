// Which syncs start the verify workers, live: a worker costs a boot (~170 ms
// beside a sync here, some 2 000 blocks of inline verification), so a sync
// shorter than SYNC_BLOCKS_FOR_WORKERS is verified on the main thread even
// though its answers are batches of hundreds of signatures, and a longer one
// starts the workers as soon as a peer's hello shows how far behind we are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash } from '../../../src/chain/layouts';
import { SYNC_BLOCKS_FOR_WORKERS } from '../../../src/chain/sync';
import type { Node } from '../../../src/node/node';
import type { MessageOf } from '../../../src/wire/messages';
import { startNode, testGenesis, testKey, waitFor } from '../../support/harness';
import { RawPeer } from '../../support/raw-peer';
import { buildChain, closeAll } from './support';

// This file's addresses: 127.0.6.150 – 127.0.6.159.
const A_IP = '127.0.6.150';
const S_IP = '127.0.6.151';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const SHORT = 1200;
const genesis = testGenesis(mn, { time: Date.now() - (SYNC_BLOCKS_FOR_WORKERS + SHORT + 10) * INTERVAL, interval: INTERVAL });
const chain = buildChain(genesis, mn, SHORT, 'sync-workers');

/** S answers every get_blocks it has received from `chain`. */
function serve(S: RawPeer): () => void {
  let answered = 0;
  const timer = setInterval(() => {
    const asks = S.messages.filter((m): m is MessageOf<'get_blocks'> => m.type === 'get_blocks');
    for (; answered < asks.length; answered++) S.sendMessage({ type: 'blocks', blocks: chain.slice(asks[answered]!.from - 1, asks[answered]!.to) });
  }, 5);
  return () => clearInterval(timer);
}

test(`a sync of ${SHORT} blocks is verified inline; a peer ${SYNC_BLOCKS_FOR_WORKERS} blocks ahead starts the workers at once`, async () => {
  const A: Node = await startNode({ ip: A_IP, keys: testKey(150), genesis, limits: { verifyThreads: 1 } });
  const S = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: S_IP });
  const stop = serve(S);
  try {
    await S.handshake({ keys: testKey(151), genesis, height: SHORT, tip: blockHash(chain[SHORT - 1]!) });
    await waitFor('A synced the short chain', () => A.status().height === SHORT);
    assert.equal(A.verifyPool?.running, false, 'no worker booted for a short sync');
    assert.equal(A.status().verify.workerChunks, 0);

    // S now claims a tip far ahead (its ping says so): that sync is long enough for workers.
    S.sendMessage({ type: 'ping', nonce: Buffer.alloc(8, 7), time: Date.now(), height: SHORT + SYNC_BLOCKS_FOR_WORKERS });
    await waitFor('the workers started for the long sync', () => A.verifyPool?.running);
    assert.equal(A.status().verify.threads, 1);
  } finally {
    stop();
    await closeAll([S]);
    await A.stop();
  }
});

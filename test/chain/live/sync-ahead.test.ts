// §5 Sync, "it may keep the next request in flight", live: a node behind a
// peer asks SYNC_DEPTH ranges before the first is answered, so the peer
// reads and sends while the node verifies and stores. A range asked ahead
// assumes the answers before it are whole; when one is short (legal: "as
// many of the asked blocks as fit in one frame"), the range asked after it
// no longer connects. Its answer is dropped when it comes: the peer is not
// scored or penalised for answering what it was asked, and the node asks
// again from where it really is and reaches the peer's height.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash } from '../../../src/chain/layouts';
import { MAX_STALE_REQUESTS, SYNC_DEPTH } from '../../../src/chain/sync';
import type { Node } from '../../../src/node/node';
import type { MessageOf } from '../../../src/wire/messages';
import { startNode, testGenesis, testKey, waitFor } from '../../support/harness';
import { RawPeer } from '../../support/raw-peer';
import { buildChain, closeAll, linesWith } from './support';

// This file's addresses: 127.0.6.140 – 127.0.6.149.
const A_IP = '127.0.6.140';
const S_IP = '127.0.6.141';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const HEIGHT = 1500;
const genesis = testGenesis(mn, { time: Date.now() - (HEIGHT + 10) * INTERVAL, interval: INTERVAL });
const chain = buildChain(genesis, mn, HEIGHT, 'sync-ahead');

/** S, a peer at HEIGHT that answers by hand: the test decides what each answer holds. */
async function behindA(logA: string[]): Promise<{ A: Node; S: RawPeer }> {
  const A = await startNode({ ip: A_IP, keys: testKey(140), genesis, logLines: logA });
  const S = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: S_IP });
  await S.handshake({ keys: testKey(141), genesis, height: HEIGHT, tip: blockHash(chain[HEIGHT - 1]!) });
  return { A, S };
}

/** The get_blocks S has received so far, as "from..to". */
function asked(S: RawPeer): string[] {
  return S.messages.filter((m): m is MessageOf<'get_blocks'> => m.type === 'get_blocks').map((r) => `${r.from}..${r.to}`);
}

test(`sync keeps ${SYNC_DEPTH} ranges in flight: asked before any answer, one more as each is stored`, async () => {
  assert.ok(SYNC_DEPTH >= 2, 'the pipeline asks ahead');
  const logA: string[] = [];
  const { A, S } = await behindA(logA);
  try {
    await waitFor('A asks its first ranges', () => asked(S).length >= SYNC_DEPTH);
    assert.deepEqual(asked(S), ['1..500', '501..1000'].slice(0, SYNC_DEPTH), 'asked ahead, in order, before any answer');
    S.sendMessage({ type: 'blocks', blocks: chain.slice(0, 500) });
    await waitFor('the third range', () => asked(S).length >= 3);
    assert.equal(asked(S)[2], '1001..1500');
    S.sendMessage({ type: 'blocks', blocks: chain.slice(500, 1000) });
    S.sendMessage({ type: 'blocks', blocks: chain.slice(1000, 1500) });
    await waitFor('A at the peer height', () => A.status().height === HEIGHT);
    assert.deepEqual(asked(S), ['1..500', '501..1000', '1001..1500'], 'no range asked twice');
    assert.equal(A.bans.scoredCount, 0);
  } finally {
    await closeAll([S]);
    await A.stop();
  }
});

test('a short answer makes the range asked after it stale: its answer is dropped without blame, and sync asks again from where it is', async () => {
  const logA: string[] = [];
  const { A, S } = await behindA(logA);
  try {
    await waitFor('A asks its first ranges', () => asked(S).length >= 2);
    // A short answer to 1..500 (as if only 300 fitted in a frame), then the whole of 501..1000.
    S.sendMessage({ type: 'blocks', blocks: chain.slice(0, 300) });
    S.sendMessage({ type: 'blocks', blocks: chain.slice(500, 1000) });
    await waitFor('A asks from 301', () => asked(S).find((r) => r.startsWith('301..')));
    await waitFor('A stored the short answer', () => A.status().height === 300);
    // From here S answers whatever is asked, in full, as an honest peer does.
    let answered = 2;
    await waitFor(
      'A at the peer height',
      () => {
        const all = S.messages.filter((m): m is MessageOf<'get_blocks'> => m.type === 'get_blocks');
        for (; answered < all.length; answered++) S.sendMessage({ type: 'blocks', blocks: chain.slice(all[answered]!.from - 1, all[answered]!.to) });
        return A.status().height === HEIGHT;
      },
      10_000,
    );
    assert.equal(A.status().height, HEIGHT, 'synced to the peer height');
    assert.equal(A.bans.scoredCount, 0, 'answering a range that went stale is no offence');
    assert.deepEqual(linesWith(logA, `asking another peer: ${S_IP}`), [], 'and costs S no penalty');
    assert.ok(S.isOpen, 'S stays connected');
  } finally {
    await closeAll([S]);
    await A.stop();
  }
});

test(`a peer that answers only the newest range, short, leaves at most ${MAX_STALE_REQUESTS} stale requests behind, whatever the number of answers`, async () => {
  const logA: string[] = [];
  const { A, S } = await behindA(logA);
  const ROUNDS = 40;
  const STEP = 10;
  let most = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const from = round * STEP + 1;
      // Each short answer leaves the range asked after it stale; S never answers those.
      await waitFor(`A asks from ${from}`, () => asked(S).some((r) => r.startsWith(`${from}..`)));
      S.sendMessage({ type: 'blocks', blocks: chain.slice(from - 1, from - 1 + STEP) });
      await waitFor(`A at height ${from - 1 + STEP}`, () => A.status().height === from - 1 + STEP);
      most = Math.max(most, A.chain.sync.trackedRequests);
    }
    assert.equal(A.status().height, ROUNDS * STEP, 'every short answer was stored');
    assert.ok(most <= MAX_STALE_REQUESTS + SYNC_DEPTH, `at most ${MAX_STALE_REQUESTS} stale + ${SYNC_DEPTH} live requests tracked, saw ${most}`);
    assert.ok(most > SYNC_DEPTH, `stale requests were kept at all (saw ${most}): the bound is what held them`);
    assert.equal(A.bans.scoredCount, 0);
  } finally {
    await closeAll([S]);
    await A.stop();
  }
});

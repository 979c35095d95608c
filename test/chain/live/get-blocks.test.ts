// §3 get_blocks / blocks, live: the answer holds "as many of the asked blocks
// as the node has and as fit in one frame (empty if none)", at "consecutive
// ascending heights from `from`"; `to − from < 500`, otherwise a protocol
// error. A's store is filled before it starts; A is not a masternode, so its
// height stays put.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blockHash } from '../../../src/chain/layouts';
import { BlockStore } from '../../../src/chain/block-store';
import type { Block } from '../../../src/chain/types';
import type { Node } from '../../../src/node/node';
import type { MessageOf } from '../../../src/wire/messages';
import { removeDir, startNode, tempDir, testGenesis, testKey } from '../../support/harness';
import { RawPeer } from '../../support/raw-peer';
import { buildChain, closeAll, connectPeer, linesWith } from './support';

// This file's addresses: 127.0.6.70 – 127.0.6.79.
const A_IP = '127.0.6.70';
const S_IP = '127.0.6.71';
const SMALL_IP = '127.0.6.75';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const HEIGHT = 620;
const genesis = testGenesis(mn, { time: Date.now() - (HEIGHT + 10) * INTERVAL, interval: INTERVAL });
const chain = buildChain(genesis, mn, HEIGHT, 'get-blocks');

function filledDir(): string {
  const dir = tempDir('timenode-live-getblocks-');
  const store = BlockStore.open(dir, genesis.hash);
  try {
    store.append(chain);
  } finally {
    store.close();
  }
  return dir;
}

/** Sends get_blocks and returns the next `blocks` answer. */
async function ask(peer: RawPeer, from: number, to: number): Promise<Block[]> {
  const start = peer.messages.length;
  peer.sendMessage({ type: 'get_blocks', from, to });
  const answer = (await peer.waitFor((m) => m.type === 'blocks' && peer.messages.indexOf(m) >= start, `blocks for ${from}..${to}`)) as MessageOf<'blocks'>;
  return answer.blocks;
}

/** Each block is the stored one at its height, and the heights run consecutively up from `from`. */
function assertRun(blocks: Block[], from: number, count: number, what: string): void {
  assert.deepEqual(blocks.map((b) => b.height), Array.from({ length: count }, (_, i) => from + i), `${what}: heights`);
  for (const b of blocks) {
    assert.ok(blockHash(b).equals(blockHash(chain[b.height - 1]!)), `${what}: block ${b.height} is the stored one`);
  }
}

describe('get_blocks / blocks', () => {
  const dirs: string[] = [];
  let A: Node;
  const logA: string[] = [];

  before(async () => {
    const dir = filledDir();
    dirs.push(dir);
    A = await startNode({ ip: A_IP, keys: testKey(160), genesis, dataDir: dir, logLines: logA });
  });

  after(async () => {
    await A?.stop();
    for (const d of dirs) removeDir(d);
  });

  test('A advertises the height and tip of its pre-filled store', async () => {
    const peer = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: S_IP });
    try {
      const { hello } = await peer.handshake({ keys: testKey(195), genesis });
      assert.equal(hello.height, HEIGHT);
      assert.ok(hello.tip.equals(blockHash(chain[HEIGHT - 1]!)), 'tip is the hash of the last block');
    } finally {
      await closeAll([peer]);
    }
  });

  test('a range within the store: all of it, consecutive ascending from `from`', async () => {
    const S = await connectPeer(A, A_IP, S_IP, testKey(196), genesis);
    try {
      assertRun(await ask(S, 1, 10), 1, 10, '1..10');
      assertRun(await ask(S, 37, 37), 37, 1, '37..37');
      // The widest legal range: to − from = 499.
      assertRun(await ask(S, 1, 500), 1, 500, '1..500');
      assertRun(await ask(S, 121, 620), 121, 500, '121..620');
      // Partly beyond the tip: what A has, from `from`.
      assertRun(await ask(S, 600, 700), 600, HEIGHT - 600 + 1, '600..700');
      // Wholly beyond the tip: empty.
      assert.deepEqual(await ask(S, HEIGHT + 1, HEIGHT + 1), [], 'just past the tip');
      assert.deepEqual(await ask(S, 5000, 5100), [], 'far past the tip');
      assert.ok(S.isOpen, 'legal requests cost nothing');
      assert.equal(A.bans.scoredCount, 0);
      assert.equal(A.status().height, HEIGHT, "answering does not change A's height");
    } finally {
      await closeAll([S]);
    }
  });

  for (const [i, range] of [
    { from: 1, to: 501, why: 'to − from = 500' },
    { from: 100, to: 1000, why: 'to − from = 900' },
    { from: 10, to: 9, why: 'to < from' },
  ].entries()) {
    test(`get_blocks with ${range.why} is a protocol error: reject protocol, closed, scored`, async () => {
      const ip = `127.0.6.${72 + i}`;
      const S = await connectPeer(A, A_IP, ip, testKey(197 + i), genesis);
      const scoredBefore = A.bans.scoredCount;
      try {
        S.sendMessage({ type: 'get_blocks', from: range.from, to: range.to });
        const reject = await S.waitForMessage('reject', () => true, 5000);
        assert.equal(reject.code, 'protocol', `reason: ${reject.reason}`);
        await S.waitClosed();
        assert.equal(S.messages.filter((m) => m.type === 'blocks').length, 0, 'no blocks answer');
        assert.equal(linesWith(logA, `${ip} <-] protocol error`).length, 1, `one protocol error logged for ${ip}`);
        assert.equal(A.bans.scoredCount, scoredBefore + 1, `${ip} holds a score now`);
        assert.equal(A.bans.isBanned(ip, Date.now()), undefined, 'one protocol error (20) does not ban');
      } finally {
        await closeAll([S]);
      }
    });
  }

  test('an answer is cut at the byte budget: still a prefix of consecutive heights from `from`', async () => {
    const dir = filledDir();
    dirs.push(dir);
    // Room for a handful of blocks, not for the 100 asked.
    const small = await startNode({ ip: '127.0.6.76', keys: testKey(161), genesis, dataDir: dir, chainLimits: { blocksAnswerBytes: 1000 } });
    let S: RawPeer | undefined;
    try {
      S = await RawPeer.connect({ host: '127.0.6.76', port: small.listenPort, localAddress: SMALL_IP });
      await S.handshake({ keys: testKey(200), genesis });
      const blocks = await ask(S, 50, 149);
      assert.ok(blocks.length > 0 && blocks.length < 100, `a non-empty part of the range, got ${blocks.length}`);
      assertRun(blocks, 50, blocks.length, 'cut answer');
      // The asker continues after the last one it got.
      const next = await ask(S, 50 + blocks.length, 149);
      assertRun(next, 50 + blocks.length, next.length, 'continuation');
    } finally {
      await closeAll([S]);
      await small.stop();
    }
  });
});

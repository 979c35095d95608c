// §5 Fork choice, live, at depth: a node whose chain forked off 100 blocks
// up finds the ancestor by asking further back (− 1, − 2, − 4 …), fetches a
// longer branch over several ranges of ≤ 500 (staged on disk, not in
// memory), and switches once, atomically; a branch that stops validating
// half way is scored as invalid blocks and the node keeps its chain.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockStore } from '../../../src/chain/block-store';
import { blockHash } from '../../../src/chain/layouts';
import { signBlock } from '../../../src/chain/signing';
import { SYNC_DEPTH } from '../../../src/chain/sync';
import type { Block } from '../../../src/chain/types';
import { hash, type KeyPair } from '../../../src/crypto';
import type { Genesis } from '../../../src/chain/genesis';
import type { Node } from '../../../src/node/node';
import { LIMITS, type MessageOf } from '../../../src/wire/messages';
import { removeDir, startNode, tempDir, testGenesis, testKey, waitFor } from '../../support/harness';
import { RawPeer } from '../../support/raw-peer';
import { buildChain, linesWith, producerOf } from './support';

// This file's addresses: 127.14.2.1 – 127.14.2.20.
const A_IP = '127.14.2.1';
const S_IP = '127.14.2.2';
const T_IP = '127.14.2.3';

const mn = [testKey(1), testKey(2), testKey(3)];
const INTERVAL = 1000;
const ANCESTOR = 100;
const OURS = 700;
const THEIRS = 1300;
const genesis = testGenesis(mn, { time: Date.now() - (THEIRS + 20) * INTERVAL, interval: INTERVAL });

/** `count` blocks on top of `base`, the first one in slot `firstR`, the others in their first slot. */
function branchOn(g: Genesis, keys: KeyPair[], base: Block, count: number, tag: string, firstR: number): Block[] {
  const out: Block[] = [];
  let prev = blockHash(base);
  let time = base.time;
  for (let h = base.height + 1; h <= base.height + count; h++) {
    const r = h === base.height + 1 ? firstR : 0;
    time += (r + 1) * g.interval;
    const block = signBlock(producerOf(g, keys, h, r), { height: h, prev, time, txids: [hash(Buffer.from(`${tag} ${h}`))] });
    out.push(block);
    prev = blockHash(block);
  }
  return out;
}

const shared = buildChain(genesis, mn, ANCESTOR, 'shared');
// The branches part at ANCESTOR + 1: ours in its first slot, theirs in the next.
const ours = [...shared, ...branchOn(genesis, mn, shared[ANCESTOR - 1]!, OURS - ANCESTOR, 'ours', 0)];
const theirs = [...shared, ...branchOn(genesis, mn, shared[ANCESTOR - 1]!, THEIRS - ANCESTOR, 'theirs', 1)];

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function storeOf(chain: Block[]): string {
  const dir = tempDir('timenode-live-reorg-');
  dirs.push(dir);
  const store = BlockStore.open(dir, genesis.hash);
  store.append(chain);
  store.close();
  return dir;
}

/** Answers get_blocks from `chain` (≤ 500 a time), and pings with its height. */
function serve(peer: RawPeer, chain: Block[], asked: number[]): () => void {
  peer.answerPings = false;
  let handled = 0;
  const timer = setInterval(() => {
    for (; handled < peer.messages.length; handled++) {
      const m = peer.messages[handled]!;
      if (m.type === 'get_blocks' && !('unknown' in m)) {
        const { from, to } = m as MessageOf<'get_blocks'>;
        asked.push(from);
        peer.sendMessage({ type: 'blocks', blocks: chain.slice(from - 1, to) });
      } else if (m.type === 'ping' && !('unknown' in m)) {
        peer.sendMessage({ type: 'pong', nonce: (m as MessageOf<'ping'>).nonce, time: Date.now(), height: chain.length });
      }
    }
  }, 5);
  return () => clearInterval(timer);
}

test('the chains of this file fork right after the ancestor', () => {
  assert.ok(blockHash(ours[ANCESTOR - 1]!).equals(blockHash(theirs[ANCESTOR - 1]!)));
  assert.ok(!blockHash(ours[ANCESTOR]!).equals(blockHash(theirs[ANCESTOR]!)));
  assert.ok(ours[ANCESTOR]!.prev.equals(theirs[ANCESTOR]!.prev));
});

test(`a node ${OURS - ANCESTOR} blocks deep on its own branch searches back to the ancestor, fetches ${THEIRS - ANCESTOR} blocks in ranges and switches once`, async () => {
  const dir = storeOf(ours);
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(150), genesis, dataDir: dir, logLines: logA });
  const S = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: S_IP });
  const asked: number[] = [];
  const stop = serve(S, theirs, asked);
  try {
    await S.handshake({ keys: testKey(151), genesis, height: THEIRS, tip: blockHash(theirs[THEIRS - 1]!) });
    await waitFor('A on the longer branch', () => A.status().height === THEIRS, 15_000);
    const switches = linesWith(logA, 'switched chains');
    assert.equal(switches.length, 1, logA.join('\n'));
    assert.match(switches[0]!, new RegExp(`old tip ${OURS} .* new tip \\d+ .*ancestor ${ANCESTOR}, depth ${OURS - ANCESTOR}`));
    // The sync asks from 701 (and, kept in flight, from 1201), then the search back: 699, 698, 696, 692, 684, 668,
    // 636, 572, 444, 188, 1 (connects), then the rest of the branch in ranges.
    const search = asked.slice(0, asked.indexOf(1) + 1);
    const syncAsks = [OURS + 1, OURS + 1 + LIMITS.blocksPerAnswer].slice(0, SYNC_DEPTH);
    assert.deepEqual(search, [...syncAsks, OURS - 1, OURS - 2, OURS - 4, OURS - 8, OURS - 16, OURS - 32, OURS - 64, OURS - 128, OURS - 256, OURS - 512, 1]);
    assert.ok(asked.length - search.length >= 2, `the branch came in several ranges: ${asked.join(', ')}`);
    const got = A.store.getRange(1, THEIRS, Infinity);
    assert.equal(got.length, THEIRS);
    got.forEach((b, i) => assert.ok(blockHash(b).equals(blockHash(theirs[i]!)), `block ${i + 1}`));
    assert.equal(linesWith(logA, 'invalid from').length, 0);
  } finally {
    stop();
    S.destroy();
    await A.stop();
  }
  const reopened = BlockStore.open(dir, genesis.hash);
  assert.equal(reopened.height, THEIRS, 'the switch is on disk');
  reopened.close();
  assert.ok(!fs.existsSync(path.join(dir, 'blocks.branch')) && !fs.existsSync(path.join(dir, 'blocks.reorg')));
});

test('a branch with a forged block half way is scored as an invalid block and the node keeps its chain', async () => {
  const dir = storeOf(ours);
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(152), genesis, dataDir: dir, logLines: logA });
  const bad = [...theirs];
  const at = OURS - 50;
  bad[at] = { ...bad[at]!, sig: Buffer.from(bad[at + 1]!.sig) };
  const T = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: T_IP });
  const stop = serve(T, bad, []);
  try {
    await T.handshake({ keys: testKey(153), genesis, height: THEIRS, tip: blockHash(bad[THEIRS - 1]!) });
    await waitFor('the forged block scored', () => linesWith(logA, `invalid from ${T_IP}: branch block ${at + 1} above the ancestor ${ANCESTOR}`).length > 0, 15_000);
    assert.equal(A.status().height, OURS);
    assert.equal(A.status().tip, blockHash(ours[OURS - 1]!).toString('hex'));
    assert.equal(linesWith(logA, 'switched chains').length, 0);
    assert.ok(!fs.existsSync(path.join(dir, 'blocks.branch')), 'the staged branch is dropped');
  } finally {
    stop();
    T.destroy();
    await A.stop();
  }
});

test('a block that does not follow our tip is checked for a masternode signature before any branch is fetched', async () => {
  const dir = storeOf(ours);
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(154), genesis, dataDir: dir, logLines: logA });
  const U = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: '127.14.2.4' });
  try {
    await U.handshake({ keys: testKey(155), genesis, height: OURS, tip: blockHash(ours[OURS - 1]!) });
    const real = theirs[OURS]!;
    const forged = { ...real, sig: Buffer.from(theirs[OURS + 1]!.sig) };
    const outsider = signBlock(testKey(156), { height: OURS + 1, prev: real.prev, time: real.time, txids: [] });
    U.sendMessage({ type: 'block', block: forged });
    U.sendMessage({ type: 'block', block: outsider });
    await waitFor('both scored', () => linesWith(logA, `invalid from 127.14.2.4: block ${OURS + 1}: `).length === 2, 5000);
    const scored = linesWith(logA, `invalid from 127.14.2.4: block ${OURS + 1}: `);
    assert.equal(scored.filter((l) => l.includes('its signature does not verify')).length, 1, scored.join('\n'));
    assert.equal(scored.filter((l) => l.includes('is not a masternode')).length, 1, scored.join('\n'));
    assert.equal(U.received('get_blocks').length, 0, 'no branch fetched for a block no masternode signed');
    assert.equal(A.status().height, OURS);
  } finally {
    U.destroy();
    await A.stop();
  }
});

// §5 Fork choice against the `fork_choice` vectors of tnp1.json (computed by
// an independent implementation): the rule alone, then a real node holding
// one branch and offered the other by a peer, in both directions, for every
// case — it switches exactly when the vectors say the offered branch wins.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateBlock, type ParentRef } from '../../src/chain/block-rules';
import { BlockStore } from '../../src/chain/block-store';
import { branchWins, nextSearchStep, searchFrom } from '../../src/chain/fork-choice';
import { parseGenesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import type { Block } from '../../src/chain/types';
import type { Node } from '../../src/node/node';
import { removeDir, startNode, tempDir, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.14.1.1 – 127.14.1.20.
const NODE_IP = '127.14.1.1';
const PEER_IP = '127.14.1.2';

interface BlockVector { height: number; prev: string; time: number; txids: string[]; producer: string; hash: string; sig: string }
interface ForkVectors {
  prefix: BlockVector[];
  branches: Record<string, BlockVector[]>;
  cases: { chains: [string, string]; ancestor_height: number; winner: string }[];
}
const all = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'shared', 'vectors', 'tnp1.json'), 'utf8')) as {
  genesis: { file: unknown };
  fork_choice: ForkVectors;
};
const v = all.fork_choice;
const genesis = parseGenesis(JSON.stringify(all.genesis.file), 'tnp1.json genesis');
const b = (h: string): Buffer => Buffer.from(h, 'hex');
const blockOf = (x: BlockVector): Block => ({ height: x.height, prev: b(x.prev), time: x.time, txids: x.txids.map(b), producer: b(x.producer), sig: b(x.sig) });
const chainOf = (name: string): Block[] => [...v.prefix, ...v.branches[name]!].map(blockOf);

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

test('fork choice vectors: every branch validates from the prefix, and the rule picks every winner', () => {
  for (const name of Object.keys(v.branches)) {
    let parent: ParentRef = { height: 0, hash: genesis.hash, time: genesis.time };
    for (const block of chainOf(name)) {
      const verdict = validateBlock(block, parent, genesis, Date.now());
      assert.ok(verdict.ok, `branch ${name} block ${block.height}: ${verdict.ok ? '' : verdict.reason}`);
      parent = { height: block.height, hash: verdict.hash, time: block.time };
    }
  }
  assert.equal(v.cases.length, 3);
  for (const c of v.cases) {
    const [x, y] = c.chains.map(chainOf) as [Block[], Block[]];
    let ancestor = 0;
    while (blockHash(x[ancestor]!).equals(blockHash(y[ancestor]!))) ancestor++;
    assert.equal(ancestor, c.ancestor_height, `${c.chains.join('/')}: ancestor`);
    const side = (chain: Block[]) => ({ height: chain.length, firstAfterAncestor: blockHash(chain[ancestor]!) });
    const yWins = branchWins(side(y), side(x));
    const xWins = branchWins(side(x), side(y));
    assert.notEqual(xWins, yWins, `${c.chains.join('/')}: exactly one side wins`);
    assert.equal(yWins ? c.chains[1] : c.chains[0], c.winner, `${c.chains.join('/')}: winner`);
  }
});

test('the ancestor search asks from our height, then − 1, − 2, − 4 … down to 1, then gives up', () => {
  const asked: number[] = [];
  for (let step: number | undefined = 0; step !== undefined; step = nextSearchStep(20, step)) asked.push(searchFrom(20, step));
  assert.deepEqual(asked, [20, 19, 18, 16, 12, 4, 1]);
  assert.equal(nextSearchStep(1, 0), undefined, 'at height 1 the first ask is the last');
  assert.equal(branchWins({ height: 4, firstAfterAncestor: undefined }, { height: 4, firstAfterAncestor: undefined }), false, 'one chain does not beat itself');
});

/** Answers the node's get_blocks from `chain` and its pings with `chain`'s height, until stopped. */
function serve(peer: RawPeer, chain: Block[]): () => void {
  peer.answerPings = false;
  let handled = 0;
  const timer = setInterval(() => {
    for (; handled < peer.messages.length; handled++) {
      const m = peer.messages[handled]!;
      if (m.type === 'get_blocks' && !('unknown' in m)) {
        const { from, to } = m as { from: number; to: number };
        peer.sendMessage({ type: 'blocks', blocks: chain.filter((x) => x.height >= from && x.height <= to) });
      } else if (m.type === 'ping' && !('unknown' in m)) {
        peer.sendMessage({ type: 'pong', nonce: (m as { nonce: Buffer }).nonce, time: Date.now(), height: chain.length });
      }
    }
  }, 5);
  return () => clearInterval(timer);
}

for (const c of v.cases) {
  for (const [held, offered] of [c.chains, [c.chains[1], c.chains[0]]] as [string, string][]) {
    const switches = offered === c.winner;
    test(`a node on branch ${held} offered branch ${offered} by a peer ${switches ? 'switches to it' : 'keeps its chain'}`, async () => {
      const mine = chainOf(held);
      const theirs = chainOf(offered);
      const dir = tempDir('timenode-fork-');
      dirs.push(dir);
      const store = BlockStore.open(dir, genesis.hash);
      store.append(mine);
      store.close();
      const logLines: string[] = [];
      const node: Node = await startNode({ ip: NODE_IP, keys: testKey(141), genesis, dataDir: dir, logLines });
      const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: PEER_IP });
      const stop = serve(peer, theirs);
      try {
        const tip = blockHash(theirs[theirs.length - 1]!);
        await peer.handshake({ keys: testKey(142), genesis, height: theirs.length, tip });
        const expected = switches ? theirs : mine;
        // A shorter branch is no news (§5: only a greater height, or another tip at ours, is);
        // one as long is fetched and loses on the tie-break.
        const shorter = theirs.length < mine.length;
        const done = (): boolean =>
          node.status().tip === blockHash(expected[expected.length - 1]!).toString('hex') &&
          (switches || shorter || logLines.some((l) => l.includes('kept our chain')));
        await waitFor(`the node on ${switches ? offered : held}`, done, 5000);
        if (shorter) {
          await peer.waitForMessage('ping', () => true, 3000);
          assert.equal(peer.received('get_blocks').length, 0, 'a shorter branch is not even fetched');
        }
        const switchLines = logLines.filter((l) => l.includes('switched chains'));
        if (switches) {
          assert.equal(switchLines.length, 1, logLines.join('\n'));
          assert.match(switchLines[0]!, new RegExp(`old tip ${mine.length} ${blockHash(mine[mine.length - 1]!).toString('hex', 0, 8)}.*new tip ${theirs.length} ${tip.toString('hex', 0, 8)}.*ancestor ${c.ancestor_height}, depth ${mine.length - c.ancestor_height}`));
        } else {
          assert.equal(switchLines.length, 0, logLines.join('\n'));
        }
        for (const block of expected) assert.ok(blockHash(node.store.get(block.height)!).equals(blockHash(block)), `block ${block.height}`);
        assert.equal(node.store.height, expected.length);
        assert.equal(logLines.filter((l) => l.includes('invalid from')).length, 0, 'an honest peer on another branch is not scored');
        assert.ok(!fs.existsSync(path.join(dir, 'blocks.branch')) && !fs.existsSync(path.join(dir, 'blocks.reorg')), 'no staging file left');
      } finally {
        stop();
        peer.destroy();
        await node.stop();
      }
    });
  }
}

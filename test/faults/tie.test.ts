// Fault harness: an equal-height tie (PROTOCOL.md §5 Fork choice). Four relay
// processes, two islands, each island holding its own branch of the same
// height above a common prefix (made before start; no masternode runs, so
// the heights stay put). When the islands are joined, every node follows
// the branch whose first block after the ancestor has the lower hash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockStore } from '../../src/chain/block-store';
import type { Genesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import { signBlock } from '../../src/chain/signing';
import type { Block } from '../../src/chain/types';
import { generateKeyPair, hash, type KeyPair } from '../../src/crypto';
import { producerFor } from '../../src/chain/genesis';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { waitUntil, withNodes } from '../support/processes';
import { brief, Mesh, validChain } from './support/mesh';

const INTERVAL = 1000;
const PREFIX = 5;
const BRANCH = 5;
const producers = [generateKeyPair(), generateKeyPair(), generateKeyPair()];

/** `count` blocks on `base` (or the genesis), the first in slot `firstR`, the rest in their first slot. */
function blocksOn(g: Genesis, base: Block | undefined, count: number, firstR: number, tag: string): Block[] {
  const out: Block[] = [];
  let prev = base ? blockHash(base) : g.hash;
  let time = base ? base.time : g.time;
  const start = base ? base.height + 1 : 1;
  for (let h = start; h < start + count; h++) {
    const r = h === start ? firstR : 0;
    time += (r + 1) * g.interval;
    const due = producerFor(g, h, r);
    const keys = producers.find((k) => k.publicKey.equals(due)) as KeyPair;
    const block = signBlock(keys, { height: h, prev, time, txids: [hash(Buffer.from(`${tag} ${h}`))] });
    out.push(block);
    prev = blockHash(block);
  }
  return out;
}

test('two islands at the same height on different branches converge, once joined, on the branch with the lower first hash', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('timenode-faults-tie-');
  let mesh: Mesh | undefined;
  const chains: Block[][] = [];
  try {
    await withNodes(async (group) => {
      mesh = await Mesh.start(group, dir, {
        tag: 't',
        subnetBase: 20,
        count: 4,
        interval: INTERVAL,
        masternodes: producers,
        genesisTime: Date.now() - (PREFIX + BRANCH + 10) * INTERVAL,
        islands: [[0, 1], [2, 3]],
        prepare: (dataDir, i, g) => {
          if (chains.length === 0) {
            const prefix = blocksOn(g, undefined, PREFIX, 0, 'prefix');
            chains.push([...prefix, ...blocksOn(g, prefix[PREFIX - 1], BRANCH, 0, 'x')]);
            chains.push([...prefix, ...blocksOn(g, prefix[PREFIX - 1], BRANCH, 1, 'y')]);
          }
          const store = BlockStore.open(dataDir, g.hash);
          store.append(chains[i < 2 ? 0 : 1]!);
          store.close();
        },
      });
      const m = mesh;
      const [x, y] = chains as [Block[], Block[]];
      const firstX = blockHash(x[PREFIX]!);
      const firstY = blockHash(y[PREFIX]!);
      const winner = Buffer.compare(firstX, firstY) < 0 ? x : y;
      const winnerTip = blockHash(winner[winner.length - 1]!).toString('hex');
      t.diagnostic(`first blocks after the ancestor: x ${firstX.toString('hex', 0, 8)}, y ${firstY.toString('hex', 0, 8)}: ${winner === x ? 'x' : 'y'} wins`);

      let last: NodeStatus[] = [];
      const poll = async (): Promise<NodeStatus[]> => (last = await m.statuses());
      const describe = (): string => brief(last);
      await waitUntil('each island connected inside', async () => (await poll()).every((s) => s.peers.some((p) => p.state === 'established')) || undefined, { timeoutMs: 15_000, describe });
      const split = await poll();
      assert.ok(split.every((s) => s.height === PREFIX + BRANCH), `equal heights: ${describe()}`);
      assert.equal(new Set(split.map((s) => s.tip)).size, 2, 'two tips while apart');

      const healed = Date.now();
      m.heal();
      await waitUntil(`all on the ${winner === x ? 'x' : 'y'} branch`, async () => (await poll()).every((s) => s.tip === winnerTip) || undefined, { timeoutMs: 20_000, everyMs: 100, describe });
      t.diagnostic(`converged ${Date.now() - healed} ms after the heal: ${describe()}`);
      const losers = winner === x ? [2, 3] : [0, 1];
      for (const i of losers) {
        const lines = m.nodes[i]!.lines(/switched chains/);
        assert.equal(lines.length, 1, `${m.nodes[i]!.name} switched once`);
        assert.match(lines[0]!, new RegExp(`ancestor ${PREFIX}, depth ${BRANCH}`));
      }
      for (const i of [0, 1, 2, 3].filter((k) => !losers.includes(k))) assert.deepEqual(m.nodes[i]!.lines(/switched chains/), [], 'the winners stay');
      for (const n of m.nodes) assert.deepEqual(n.lines(/invalid from|banning/), [], `${n.name} scored no honest peer`);
      await m.close();
      for (let i = 0; i < 4; i++) {
        const stored = validChain(m.dataDir(i), m.genesis);
        assert.equal(stored.length, winner.length);
        stored.forEach((b, k) => assert.ok(blockHash(b).equals(blockHash(winner[k]!)), `node${i + 1} block ${k + 1}`));
      }
    });
  } finally {
    await mesh?.close();
    removeDir(dir);
  }
});

// Fault harness: a partition and its heal (PROTOCOL.md §5 Fork choice).
// 4 masternode processes, each in its own network namespace, every link
// through a proxy of the test. A tx is finalized by all 4 (q = 3, so
// neither half can finalize alone); the links between {1,2} and {3,4} are
// cut; both halves make blocks on their own branch; the links come back.
// Within 30 s every node follows one chain above the heal height, the
// losing half logs its switch, every tx final before stays final, and a new
// tx finalizes everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import { generateKeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { short, waitUntil, withNodes } from '../support/processes';
import { brief, Mesh, validChain } from './support/mesh';

const INTERVAL = 1000;
/** Blocks each half must make on its own before the heal. */
const SPLIT_BLOCKS = 6;
const CONVERGE_MS = 30_000;

function payment(): { tx: ReturnType<typeof signTx>; id: string } {
  const tx = signTx(generateKeyPair(), { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 5n }], time: Date.now() });
  return { tx, id: short(txId(tx)) };
}

test('4 masternodes split 2+2 both make blocks; healed, all follow one chain within 30 s and no final tx is lost', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('timenode-faults-partition-');
  let mesh: Mesh | undefined;
  try {
    await withNodes(async (group) => {
      mesh = await Mesh.start(group, dir, { tag: 'p', subnetBase: 10, count: 4, interval: INTERVAL });
      const m = mesh;
      let last: NodeStatus[] = [];
      const poll = async (): Promise<NodeStatus[]> => (last = await m.statuses());
      const describe = (): string => brief(last);
      await waitUntil('a full mesh making blocks', async () => (await poll()).every((s) => s.peers.filter((p) => p.state === 'established').length === 3 && s.height >= 2) || undefined, { timeoutMs: 20_000, describe });

      const before = payment();
      m.nodes[0]!.submit(before.tx);
      await waitUntil(`tx ${before.id} final on all 4`, () => m.nodes.every((n) => n.log.includes(`tx ${before.id} finalized`)) || undefined, { timeoutMs: 10_000, describe });

      const splitAt = Math.max(...(await poll()).map((s) => s.height));
      m.partition([[0, 1], [2, 3]]);
      await waitUntil(
        `both halves ${SPLIT_BLOCKS} blocks past ${splitAt} on different tips`,
        async () => {
          const s = await poll();
          return (s.every((x) => x.height >= splitAt + SPLIT_BLOCKS) && s[0]!.tip === s[1]!.tip && s[2]!.tip === s[3]!.tip && s[0]!.tip !== s[2]!.tip) || undefined;
        },
        { timeoutMs: 30_000, describe },
      );
      t.diagnostic(`split at ${splitAt}: ${describe()}`);

      const healAt = Math.max(...(await poll()).map((s) => s.height));
      const healed = Date.now();
      m.heal();
      const agreed = await waitUntil(
        `one chain above ${healAt} on all 4`,
        async () => {
          const s = await poll();
          return (s.every((x) => x.tip === s[0]!.tip && x.height > healAt) && s) || undefined;
        },
        { timeoutMs: CONVERGE_MS, everyMs: 100, describe },
      );
      const convergeMs = Date.now() - healed;
      t.diagnostic(`converged ${convergeMs} ms after the heal at height ${agreed[0]!.height}: ${brief(agreed)}`);
      assert.ok(convergeMs < CONVERGE_MS);

      const switched = m.nodes.filter((n) => n.lines(/switched chains: old tip/).length > 0);
      assert.ok(switched.length >= 2, `the losing half logged its switch (${switched.map((n) => n.name).join(', ')})`);
      for (const line of switched.flatMap((n) => n.lines(/switched chains/))) assert.match(line, /old tip \d+ [0-9a-f]+, new tip \d+ [0-9a-f]+, ancestor \d+, depth \d+/);
      for (const n of m.nodes) assert.deepEqual(n.lines(/invalid from|banning/), [], `${n.name} scored no honest peer`);

      // Finality comes from votes, never from blocks: nothing final was undone, and the network still finalizes.
      for (const s of agreed) assert.ok(s.finalized >= 1, `finalized count kept: ${brief(agreed)}`);
      const after = payment();
      m.nodes[3]!.submit(after.tx);
      await waitUntil(`tx ${after.id} final on all 4 after the heal`, () => m.nodes.every((n) => n.log.includes(`tx ${after.id} finalized`)) || undefined, { timeoutMs: 15_000, describe });
      for (const n of m.nodes) assert.equal(n.lines(/finalized/).filter((l) => l.includes(`tx ${before.id}`)).length, 1, `${n.name} finalized ${before.id} once`);

      // Every store is a valid chain from the genesis, and they agree below the common tip.
      await m.close();
      const chains = m.nodes.map((_, i) => validChain(m.dataDir(i), m.genesis));
      const common = Math.min(...chains.map((c) => c.length));
      assert.ok(common > healAt);
      for (const c of chains) assert.ok(c[common - 1]!.sig.equals(chains[0]![common - 1]!.sig), 'the same block at the common height');
    });
  } finally {
    await mesh?.close();
    removeDir(dir);
  }
});

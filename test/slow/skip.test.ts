// A missing producer is skipped (PROTOCOL.md §5 Blocks: producer =
// S[(h + r) mod n], so after one interval the next key may produce): with
// only 2 of the 3 masternodes running, on 127.0.6.x, the chain keeps growing
// and the absent key never appears as a producer.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { genesisParent, ParentRef, validateBlock } from '../../src/chain/block-rules';
import { skipCount } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import { generateKeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { peersOf, portFreeOn, readBlocks, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IPS = ['127.0.6.1', '127.0.6.2'] as const;
const INTERVAL = 500;
const TARGET_HEIGHT = 6;

test('with 1 of 3 masternodes down, the other 2 keep producing past height 5 within 30 s and the absent key never produces a stored block', async () => {
  const dir = tempDir('timenode-slow-skip-');
  const dataDirs = IPS.map((_, i) => join(dir, `node${i + 1}`));
  try {
    await withNodes(async (group) => {
      const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      const absent = keys[2]!.publicKey.toString('hex');
      keys.slice(0, 2).forEach((k, i) => writeKeyFile(dataDirs[i] as string, k));
      const { file, genesis } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() + 1000 });
      const port = await portFreeOn(IPS);
      const nodes = IPS.map((ip, i) =>
        group.spawn({ name: `node${i + 1}`, ip, port, dataDir: dataDirs[i] as string, genesisFile: file, peers: i === 0 ? [] : [`${IPS[0]}:${port}`], profile: 'devnet' }),
      );
      let last: NodeStatus[] = [];
      const brief = (): string => last.map((s, i) => `node${i + 1}: height ${s.height} tip ${s.tip.slice(0, 12)} peers ${s.peers.length}`).join('; ');
      const started = Date.now();
      await waitUntil(
        `both nodes past height ${TARGET_HEIGHT - 1} on one tip`,
        async () => {
          last = await Promise.all(nodes.map((n) => n.status()));
          const [a, b] = last as [NodeStatus, NodeStatus];
          return (a.height >= TARGET_HEIGHT && a.height === b.height && a.tip === b.tip && peersOf(a).size === 1) || undefined;
        },
        { timeoutMs: 30_000, everyMs: 100, describe: brief },
      );
      process.stdout.write(`height ${last[0]?.height} after ${Date.now() - started} ms at a ${INTERVAL} ms interval with 2 of 3 producers\n`);

      await group.close();
      for (const n of nodes) assert.deepEqual(n.exit, { code: 0, signal: null }, `${n.name} did not stop cleanly`);
      const chains = dataDirs.map((d) => readBlocks(d));
      const [one, two] = chains as [ReturnType<typeof readBlocks>, ReturnType<typeof readBlocks>];
      const common = Math.min(one.length, two.length);
      assert.ok(common >= TARGET_HEIGHT, `stores hold ${one.length} and ${two.length} blocks`);
      for (let i = 0; i < common; i++) {
        assert.ok(blockHash(one[i]!).equals(blockHash(two[i]!)), `the two nodes stored different blocks at height ${i + 1}`);
      }

      let parent: ParentRef = genesisParent(genesis);
      let skips = 0;
      const producers = new Map<string, number>();
      for (const block of one) {
        const producer = block.producer.toString('hex');
        assert.notEqual(producer, absent, `block ${block.height} names the absent masternode as its producer`);
        // Every stored block follows the rules from its parent, skip count included.
        const verdict = validateBlock(block, parent, genesis, Date.now());
        assert.ok(verdict.ok, `stored block ${block.height} breaks a rule: ${verdict.ok ? '' : verdict.reason}`);
        if (skipCount(parent.time, block.time, INTERVAL) > 0) skips++;
        producers.set(producer, (producers.get(producer) ?? 0) + 1);
        parent = { height: block.height, hash: verdict.hash, time: block.time };
      }
      // With S sorted, every third turn is the absent key's: a chain this long must have skipped it.
      assert.ok(skips >= 1, `no block in ${one.length} was produced after a skipped turn`);
      assert.equal(producers.size, 2, `producers seen: ${JSON.stringify([...producers])}`);
    });
  } finally {
    removeDir(dir);
  }
});

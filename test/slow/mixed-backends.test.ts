// Interop of the two hot-path backends: a devnet where one node runs every
// fallback (TIMENODE_NATIVE=0) and the others native handshakes, relays,
// makes blocks and finalizes txs together over encrypted links — the bytes
// on the wire do not depend on which backend made them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import { generateKeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { peersOf, portFreeOn, readBlocks, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IPS = ['127.0.17.1', '127.0.17.2', '127.0.17.3'] as const;

test('a devnet with one node on fallbacks and two native connects, makes blocks on one chain and finalizes a tx on every node', async () => {
  const dir = tempDir('timenode-slow-mixed-');
  const dataDirs = IPS.map((_, i) => join(dir, `node${i + 1}`));
  try {
    await withNodes(async (group) => {
      const keys = IPS.map(() => generateKeyPair());
      keys.forEach((k, i) => writeKeyFile(dataDirs[i] as string, k));
      const { file } = writeGenesis(dir, keys, { interval: 1000, time: Date.now() + 1000 });
      const port = await portFreeOn(IPS);
      const nodes = IPS.map((ip, i) =>
        group.spawn({
          name: `node${i + 1}`,
          ip,
          port,
          dataDir: dataDirs[i] as string,
          genesisFile: file,
          peers: i === 0 ? [] : [`${IPS[0]}:${port}`],
          backends: i === 1 ? 'fallback' : 'native',
        }),
      );
      let last: NodeStatus[] = [];
      const statuses = async (): Promise<NodeStatus[]> => (last = await Promise.all(nodes.map((n) => n.status())));
      await waitUntil('every node connected to the two others', async () => (await statuses()).every((s) => peersOf(s).size === 2) || undefined, {
        timeoutMs: 20_000,
        describe: () => JSON.stringify(last.map((s) => s.peers.map((p) => p.ip))),
      });
      const [native, fallback] = [last[0] as NodeStatus, last[1] as NodeStatus];
      assert.ok(fallback.backends.every((b) => b.kind === 'fallback'), `node2 should run every fallback: ${JSON.stringify(fallback.backends)}`);
      assert.ok(native.backends.some((b) => b.kind === 'native'), `node1 should run native paths: ${JSON.stringify(native.backends)}`);
      // §8 across backends: sodium-native's crypto_kx and ChaCha20-Poly1305 talk to node:crypto's.
      assert.equal(fallback.backends.find((b) => b.path === 'aead')?.impl, 'node:crypto', 'node2 seals with node:crypto');
      assert.equal(native.backends.find((b) => b.path === 'aead')?.impl, 'sodium-native', 'node1 seals with sodium-native');
      for (const [i, s] of last.entries()) assert.ok(s.peers.every((p) => p.encrypted), `node${i + 1} has a link in clear: ${JSON.stringify(s.peers.map((p) => [p.ip, p.encrypted]))}`);

      const wallet = generateKeyPair();
      const tx = signTx(wallet, { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 5n }], time: Date.now() });
      (nodes[1] ?? assert.fail()).submit(tx);
      await waitUntil('the tx submitted to the fallback node is final on all three and heights pass 3', async () => {
        const s = await statuses();
        return (s.every((x) => x.finalized >= 1 && x.height >= 3) && s) || undefined;
      }, { timeoutMs: 30_000, describe: () => JSON.stringify(last.map((s) => ({ h: s.height, f: s.finalized }))) });
      const heights = last.map((s) => s.height);
      assert.ok(Math.max(...heights) - Math.min(...heights) <= 1, `heights diverged: ${heights.join(', ')}`);
      await group.close();
      const id = txId(tx).toString('hex');
      for (const d of dataDirs) {
        const blocks = readBlocks(d);
        assert.ok(blocks.some((b) => b.txids.some((t) => t.toString('hex') === id)), `the tx is in no block stored in ${d}`);
      }
      const chains = dataDirs.map((d) => readBlocks(d).slice(0, 3).map((b) => b.sig.toString('hex')).join());
      assert.equal(new Set(chains).size, 1, 'the first three blocks differ between nodes');
    });
  } finally {
    removeDir(dir);
  }
});

// SIGTERM in the middle of a block sync (as systemd stops a unit): the node
// logs "stopped" and exits 0 within seconds, its block store opens again with
// no repair at or above the height it last reported, every stored block is
// the peer's, and the restarted node finishes the sync.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockStore } from '../../src/chain/block-store';
import { blockHash } from '../../src/chain/layouts';
import type { Block } from '../../src/chain/types';
import { generateKeyPair, KeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { makeChain, portFreeOn, readBlocks, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IP_A = '127.15.3.1';
const IP_B = '127.15.3.2';
const INTERVAL = 100;
const CHAIN = 10_000;
/** What "within a few seconds" means for a unit's stop (systemd waits 90 s before SIGKILL). */
const STOP_WITHIN_MS = 5000;

test('SIGTERM during sync: "stopped", exit 0 within seconds, no stored block lost or damaged, and the sync resumes', async () => {
  const dir = tempDir('timenode-sigterm-');
  try {
    const keys: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    writeKeyFile(join(dir, 'a'), keys[0]!);
    writeKeyFile(join(dir, 'b'), generateKeyPair());
    const { file, genesis } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() - (CHAIN + 5) * INTERVAL });
    makeChain(join(dir, 'a'), genesis, keys, CHAIN);
    const port = await portFreeOn([IP_A, IP_B]);
    await withNodes(async (group) => {
      group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file });
      const spawnB = (name: string) => group.spawn({ name, ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      const b = spawnB('B');
      let reported = 0;
      let sb: NodeStatus | undefined;
      await waitUntil('B part-way through the sync', async () => {
        sb = await b.status();
        reported = Math.max(reported, sb.height);
        if (sb.height >= CHAIN) throw new Error('B finished before the signal: raise CHAIN');
        return sb.height >= CHAIN * 0.1 || undefined;
      }, { timeoutMs: 60_000, everyMs: 20, describe: () => `B at ${sb?.height}` });

      const t0 = Date.now();
      const exit = await b.stop(30_000);
      const stopMs = Date.now() - t0;
      reported = Math.max(reported, b.latest?.height ?? 0);
      process.stdout.write(`SIGTERM at height ${reported} of ${CHAIN}: exited in ${stopMs} ms\n`);
      assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM ends in exit 0');
      assert.ok(stopMs < STOP_WITHIN_MS, `stop took ${stopMs} ms`);
      assert.equal(b.lines(/\[node\] SIGTERM: stopping$/).length, 1, b.log);
      assert.equal(b.lines(/\[node\] stopped$/).length, 1, 'logs "stopped"');
      assert.ok(statSync(join(dir, 'b', 'peers.json')).isFile(), 'the address book was flushed');

      const store = BlockStore.open(join(dir, 'b'), genesis.hash);
      const report = store.openReport;
      store.close();
      assert.equal(report.truncatedBytes, 0, `the store needed repair after SIGTERM: ${JSON.stringify(report)}`);
      assert.ok(report.height >= reported, `B's store holds ${report.height} blocks, below the ${reported} it reported`);
      const id = (blk: Block | undefined): string => (blk === undefined ? 'none' : `${blk.height}:${blockHash(blk).toString('hex')}`);
      const a = readBlocks(join(dir, 'a'));
      const stored = readBlocks(join(dir, 'b'));
      for (let i = 0; i < stored.length; i++) if (id(a[i]) !== id(stored[i])) assert.fail(`block ${i + 1} differs: ${id(a[i])} vs ${id(stored[i])}`);

      const b2 = spawnB('B (restarted)');
      assert.ok((await b2.status()).height >= report.height);
      await waitUntil('the restarted B at A\'s height', async () => (await b2.status()).height >= CHAIN, { timeoutMs: 90_000, everyMs: 100 });
    });
  } finally {
    removeDir(dir);
  }
});

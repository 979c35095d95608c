// Block sync between real processes on 127.0.4.x: a node at height 0 fetches
// a long pre-made chain from its peer (PROTOCOL.md §5 Sync), and a sync cut
// by kill -9 resumes from what was stored, losing nothing.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockStore } from '../../src/chain/block-store';
import type { Genesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import type { Block } from '../../src/chain/types';
import { generateKeyPair, KeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { makeChain, NodeGroup, NodeProcess, portFreeOn, readBlocks, sleep, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IP_A = '127.0.4.1';
const IP_B = '127.0.4.2';
/** The protocol minimum: the pre-made chain then spans the least wall-clock time. */
const INTERVAL = 100;

interface Setup {
  dir: string;
  port: number;
  genesisFile: string;
  genesis: Genesis;
  /** The pre-made chain's height. */
  height: number;
}

/** A's data dir holds `count` valid blocks; A holds one of the 3 masternode keys, B none (it must not produce while behind). */
async function prepare(count: number): Promise<Setup> {
  const dir = tempDir('timenode-slow-sync-');
  const keys: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  writeKeyFile(join(dir, 'a'), keys[0] as KeyPair);
  writeKeyFile(join(dir, 'b'), generateKeyPair());
  const { file, genesis } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() - (count + 5) * INTERVAL });
  const made = Date.now();
  const { height } = makeChain(join(dir, 'a'), genesis, keys, count);
  process.stdout.write(`made a chain of ${height} blocks in ${Date.now() - made} ms\n`);
  return { dir, port: await portFreeOn([IP_A, IP_B]), genesisFile: file, genesis, height };
}

function spawnA(group: NodeGroup, s: Setup): NodeProcess {
  return group.spawn({ name: 'A', ip: IP_A, port: s.port, dataDir: join(s.dir, 'a'), genesisFile: s.genesisFile, profile: 'devnet' });
}

function spawnB(group: NodeGroup, s: Setup, name = 'B'): NodeProcess {
  return group.spawn({ name, ip: IP_B, port: s.port, dataDir: join(s.dir, 'b'), genesisFile: s.genesisFile, peers: [`${IP_A}:${s.port}`], profile: 'devnet' });
}

function brief(s: NodeStatus | undefined): string {
  return s === undefined ? '-' : `height ${s.height} tip ${s.tip.slice(0, 12)} syncTarget ${s.syncTarget} peers [${s.peers.map((p) => `${p.ip} h${p.height}`).join(', ')}]`;
}

/** B reaches A's height with A's tip (A keeps producing, so both are asked afresh each round). */
async function waitSynced(a: NodeProcess, b: NodeProcess, minHeight: number, timeoutMs: number): Promise<NodeStatus> {
  let sa: NodeStatus | undefined;
  let sb: NodeStatus | undefined;
  return waitUntil(
    `B at A's height (≥ ${minHeight}) with A's tip`,
    async () => {
      [sa, sb] = await Promise.all([a.status(), b.status()]);
      return sb.height >= minHeight && sb.height === sa.height && sb.tip === sa.tip ? sb : undefined;
    },
    { timeoutMs, everyMs: 50, describe: () => `A: ${brief(sa)}; B: ${brief(sb)}` },
  );
}

/** Every block B stores is A's block at that height; returns how many were compared. */
function assertSamePrefix(s: Setup): number {
  // Both nodes are stopped: opening the stores is safe, and B's must open without repairs after a clean stop.
  const storeB = BlockStore.open(join(s.dir, 'b'), s.genesis.hash);
  const report = storeB.openReport;
  storeB.close();
  assert.equal(report.truncatedBytes, 0, `B's store needed repair after a clean stop: ${JSON.stringify(report)}`);
  const a = readBlocks(join(s.dir, 'a'));
  const b = readBlocks(join(s.dir, 'b'));
  assert.equal(b.length, report.height, 'read-only scan and BlockStore.open disagree on B\'s height');
  assert.ok(b.length <= a.length, `B stores ${b.length} blocks, more than A's ${a.length}`);
  const id = (blk: Block | undefined): string => (blk === undefined ? 'none' : `${blk.height}:${blockHash(blk).toString('hex')}:${blk.sig.toString('hex')}`);
  for (let i = 0; i < b.length; i++) {
    if (id(a[i]) !== id(b[i])) assert.fail(`block ${i + 1} differs: A has ${id(a[i])}, B has ${id(b[i])}`);
  }
  return b.length;
}

test('a node at height 0 syncs a 2000-block chain from its one peer and stores exactly that chain (prints blocks/s)', async () => {
  const s = await prepare(2000);
  try {
    await withNodes(async (group) => {
      const a = spawnA(group, s);
      const first = await a.status();
      assert.equal(first.height, s.height, 'A opened its pre-made store at the wrong height');

      const b = spawnB(group, s);
      // The clock starts when B's log says the connection to A is established (B at height 0; process
      // start-up not counted) and stops at the first status that shows B at the pre-made height.
      let sb: NodeStatus | undefined;
      await waitUntil('B at the pre-made height', async () => {
        sb = await b.status();
        return sb.height >= s.height || undefined;
      }, { timeoutMs: 60_000, everyMs: 20, describe: () => brief(sb) });
      const t1 = Date.now();
      const established = b.lines(/established outbound/)[0] ?? '';
      const t0 = Date.parse(established.split(' ')[0] ?? '');
      assert.ok(Number.isFinite(t0) && t0 <= t1, `B's log has no "established outbound" line before it synced:\n${b.log}`);
      const ms = t1 - t0;
      process.stdout.write(`sync speed: ${s.height} blocks in ${ms} ms = ${Math.round((s.height * 1000) / Math.max(1, ms))} blocks/s\n`);

      await waitSynced(a, b, s.height, 20_000);
      // B first, so every block it has is one A also has on disk.
      assert.deepEqual(await b.stop(), { code: 0, signal: null }, 'B did not stop cleanly');
      assert.deepEqual(await a.stop(), { code: 0, signal: null }, 'A did not stop cleanly');
      const compared = assertSamePrefix(s);
      assert.ok(compared >= s.height, `B stored only ${compared} of ${s.height} blocks`);
    });
  } finally {
    removeDir(s.dir);
  }
});

test('kill -9 in the middle of a 20000-block sync loses nothing: the restarted node resumes at or above the last height it reported and ends with A\'s chain', async () => {
  const s = await prepare(20_000);
  try {
    await withNodes(async (group) => {
      const a = spawnA(group, s);
      assert.equal((await a.status()).height, s.height);

      const b = spawnB(group, s, 'B (first run)');
      const low = Math.ceil(s.height * 0.1);
      const high = Math.floor(s.height * 0.8);
      let reported = 0;
      let sb: NodeStatus | undefined;
      const t0 = Date.now();
      await waitUntil(
        `B between ${low} and ${high}`,
        async () => {
          sb = await b.status();
          reported = Math.max(reported, sb.height);
          if (sb.height > high) throw new Error(`B overshot to ${sb.height} before a poll saw it in range: raise the chain length`);
          return sb.height >= low || undefined;
        },
        { timeoutMs: 60_000, everyMs: 50, describe: () => brief(sb) },
      );
      // Then a random moment more, so that across runs the kill lands at any point of a batch
      // (receiving, validating, appending), not only just after B reported a whole one.
      // At most 300 ms: sync runs at 10–15k blocks/s here, and a whole second could carry B past 80 %.
      const extraMs = Math.floor(Math.random() * 300);
      const killAt = Date.now() + extraMs;
      while (Date.now() < killAt) {
        sb = await b.status();
        reported = Math.max(reported, sb.height);
        await sleep(Math.min(50, Math.max(0, killAt - Date.now())));
      }
      await b.kill9();
      // Reports that were in flight when it died count too: each one promised the height was stored.
      reported = Math.max(reported, b.latest?.height ?? 0);
      const killedAfter = Date.now() - t0;
      process.stdout.write(`killed B at reported height ${reported} of ${s.height}, ${killedAfter} ms after it started (${extraMs} ms after it passed ${low})\n`);
      assert.ok(reported <= high, `B reported ${reported} before the kill, past 80 % (${high}): the kill did not land mid-sync`);

      const b2 = spawnB(group, s, 'B (restarted)');
      // The first report comes before any peer is connected: it is the height the store opened at.
      const reopened = await b2.status();
      assert.ok(reopened.height >= reported, `B restarted at height ${reopened.height}, below the ${reported} it reported before kill -9`);
      const repaired = b2.lines(/block store: dropped/);
      process.stdout.write(`B reopened at height ${reopened.height}${repaired.length > 0 ? ` after repair: ${repaired.join(' | ')}` : ' (no repair needed)'}\n`);

      const t1 = Date.now();
      await waitSynced(a, b2, s.height, 90_000);
      const ms = Date.now() - t1;
      const rate = Math.round(((s.height - reopened.height) * 1000) / Math.max(1, ms));
      process.stdout.write(`resumed sync: ${s.height - reopened.height} blocks in ${ms} ms = ${rate} blocks/s (incl. restart)\n`);

      assert.deepEqual(await b2.stop(), { code: 0, signal: null }, 'restarted B did not stop cleanly');
      assert.deepEqual(await a.stop(), { code: 0, signal: null }, 'A did not stop cleanly');
      const compared = assertSamePrefix(s);
      assert.ok(compared >= s.height, `B stored only ${compared} of ${s.height} blocks`);
    });
  } finally {
    removeDir(s.dir);
  }
});

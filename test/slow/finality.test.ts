// Finality among 3 masternode processes on 127.0.5.x (PROTOCOL.md §5 "Votes
// and finality"): a tx submitted to one node is finalized and put in a block
// on all three; two txs spending one input, submitted to two nodes at once,
// never both become final, and all nodes agree on which one (if any) did.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import type { Tx } from '../../src/chain/types';
import { generateKeyPair, KeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { NodeProcess, peersOf, portFreeOn, readBlocks, short, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IPS = ['127.0.5.1', '127.0.5.2', '127.0.5.3'] as const;
const INTERVAL = 1000;
/** Double-spend pairs submitted at once. */
const PAIRS = 6;

function spend(wallet: KeyPair, input: { txid: Buffer; index: number }, to: Buffer): Tx {
  return signTx(wallet, { inputs: [input], outputs: [{ to, amount: 1000n }], time: Date.now() });
}

function brief(all: (NodeStatus | undefined)[]): string {
  return all
    .map((s, i) => (s === undefined ? `node${i + 1}: -` : `node${i + 1}: height ${s.height} finalized ${s.finalized} pool ${s.txPool} peers ${s.peers.length} votes in ${s.handled.vote ?? 0}`))
    .join('; ');
}

/** Txids (hex) of every block a node has stored so far. */
function txidsInBlocks(dataDir: string): Set<string> {
  const out = new Set<string>();
  for (const block of readBlocks(dataDir)) for (const t of block.txids) out.add(t.toString('hex'));
  return out;
}

/** Which of `txs` a node's log says it saw finalized ("tx <16 hex> finalized"). */
function finalizedInLog(node: NodeProcess, txids: Buffer[]): string[] {
  return txids.map((t) => short(t)).filter((s) => node.log.includes(`tx ${s} finalized`));
}

test('3 masternode processes: one tx is finalized on all three and lands in a block on each; a double spend sent to two nodes at once is final at most once, the same everywhere', async () => {
  const dir = tempDir('timenode-slow-finality-');
  const dataDirs = IPS.map((_, i) => join(dir, `node${i + 1}`));
  try {
    await withNodes(async (group) => {
      const keys = IPS.map(() => generateKeyPair());
      keys.forEach((k, i) => writeKeyFile(dataDirs[i] as string, k));
      const { file } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() + 1500 });
      const port = await portFreeOn(IPS);
      const nodes = IPS.map((ip, i) =>
        group.spawn({ name: `node${i + 1}`, ip, port, dataDir: dataDirs[i] as string, genesisFile: file, peers: i === 0 ? [] : [`${IPS[0]}:${port}`], profile: 'devnet' }),
      );
      let last: NodeStatus[] = [];
      const statuses = async (): Promise<NodeStatus[]> => (last = await Promise.all(nodes.map((n) => n.status())));
      await waitUntil('every node connected to the two others', async () => (await statuses()).every((s) => peersOf(s).size === 2) || undefined, {
        timeoutMs: 20_000,
        describe: () => brief(last),
      });
      const quorum = Math.floor((2 * keys.length) / 3) + 1;
      assert.equal(quorum, 3, 'with 3 masternodes every one must accept');

      // ---- one tx, submitted to node 1 ----
      const wallet = generateKeyPair();
      const tx = spend(wallet, { txid: randomBytes(32), index: 0 }, randomBytes(32));
      const txid = txId(tx);
      (nodes[0] as NodeProcess).submit(tx);
      await waitUntil('finalized ≥ 1 on all three', async () => (await statuses()).every((s) => s.finalized >= 1) || undefined, {
        timeoutMs: 15_000,
        everyMs: 100,
        describe: () => brief(last),
      });
      assert.deepEqual(last.map((s) => s.finalized), [1, 1, 1], `finalized counts after one tx: ${brief(last)}`);
      nodes.forEach((n) => assert.deepEqual(finalizedInLog(n, [txid]), [short(txid)], `${n.name}'s log does not say tx ${short(txid)} finalized`));
      await waitUntil(`tx ${short(txid)} in a stored block on all three`, () => dataDirs.every((d) => txidsInBlocks(d).has(txid.toString('hex'))) || undefined, {
        timeoutMs: 10 * INTERVAL,
        everyMs: 200,
        describe: () => dataDirs.map((d, i) => `node${i + 1}: ${readBlocks(d).length} blocks`).join(', '),
      });

      // ---- double spend: same wallet, same input, to node 1 and node 3 at the same moment ----
      // Several pairs at once, in alternating order, so that both outcomes get their chance: one node
      // seeing the other's tx first (one final), or each seeing its own first (votes split, none final).
      const before = await statuses();
      const pairs = Array.from({ length: PAIRS }, (_, k) => {
        const input = { txid: randomBytes(32), index: k };
        const pair = [spend(wallet, input, randomBytes(32)), spend(wallet, input, randomBytes(32))] as const;
        return { a: pair[0], b: pair[1], ids: [txId(pair[0]), txId(pair[1])] };
      });
      for (const [k, p] of pairs.entries()) {
        assert.ok(!p.ids[0]!.equals(p.ids[1]!), 'the two spends of a pair must be different txs');
        if (k % 2 === 0) {
          (nodes[0] as NodeProcess).submit(p.a);
          (nodes[2] as NodeProcess).submit(p.b);
        } else {
          (nodes[2] as NodeProcess).submit(p.b);
          (nodes[0] as NodeProcess).submit(p.a);
        }
      }

      // Settled: every pair has shown up on every node (one final, or both pooled), and nothing has
      // changed for 3 intervals, time for a late (wrong) finalization to show.
      let signature = '';
      let stableSince = Date.now();
      await waitUntil(
        'finalized counts and pools to settle',
        async () => {
          const now = await statuses();
          const sig = now.map((x) => `${x.finalized}/${x.txPool}`).join(' ');
          if (sig !== signature) {
            signature = sig;
            stableSince = Date.now();
          }
          const allSeen = now.every((x, i) => x.finalized - before[i]!.finalized + (x.txPool - before[i]!.txPool) >= PAIRS);
          return (allSeen && Date.now() - stableSince >= 3 * INTERVAL) || undefined;
        },
        { timeoutMs: 30_000, everyMs: 250, describe: () => brief(last) },
      );
      const after = last;

      const winners: (string | undefined)[] = [];
      for (const [k, p] of pairs.entries()) {
        const byLog = nodes.map((n) => finalizedInLog(n, p.ids));
        const what = `pair ${k} (A ${short(p.ids[0]!)}, B ${short(p.ids[1]!)})`;
        byLog.forEach((f, i) => assert.ok(f.length <= 1, `${what}: node${i + 1} logged both conflicting txs as final: ${f.join(', ')}`));
        assert.deepEqual(byLog[1], byLog[0], `${what}: node1 and node2 disagree on which is final: ${JSON.stringify(byLog)}`);
        assert.deepEqual(byLog[2], byLog[0], `${what}: node1 and node3 disagree on which is final: ${JSON.stringify(byLog)}`);
        winners.push(byLog[0]![0]);
      }
      const finalCount = winners.filter((w) => w !== undefined).length;
      after.forEach((x, i) =>
        assert.equal(x.finalized - before[i]!.finalized, finalCount, `node${i + 1}'s finalized count grew by ${x.finalized - before[i]!.finalized}, its log names ${finalCount} final txs of the pairs: ${brief(after)}`),
      );
      process.stdout.write(`double spends: ${winners.map((w, k) => `pair ${k}: ${w === undefined ? 'neither final' : w === short(pairs[k]!.ids[0]!) ? 'A final' : 'B final'}`).join('; ')}\n`);

      // A final tx goes into a block, on every node's chain.
      const finalIds = pairs.flatMap((p) => p.ids).filter((t) => winners.includes(short(t)));
      await waitUntil('the final spends in stored blocks on all three', () => dataDirs.every((d) => finalIds.every((t) => txidsInBlocks(d).has(t.toString('hex')))) || undefined, {
        timeoutMs: 10 * INTERVAL,
        everyMs: 200,
        describe: () => dataDirs.map((d, i) => `node${i + 1}: ${readBlocks(d).length} blocks, missing ${finalIds.filter((t) => !txidsInBlocks(d).has(t.toString('hex'))).map(short).join(' ') || 'none'}`).join('; '),
      });

      await group.close();
      for (const n of nodes) assert.deepEqual(n.exit, { code: 0, signal: null }, `${n.name} did not stop cleanly`);
      for (const [i, d] of dataDirs.entries()) {
        const inBlocks = txidsInBlocks(d);
        assert.ok(inBlocks.has(txid.toString('hex')), `node${i + 1} lost the first tx from its blocks`);
        for (const [k, p] of pairs.entries()) {
          const stored = p.ids.filter((t) => inBlocks.has(t.toString('hex'))).map(short);
          assert.ok(stored.length <= 1, `pair ${k}: node${i + 1} stored both conflicting txs in blocks: ${stored.join(', ')}`);
          assert.deepEqual(stored, winners[k] === undefined ? [] : [winners[k]], `pair ${k}: node${i + 1}'s blocks hold ${JSON.stringify(stored)}, the logs say ${winners[k] ?? 'neither'} is final`);
        }
      }
    });
  } finally {
    removeDir(dir);
  }
});

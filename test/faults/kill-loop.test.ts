// Fault harness: kill -9 in a loop. Four masternode processes make blocks
// and finalize txs while node 1 is killed with SIGKILL and started again
// every few seconds for a minute. Each time it comes back it holds at least
// every block it had reported (the store fsyncs before the height is
// advertised), and after the last restart it converges on the others'
// chain; every store is then a valid chain from the genesis, the same one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import { generateKeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { short, sleep, waitUntil, withNodes } from '../support/processes';
import { brief, Mesh, validChain } from './support/mesh';

const INTERVAL = 1000;
const LOOP_MS = 60_000;

test('node 1 killed with SIGKILL and restarted every few seconds for a minute: no block lost or corrupt, and it converges', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('timenode-faults-kill-');
  let mesh: Mesh | undefined;
  try {
    await withNodes(async (group) => {
      mesh = await Mesh.start(group, dir, { tag: 'k', subnetBase: 40, count: 4, interval: INTERVAL });
      const m = mesh;
      let last: NodeStatus[] = [];
      const describe = (): string => brief(last);
      await waitUntil('a full mesh making blocks', async () => (last = await m.statuses()).every((s) => s.peers.filter((p) => p.state === 'established').length === 3 && s.height >= 2) || undefined, { timeoutMs: 20_000, describe });

      const txs: string[] = [];
      const started = Date.now();
      let rounds = 0;
      let torn = 0;
      while (Date.now() - started < LOOP_MS) {
        const victim = m.nodes[0]!;
        // What it has reported is stored: the height it comes back at may only be higher.
        const reported = (await victim.status()).height;
        const tx = signTx(generateKeyPair(), { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 1n }], time: Date.now() });
        txs.push(short(txId(tx)));
        m.nodes[1 + (rounds % 3)]!.submit(tx);
        await sleep(500 + Math.floor(Math.random() * 2500));
        const exit = await victim.kill9();
        assert.equal(exit.signal, 'SIGKILL');
        await sleep(200 + Math.floor(Math.random() * 800));
        const back = m.spawn(0);
        const line = await waitUntil('node 1 listening again', () => back.lines(/listening on/)[0], { timeoutMs: 10_000, everyMs: 50 });
        const openedAt = Number(/height=(\d+)/.exec(line)?.[1]);
        assert.ok(openedAt >= reported, `round ${rounds + 1}: node 1 reopened at ${openedAt}, below the ${reported} it had reported`);
        if (back.lines(/block store: dropped/).length > 0) torn++;
        rounds++;
      }
      const converged = Date.now();
      const agreed = await waitUntil(
        'node 1 on the chain of the others',
        async () => {
          const s = (last = await m.statuses());
          return (s.every((x) => x.tip === s[1]!.tip) && s) || undefined;
        },
        { timeoutMs: 20_000, everyMs: 100, describe },
      );
      t.diagnostic(`${rounds} kills in ${LOOP_MS / 1000} s (${torn} opens dropped a torn tail); converged ${Date.now() - converged} ms after the last restart: ${brief(agreed)}`);
      assert.ok(rounds >= 10, `${rounds} rounds`);
      await waitUntil('every tx final on the three that stayed', () => m.nodes.slice(1).every((n) => txs.every((id) => n.log.includes(`tx ${id} finalized`))) || undefined, { timeoutMs: 20_000 });

      await m.close();
      const chains = m.nodes.map((_, i) => validChain(m.dataDir(i), m.genesis));
      const common = Math.min(...chains.map((c) => c.length));
      assert.ok(common >= agreed[0]!.height - 1, 'every store reaches the agreed height');
      for (const c of chains) assert.ok(c[common - 1]!.sig.equals(chains[1]![common - 1]!.sig), 'one chain everywhere');
    });
  } finally {
    await mesh?.close();
    removeDir(dir);
  }
});

// Fault harness: lossy and slow links. Three masternode processes (q = 3:
// every tx needs all three), every link through a proxy of the test, in
// four phases: 200 ± 100 ms of delay on every link; connections dropped
// again and again; a link that stalls without closing; connections cut in
// the middle of a frame. Throughout, no reconnect storm (the dialer comes
// back once per drop, no sooner than the backoff allows), heights stay
// within one block of each other, and every tx finalizes on every node;
// the stalled link is found dead by the ping deadline and redialed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import { generateKeyPair, randomBytes } from '../../src/crypto';
import { DEVNET_TIMINGS } from '../../src/base/config';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { short, sleep, waitUntil, withNodes } from '../support/processes';
import { brief, Mesh } from './support/mesh';

const INTERVAL = 2000;
const DROPS = 4;
const DROP_EVERY_MS = 3000;
const CUTS = 3;

test('delay, drops, a stall and cuts mid-frame: no reconnect storm, heights within one block, every tx final everywhere, the stall found by the ping deadline', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('timenode-faults-lossy-');
  let mesh: Mesh | undefined;
  // Background loops of the test, stopped whatever happens: a loop left running would keep the file's process alive.
  let sampling = true;
  let sampler: Promise<void> | undefined;
  let watch: ReturnType<typeof setInterval> | undefined;
  try {
    await withNodes(async (group) => {
      mesh = await Mesh.start(group, dir, { tag: 'l', subnetBase: 30, count: 3, interval: INTERVAL });
      const m = mesh;
      let last: NodeStatus[] = [];
      let spread = 0;
      const poll = async (): Promise<NodeStatus[]> => {
        last = await m.statuses();
        return last;
      };
      const describe = (): string => brief(last);
      await waitUntil('a full mesh', async () => (await poll()).every((s) => s.peers.filter((p) => p.state === 'established').length === 2 && s.height >= 1) || undefined, { timeoutMs: 20_000, describe });

      // Heights are sampled all along: apart by more than one block means a node fell an interval behind.
      sampler = (async () => {
        while (sampling) {
          const s = await poll().catch(() => last);
          const heights = s.map((x) => x.height);
          spread = Math.max(spread, Math.max(...heights) - Math.min(...heights));
          await sleep(250);
        }
      })();
      const txs: string[] = [];
      const pay = (i: number): void => {
        const tx = signTx(generateKeyPair(), { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 1n }], time: Date.now() });
        txs.push(short(txId(tx)));
        m.nodes[i]!.submit(tx);
      };
      // Each cut waits for the full mesh again, so that every cut hits a live connection.
      const fullMesh = (what: string): Promise<unknown> =>
        waitUntil(`${what}: the full mesh back`, async () => (await poll()).every((s) => s.peers.filter((p) => p.state === 'established').length === 2) || undefined, {
          timeoutMs: 70_000,
          describe,
        });
      const allFinal = (what: string): Promise<unknown> =>
        waitUntil(`${what}: every tx final on every node`, () => m.nodes.every((n) => txs.every((id) => n.log.includes(`tx ${id} finalized`))) || undefined, {
          timeoutMs: 40_000,
          describe: () => `${txs.length} txs; ${m.nodes.map((n) => `${n.name} ${txs.filter((id) => n.log.includes(`tx ${id} finalized`)).length}`).join(', ')}`,
        });

      // ---- 1: every link slow ----
      for (const link of m.links) link.setDelay(200, 100);
      for (let i = 0; i < 3; i++) pay(i);
      await allFinal('200 ± 100 ms delay');
      await sleep(3 * INTERVAL);
      t.diagnostic(`delay: ${describe()}`);

      // ---- 2: link 1-2 dropped again and again ----
      const flappy = m.link(0, 1);
      const acceptedBefore = flappy.counts.accepted;
      const accepts: number[] = [];
      const drops: number[] = [];
      watch = setInterval(() => {
        while (accepts.length < flappy.counts.accepted - acceptedBefore) accepts.push(Date.now());
      }, 20);
      for (let k = 0; k < DROPS; k++) {
        // Only a drop that closed a connection starts a backoff; one that found the link down does nothing.
        const at = Date.now();
        if (flappy.drop() > 0) drops.push(at);
        pay(k % 3);
        await sleep(DROP_EVERY_MS);
      }
      await allFinal('drops');
      clearInterval(watch);
      t.diagnostic(`drops at +${drops.map((d) => d - drops[0]!).join(', +')} ms; reconnects at +${accepts.map((a) => a - drops[0]!).join(', +')} ms`);
      assert.ok(drops.length >= 2, `at least two drops closed a connection (${drops.length})`);
      assert.ok(accepts.length <= drops.length + 1, `no reconnect storm: ${accepts.length} reconnects for ${drops.length} drops`);
      assert.ok(accepts.length >= 1, 'the dropped link came back');
      for (const a of accepts) {
        const drop = Math.max(...drops.filter((d) => d <= a));
        assert.ok(a - drop >= DEVNET_TIMINGS.reconnectBaseMs * (1 - DEVNET_TIMINGS.reconnectJitter) - 50, `a reconnect ${a - drop} ms after its drop is sooner than the backoff allows`);
      }

      // ---- 3: link 2-3 stalls without closing ----
      const stuck = m.link(1, 2);
      // The link may have closed on its own under the delay (missed pongs): stall a live one.
      await fullMesh('before the stall');
      const stuckBefore = stuck.counts.accepted;
      const stalledAt = Date.now();
      assert.ok(stuck.stall() >= 1, 'a live connection stalled');
      const deadline = DEVNET_TIMINGS.maxMissedPongs * (DEVNET_TIMINGS.pingIntervalMs + DEVNET_TIMINGS.pongDeadlineMs) + 2000;
      await waitUntil('the stalled link closed for missed pongs and redialed', () => stuck.counts.accepted > stuckBefore || undefined, { timeoutMs: deadline + 5000, describe });
      const detectedMs = Date.now() - stalledAt;
      t.diagnostic(`stall: found dead and redialed after ${detectedMs} ms`);
      assert.ok(detectedMs <= deadline, `found within ${deadline} ms`);
      assert.ok(m.nodes[1]!.lines(/no pong to \d+ pings in a row/).length + m.nodes[2]!.lines(/no pong to \d+ pings in a row/).length >= 1, 'the ping deadline closed it');
      // Paid at once, the link maybe not yet back: the tx reaches the others when it is (txsOfferedOnConnect).
      pay(1);
      await allFinal('after the stall');

      // ---- 4: connections cut in the middle of a frame ----
      const cut = m.link(0, 2);
      for (let k = 0; k < CUTS; k++) {
        cut.cutMidFrame();
        await waitUntil('a cut mid-frame', () => cut.counts.cutMidFrame > k || undefined, { timeoutMs: 10_000 });
        await fullMesh(`after cut ${k + 1}`);
        pay(2);
      }
      await allFinal('cuts mid-frame');
      sampling = false;
      await sampler;

      t.diagnostic(`end: ${describe()}; proxies accepted ${m.links.map((l) => l.counts.accepted).join('/')} connections; max height spread ${spread}`);
      assert.ok(spread <= 1, `heights stayed within one block (spread ${spread})`);
      // Reconnects across the run: the first connection of each link, one per drop, stall and cut, and little else.
      const total = m.links.reduce((n, l) => n + l.counts.accepted, 0);
      assert.ok(total <= 3 + DROPS + 1 + CUTS + 3, `no reconnect storm overall: ${total} connections`);
      for (const n of m.nodes) assert.deepEqual(n.lines(/protocol error|banning/), [], `${n.name}: a cut frame is not a protocol error`);
    });
  } finally {
    sampling = false;
    clearInterval(watch);
    await sampler;
    await mesh?.close();
    removeDir(dir);
  }
});

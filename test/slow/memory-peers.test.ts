// Many peers (issue: "100 peers connected from distinct 127.0.0.x addresses;
// record RSS with 0, 10 and 100 peers and derive the per-peer cost").
//
// `timenode start` caps peers at 32 and inbound at 24 and has no flag to
// raise them, so the first test shows that cap on the real binary, and the
// measurement runs fixtures/budget-node.js: the same Node, budget split and
// IPC status as `start`, with --max-peers 128 --max-inbound 120. Each peer is
// a RawPeer from its own address 127.0.9.1–100 that completed the handshake
// and answers the node's pings (devnet: one a second). The node runs with
// --expose-gc so that each reading follows a full collection.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, removeDir, testKey } from '../support/harness';
import { RawPeer } from '../support/raw-peer';
import { sleep } from '../support/processes';
import { BudgetNode, MB, mb, median, NetFiles, prepareNet, procMemory, runtimeBaselineRss } from './fixtures/memory-node';

// This file's addresses: nodes on 127.0.8.50–51, peers on 127.0.9.1–127.0.9.100.
const MAX_MEMORY_MB = 96;
const peerIp = (i: number): string => `127.0.9.${i}`;

const dirs: string[] = [];
const nodes: BudgetNode[] = [];
const peers: RawPeer[] = [];
after(async () => {
  for (const p of peers) p.destroy();
  for (const n of nodes) await n.stop();
  for (const d of dirs) removeDir(d);
});

async function join(ip: string, nodeIp: string, port: number, net: NetFiles, seed: number): Promise<{ peer: RawPeer; refusal?: string }> {
  const peer = await RawPeer.connect({ host: nodeIp, port, localAddress: ip });
  peers.push(peer);
  const outcome = await peer.tryHandshake({ keys: testKey(seed), genesis: net.genesis, timeoutMs: 10_000 });
  return outcome.ok ? { peer } : { peer, refusal: `${outcome.reject.code}: ${outcome.reject.reason}` };
}

/** Once the node has settled: the median of a few RSS readings, each right after a full GC, and the live heap. */
async function settledRss(node: BudgetNode): Promise<{ rss: number; heap: number }> {
  // Two collections first: V8 returns freed pages to the OS some time after a GC, not at once.
  for (let i = 0; i < 2; i++) {
    await node.gcStatus();
    await sleep(1000);
  }
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await node.gcStatus();
    rss.push(procMemory(node.pid)?.rss ?? s.rssBytes);
    heap.push(s.memory.heapUsedBytes);
    await sleep(300);
  }
  return { rss: median(rss), heap: median(heap) };
}

test('timenode start serves 24 inbound peers (its default cap, no flag raises it); the 25th gets reject "full"', async () => {
  const net = prepareNet(testKey(0x51), [testKey(0x52)]);
  dirs.push(net.dir);
  const port = freePort();
  const node = new BudgetNode({ name: 'capped', ip: '127.0.8.50', port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb: MAX_MEMORY_MB });
  nodes.push(node);
  await node.ready();
  const outcomes: string[] = [];
  for (let i = 1; i <= 26; i++) outcomes.push((await join(peerIp(i), '127.0.8.50', port, net, 0x53)).refusal ?? 'ok');
  assert.deepEqual(outcomes.slice(0, 24), new Array(24).fill('ok'));
  assert.deepEqual(outcomes.slice(24), ['full: inbound limit of 24 reached', 'full: inbound limit of 24 reached']);
  for (const p of peers.splice(0)) p.destroy();
  await node.stop();
});

test('many peers: 100 handshaken peers from 127.0.9.1–100 all stay established; RSS at 0, 10 and 100 peers gives the per-peer cost; RSS stays under budget + baseline', async (t) => {
  const baseline = await runtimeBaselineRss();
  const net = prepareNet(testKey(0x54), [testKey(0x52)]);
  dirs.push(net.dir);
  const port = freePort();
  const node = new BudgetNode({ name: 'many', ip: '127.0.8.51', port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb: MAX_MEMORY_MB, caps: { maxPeers: 128, maxInbound: 120 }, execArgv: ['--expose-gc'] });
  nodes.push(node);
  await node.ready();
  const limit = MAX_MEMORY_MB * MB + baseline;

  const at0 = await settledRss(node);
  const connect = async (from: number, to: number): Promise<void> => {
    // Ten handshakes at a time.
    for (let i = from; i <= to; i += 10) {
      const batch = [];
      for (let k = i; k <= Math.min(to, i + 9); k++) batch.push(join(peerIp(k), '127.0.8.51', port, net, 0x55));
      const results = await Promise.all(batch);
      const refused = results.filter((r) => r.refusal);
      assert.equal(refused.length, 0, `refused: ${refused.map((r) => r.refusal).join('; ')}`);
    }
  };
  await connect(1, 10);
  const at10 = await settledRss(node);
  await connect(11, 100);
  const at100 = await settledRss(node);
  // Held for a few more ping rounds: nobody is dropped.
  await sleep(3000);
  const status = await node.status();
  const established = status.peers.filter((p) => p.state === 'established');
  const maxMissed = Math.max(...established.map((p) => p.missedPongs));

  const perPeer = (at100.rss - at0.rss) / 100;
  const summary = [
    `budget ${MAX_MEMORY_MB} MB (split for 128 peers); runtime baseline ${mb(baseline)}; limit ${mb(limit)}`,
    `after a full GC: RSS with 0 peers ${mb(at0.rss)} (live heap ${mb(at0.heap)}), 10 peers ${mb(at10.rss)} (${mb(at10.heap)}), 100 peers ${mb(at100.rss)} (${mb(at100.heap)})`,
    `per peer: (rss100 - rss0) / 100 = ${(perPeer / 1024).toFixed(1)} KiB; from 10 to 100 peers ${((at100.rss - at10.rss) / 90 / 1024).toFixed(1)} KiB (the 0-peer reading still holds start-up memory the node gives back later); live heap ${((at100.heap - at0.heap) / 100 / 1024).toFixed(1)} KiB per peer`,
    `margin at 100 peers ${mb(limit - at100.rss)}; established ${established.length}, connections ${status.connections}, most missed pongs ${maxMissed}`,
  ];
  for (const line of summary) t.diagnostic(line);

  assert.equal(established.length, 100, `established: ${established.length}\n${summary.join('\n')}`);
  assert.equal(status.connections, 100);
  assert.ok(peers.every((p) => p.isOpen), `${peers.filter((p) => !p.isOpen).length} peers were closed`);
  assert.ok(at100.rss < limit, `RSS with 100 peers ${mb(at100.rss)} over budget + baseline ${mb(limit)}\n${summary.join('\n')}`);
  assert.ok(at100.heap > at10.heap && at100.rss > at10.rss, `memory did not grow from 10 to 100 peers: ${summary.join('\n')}`);
});

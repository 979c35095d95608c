// Address gossip (PROTOCOL.md §3 get_peers/peers): a node answers with the
// listen addresses of its peers, learns from answers into a bounded book that
// survives a restart (DATA/peers.json), and dials what it learns (§2).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDRESS_FILE } from '../../src/net/address-book';
import type { Node } from '../../src/node/node';
import { freePort, startNode, tempDir, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.14.x. Learned addresses point at 127.0.14.100+ where nothing listens,
// so the dials they cause are refused at once.
const genesis = testGenesis([testKey(69)]);

describe('address gossip', () => {
  const nodes: Node[] = [];
  const peers: RawPeer[] = [];
  after(async () => {
    for (const p of peers) p.destroy();
    for (const n of nodes) await n.stop();
  });

  async function node(o: Parameters<typeof startNode>[0]): Promise<Node> {
    const n = await startNode(o);
    nodes.push(n);
    return n;
  }

  async function rawTo(n: Node, ip: string, seed: number): Promise<RawPeer> {
    const p = await RawPeer.connect({ host: n.manager.ownIp ?? '', port: n.listenPort, localAddress: ip });
    peers.push(p);
    await p.handshake({ keys: testKey(seed), genesis, port: 0 });
    return p;
  }

  test("get_peers: a RawPeer asking node A (with B connected) gets B's listen address, and not its own", async () => {
    const A = await node({ ip: '127.0.14.1', keys: testKey(61), genesis });
    const B = await node({ ip: '127.0.14.2', keys: testKey(62), genesis, peers: [`127.0.14.1:${A.listenPort}`] });
    await waitFor('A has B', () => A.registry.get('127.0.14.2'));
    const asker = await rawTo(A, '127.0.14.10', 63);
    asker.sendMessage({ type: 'get_peers' });
    const answer = await asker.waitForMessage('peers');
    const listed = answer.peers.map((p) => `${p.ip}:${p.port}`);
    assert.ok(listed.includes(`127.0.14.2:${B.listenPort}`), `B's listen address is missing from ${JSON.stringify(listed)}`);
    assert.ok(!answer.peers.some((p) => p.ip === '127.0.14.10'), 'the asker is not told about itself');
    for (const p of answer.peers) assert.ok(Number.isInteger(p.seen) && p.seen > 0, `seen ${p.seen}`);
  });

  test('addresses learned from `peers` are saved to DATA/peers.json and reloaded by a new node in the same folder', async () => {
    const dataDir = tempDir();
    const C = await startNode({ ip: '127.0.14.3', keys: testKey(64), genesis, dataDir });
    const teller = await RawPeer.connect({ host: '127.0.14.3', port: C.listenPort, localAddress: '127.0.14.11' });
    const now = Date.now();
    const taught = [
      { ip: '127.0.14.100', port: freePort(), seen: now - 1000 },
      { ip: '127.0.14.101', port: freePort(), seen: now - 2000 },
      { ip: '127.0.14.102', port: freePort(), seen: now - 3000 },
    ];
    try {
      await teller.handshake({ keys: testKey(65), genesis });
      teller.sendMessage({ type: 'peers', peers: taught });
      await teller.pingPong(); // handled after the peers message
      for (const t of taught) assert.equal(C.addressBook.get(t.ip)?.port, t.port, `C learned ${t.ip}`);
    } finally {
      teller.destroy();
      await C.stop();
    }
    const saved = JSON.parse(readFileSync(join(dataDir, ADDRESS_FILE), 'utf8')) as { ip: string; port: number; seen: number }[];
    for (const t of taught) {
      assert.deepEqual(saved.find((e) => e.ip === t.ip), t, `${t.ip} in ${ADDRESS_FILE}`);
    }
    const C2 = await node({ ip: '127.0.14.3', keys: testKey(64), genesis, dataDir });
    for (const t of taught) assert.deepEqual(C2.addressBook.get(t.ip), t, `C2 reloaded ${t.ip}`);
    assert.ok(C2.status().addresses >= taught.length);
  });

  test('the book is bounded: maxAddresses 10, fed 50 addresses in 5 `peers` messages → 10 kept, the most recently seen', async () => {
    const D = await node({ ip: '127.0.14.4', keys: testKey(66), genesis, limits: { maxAddresses: 10 } });
    const teller = await rawTo(D, '127.0.14.12', 67);
    const now = Date.now();
    const all = Array.from({ length: 50 }, (_, i) => ({ ip: `127.0.14.${100 + i}`, port: 20000 + i, seen: now - (50 - i) * 1000 }));
    for (let m = 0; m < 5; m++) teller.sendMessage({ type: 'peers', peers: all.slice(m * 10, m * 10 + 10) });
    await teller.pingPong();
    assert.equal(D.addressBook.size, 10);
    assert.equal(D.status().addresses, 10);
    const kept = D.addressBook.best(100).map((e) => e.ip).sort();
    assert.deepEqual(kept, all.slice(40).map((e) => e.ip).sort(), 'the oldest-seen were evicted');
  });

  test('a claimed `seen` in the future is capped at now', async () => {
    const F = await node({ ip: '127.0.14.5', keys: testKey(68), genesis });
    const teller = await rawTo(F, '127.0.14.13', 70);
    const before = Date.now();
    teller.sendMessage({ type: 'peers', peers: [{ ip: '127.0.14.160', port: 1234, seen: before + 10 * 365 * 24 * 3600_000 }] });
    await teller.pingPong();
    const seen = F.addressBook.get('127.0.14.160')?.seen ?? 0;
    assert.ok(seen >= before && seen <= Date.now(), `seen ${seen} not capped to now (${before}..${Date.now()})`);
  });

  test('a learned address above our own IP is dialed at once (§2)', async () => {
    const G = await node({ ip: '127.0.14.6', keys: testKey(71), genesis });
    const listener = await RawPeer.listen({ host: '127.0.14.20', port: freePort() });
    try {
      const teller = await rawTo(G, '127.0.14.14', 72);
      teller.sendMessage({ type: 'peers', peers: [{ ip: '127.0.14.20', port: listener.port, seen: Date.now() }] });
      const dialed = await listener.accepted;
      peers.push(dialed);
      assert.equal(dialed.remoteAddress.replace(/^::ffff:/, ''), '127.0.14.6');
    } finally {
      listener.close();
    }
  });

  test('a learned address in IPv4-mapped spelling (::ffff:a.b.c.d) is dialed too', async () => {
    const H = await node({ ip: '127.0.14.7', keys: testKey(73), genesis });
    const listener = await RawPeer.listen({ host: '127.0.14.21', port: freePort() });
    try {
      const port = listener.port; // read before the listener accepts (it stops listening after one)
      const teller = await rawTo(H, '127.0.14.15', 74);
      teller.sendMessage({ type: 'peers', peers: [{ ip: '::ffff:127.0.14.21', port, seen: Date.now() }] });
      await teller.pingPong();
      assert.equal(H.addressBook.get('127.0.14.21')?.port, port, 'stored under the normalised key');
      const dialed = await Promise.race([
        listener.accepted,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000)),
      ]);
      if (dialed) peers.push(dialed);
      assert.ok(dialed, 'the node never dialed the learned address');
    } finally {
      listener.close();
    }
  });
});

// The peer cap (PROTOCOL.md §5: `full` refuses a connection over the cap).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/node/node';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.15.x.
const NODE_IP = '127.0.15.1';
const genesis = testGenesis([testKey(89)]);

describe('maxPeers: 2', () => {
  let node: Node;
  const peers: RawPeer[] = [];

  before(async () => {
    node = await startNode({ ip: NODE_IP, keys: testKey(81), genesis, limits: { maxPeers: 2 } });
  });
  after(async () => {
    for (const p of peers) p.destroy();
    await node?.stop();
  });

  async function join(ip: string, seed: number): Promise<{ peer: RawPeer; outcome: Awaited<ReturnType<RawPeer['tryHandshake']>> }> {
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: ip });
    peers.push(peer);
    const outcome = await peer.tryHandshake({ keys: testKey(seed), genesis });
    return { peer, outcome };
  }

  test('two peers are served; a third gets reject "full" and is closed; the two stay', async () => {
    const one = await join('127.0.15.10', 82);
    const two = await join('127.0.15.11', 83);
    assert.deepEqual([one.outcome.ok, two.outcome.ok], [true, true]);
    const three = await join('127.0.15.12', 84);
    assert.equal(three.outcome.ok ? 'ok' : three.outcome.reject.code, 'full');
    if (!three.outcome.ok) assert.match(three.outcome.reject.reason, /limit of 2/);
    await three.peer.waitClosed();
    assert.equal(node.registry.get('127.0.15.12'), undefined);
    assert.deepEqual(node.status().peers.map((p) => p.ip).sort(), ['127.0.15.10', '127.0.15.11']);
    await one.peer.pingPong();
    await two.peer.pingPong();
  });

  test('at the cap, a peer already connected may reconnect (it replaces, it does not add)', async () => {
    const again = await join('127.0.15.10', 82);
    assert.equal(again.outcome.ok ? 'ok' : again.outcome.reject.code, 'ok');
    await waitFor('the old 127.0.15.10 connection got "duplicate"', () =>
      peers.some((p) => p !== again.peer && p.received('reject').some((r) => r.code === 'duplicate')),
    );
    assert.equal(node.registry.size, 2);
    assert.ok(node.registry.get('127.0.15.10')?.hello?.challenge.equals(again.peer.challenge), 'the new connection is the one listed');
  });

  test('once a peer leaves, a newcomer is accepted again', async () => {
    const leaving = peers.find((p) => p.isOpen && p.socket.localAddress === '127.0.15.11');
    assert.ok(leaving, 'the 127.0.15.11 peer is still connected');
    leaving.end();
    await waitFor('127.0.15.11 gone from the node', () => !node.registry.get('127.0.15.11') && node.manager.connections.length === 1);
    const late = await join('127.0.15.13', 85);
    assert.equal(late.outcome.ok ? 'ok' : late.outcome.reject.code, 'ok');
    assert.deepEqual(node.status().peers.map((p) => p.ip).sort(), ['127.0.15.10', '127.0.15.13']);
  });
});

// Stopping a node ends all of its network life: no connection may come
// into being after stop(), and stop() itself must complete (it saves the
// address book and closes the block store after the sockets are gone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.16.x.
const genesis = testGenesis([testKey(99)]);

/** Resolves true if `p` settles within `ms`, false otherwise; keeps the process alive meanwhile. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('a dial in flight when stop() is called never becomes a connection: the peer never sees us established', async () => {
  const B = await startNode({ ip: '127.0.16.2', keys: testKey(92), genesis });
  try {
    // start() dials the configured peer; stop() follows before the TCP connect completes.
    const A = await startNode({ ip: '127.0.16.1', keys: testKey(91), genesis, peers: [`127.0.16.2:${B.listenPort}`] });
    await A.stop();
    // Give a late connect every chance to complete its handshake: B pings every 1 s and answers at once.
    await waitFor('B sees a connection from A, or 300 ms pass', () => B.registry.get('127.0.16.1') || undefined, 300).catch(() => undefined);
    assert.equal(B.registry.get('127.0.16.1'), undefined, 'B has an established connection from the stopped node A');
    assert.deepEqual(A.manager.connections.map((c) => `${c.key} ${c.state}`), [], 'the stopped node holds connections');
    assert.equal(A.registry.size, 0);
  } finally {
    await B.stop();
  }
});

test('stop() completes right after the node refused a connection as "full"', async () => {
  const node = await startNode({ ip: '127.0.16.3', keys: testKey(93), genesis, limits: { maxPeers: 1 } });
  const first = await RawPeer.connect({ host: '127.0.16.3', port: node.listenPort, localAddress: '127.0.16.10' });
  await first.handshake({ keys: testKey(94), genesis });
  const second = await RawPeer.connect({ host: '127.0.16.3', port: node.listenPort, localAddress: '127.0.16.11' });
  // As §2 has it, hello goes out at once, without waiting: it reaches the node's refused socket.
  second.sendMessage(second.helloFor({ keys: testKey(95), genesis }));
  const reject = await second.waitForMessage('reject');
  assert.equal(reject.code, 'full');
  first.destroy();
  second.destroy();
  // The refused socket must not hold server.close() (and so stop()) open: its peer is gone, so it
  // closes at once. (Were it left to its unref'd 1 s destroy timer, a process with nothing else
  // running would exit with stop() unfinished: address book unsaved, block store not closed.)
  const started = Date.now();
  assert.equal(await settlesWithin(node.stop(), 3000), true, 'node.stop() did not complete within 3 s');
  const took = Date.now() - started;
  assert.ok(took < 500, `node.stop() took ${took} ms: it waited for the refused socket's destroy timer`);
});

test('stop() completes while a RawPeer still holds its connection open (it is closed for it)', async () => {
  const node = await startNode({ ip: '127.0.16.4', keys: testKey(96), genesis });
  const peer = await RawPeer.connect({ host: '127.0.16.4', port: node.listenPort, localAddress: '127.0.16.12' });
  try {
    await peer.handshake({ keys: testKey(97), genesis });
    assert.equal(await settlesWithin(node.stop(), 3000), true, 'node.stop() did not complete within 3 s');
    await peer.waitClosed(3000);
  } finally {
    peer.destroy();
  }
});

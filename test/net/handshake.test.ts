// PROTOCOL.md §2 steps 1–4 against a real node: a RawPeer completes the
// handshake in both directions, and each refusal arrives with its `reject`
// code (and, for network/genesis, a log line naming both values).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/node/node';
import { freePort, startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.11.x.
const NODE_IP = '127.0.11.1';
const nodeKeys = testKey(31);
const peerKeys = testKey(32);
const genesis = testGenesis([testKey(39)]);

describe('handshake against a real node', () => {
  const nodes: Node[] = [];
  const peers: RawPeer[] = [];
  const logLines: string[] = [];
  let node: Node;

  after(async () => {
    for (const p of peers) p.destroy();
    for (const n of nodes) await n.stop();
  });

  async function dial(fromIp: string): Promise<RawPeer> {
    node ??= await startNode({ ip: NODE_IP, keys: nodeKeys, genesis, logLines, timings: { handshakeDeadlineMs: 300 } });
    if (!nodes.includes(node)) nodes.push(node);
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: fromIp });
    peers.push(peer);
    return peer;
  }

  test('a RawPeer that dials the node completes the handshake: the node registers it as inbound and established', async () => {
    const ip = '127.0.11.10';
    const peer = await dial(ip);
    const { hello } = await peer.handshake({ keys: peerKeys, genesis, port: 0 });
    assert.equal(hello.node.toString('hex'), nodeKeys.publicKey.toString('hex'), 'the node names its own key in hello');
    assert.equal(hello.port, node.listenPort, 'the node advertises its listen port');
    const entry = await waitFor(`node's status lists ${ip}`, () => node.status().peers.find((p) => p.ip === ip));
    assert.deepEqual({ direction: entry.direction, state: entry.state }, { direction: 'inbound', state: 'established' });
    assert.equal(node.registry.get(ip)?.hello?.node.toString('hex'), peerKeys.publicKey.toString('hex'));
    // The loop now serves the peer: a ping is answered.
    await peer.pingPong();
  });

  test('a node dials the RawPeer it was given as --peer: registered as outbound and established', async () => {
    const rawIp = '127.0.11.2';
    const listener = await RawPeer.listen({ host: rawIp, port: freePort() });
    const dialer = await startNode({ ip: '127.0.11.3', keys: testKey(33), genesis, peers: [`${rawIp}:${listener.port}`] });
    nodes.push(dialer);
    try {
      const peer = await listener.accepted;
      peers.push(peer);
      assert.equal(peer.remoteAddress.replace(/^::ffff:/, ''), '127.0.11.3', 'the node dials from its listen address');
      await peer.handshake({ keys: peerKeys, genesis, port: listener.port });
      const entry = await waitFor(`dialer's status lists ${rawIp}`, () => dialer.status().peers.find((p) => p.ip === rawIp));
      assert.deepEqual({ direction: entry.direction, state: entry.state }, { direction: 'outbound', state: 'established' });
      await peer.pingPong();
    } finally {
      listener.close();
    }
  });

  test('hello with version 2 is refused with reject "version" naming both versions', async () => {
    const peer = await dial('127.0.11.11');
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, version: 2 });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.reject.code, 'version');
    assert.match(outcome.reject.reason, /ours 1, theirs 2/);
    await peer.waitClosed();
  });

  test('hello on another network is refused with reject "network"; the log names both networks', async () => {
    const peer = await dial('127.0.11.12');
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, network: 'othernet' });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'network');
    await peer.waitClosed();
    const line = logLines.find((l) => l.includes('127.0.11.12') && l.includes('code=network'));
    assert.ok(line, `no log line with code=network for 127.0.11.12 in:\n${logLines.join('\n')}`);
    assert.match(line, /"testnet"/, 'the log line names our network');
    assert.match(line, /"othernet"/, 'the log line names theirs');
  });

  test('hello with another genesis hash is refused with reject "genesis"; the log names both hashes', async () => {
    const peer = await dial('127.0.11.13');
    const other = testGenesis([testKey(38)], { network: 'testnet' });
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, genesisHash: other.hash });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'genesis');
    await peer.waitClosed();
    const line = logLines.find((l) => l.includes('127.0.11.13') && l.includes('code=genesis'));
    assert.ok(line, `no log line with code=genesis for 127.0.11.13 in:\n${logLines.join('\n')}`);
    assert.ok(line.includes(genesis.hash.toString('hex')), `log line does not name our genesis: ${line}`);
    assert.ok(line.includes(other.hash.toString('hex')), `log line does not name theirs: ${line}`);
  });

  test("hello carrying the node's own key is refused with reject \"self\"", async () => {
    const peer = await dial('127.0.11.14');
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, claimKey: nodeKeys.publicKey });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'self');
    await peer.waitClosed();
  });

  test('an auth whose signature does not verify is refused with reject "protocol"', async () => {
    const peer = await dial('127.0.11.15');
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, badAuth: true });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'protocol');
    if (!outcome.ok) assert.match(outcome.reject.reason, /auth signature does not verify/);
    await peer.waitClosed();
    assert.equal(node.registry.get('127.0.11.15'), undefined, 'a bad auth never registers');
  });

  test('no hello within handshakeDeadlineMs (300 ms) gets reject "timeout"', async () => {
    const peer = await dial('127.0.11.16');
    const started = Date.now();
    const outcome = await peer.tryHandshake({ keys: peerKeys, genesis, noHello: true, timeoutMs: 3000 });
    const elapsed = Date.now() - started;
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'timeout');
    assert.ok(elapsed >= 250 && elapsed < 2000, `refused after ${elapsed} ms; expected about 300`);
    await peer.waitClosed();
  });

  test('a hello but no auth within the deadline also gets reject "timeout"', async () => {
    const peer = await dial('127.0.11.17');
    peer.sendMessage(peer.helloFor({ keys: peerKeys, genesis }));
    const reject = await peer.waitForMessage('reject', () => true, 3000);
    assert.equal(reject.code, 'timeout');
    assert.ok(peer.messages.some((m) => m.type === 'auth'), 'the node had sent its auth: only ours was missing');
  });

  test('a ping before auth is a protocol error: reject "protocol", connection closed', async () => {
    const peer = await dial('127.0.11.18');
    peer.sendMessage(peer.helloFor({ keys: peerKeys, genesis }));
    peer.sendMessage({ type: 'ping', nonce: Buffer.alloc(8, 1), time: Date.now(), height: 0 });
    const reject = await peer.waitForMessage('reject');
    assert.equal(reject.code, 'protocol');
    assert.match(reject.reason, /"ping" before the handshake completed/);
    await peer.waitClosed();
    assert.equal(peer.messages.filter((m) => m.type === 'pong').length, 0, 'the ping was not answered');
  });
});

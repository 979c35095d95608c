// The seed-bug regression (PROTOCOL.md §2: "The same code runs this life for
// inbound and outbound connections"). The old node ran a second message loop
// for outbound connections that dropped everything but ping/pong, so a node
// never heard blocks, txs or votes from the peers it had dialed. Here every
// type a peer may send after the handshake goes both ways over one real
// connection — B→A arrives on A's inbound side, A→B on B's outbound side —
// and each receiving connection must have handled every one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signAnn, signBlock, signHb, signTx, signVote } from '../../src/chain/signing';
import { txId } from '../../src/chain/layouts';
import { hash, randomBytes } from '../../src/crypto';
import type { PeerConnection } from '../../src/net/peer-connection';
import type { Node } from '../../src/node/node';
import { Message, MessageType } from '../../src/wire/messages';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.1.1 – 127.0.1.9.
const A_IP = '127.0.1.1';
const B_IP = '127.0.1.2';
const mn1 = testKey(18);
const mn2 = testKey(19);
// Two masternodes, neither of them A or B: A and B produce nothing of their own,
// and one vote is not a quorum (q = 2), so no `finalized` of theirs mixes in.
const genesis = testGenesis([mn1, mn2], { time: Date.now() - 10_000, interval: 2000 });

/** Every type of §3 a peer may send once established (hello, auth and reject belong to the handshake). */
const AFTER_HANDSHAKE: MessageType[] = [
  'ping', 'pong', 'get_peers', 'peers', 'tx', 'vote', 'finalized', 'utxo_state',
  'block', 'get_blocks', 'blocks', 'masternode', 'heartbeat',
];

/** One message of every type, with valid signed objects so that no offence is scored. `tag` keeps each direction's objects distinct. */
function oneOfEach(tag: string): Message[] {
  const now = Date.now();
  const spender = testKey(20);
  const tx = signTx(spender, {
    inputs: [{ txid: hash(Buffer.from(`input ${tag}`)), index: 0 }],
    outputs: [{ to: mn1.publicKey, amount: 5n }],
    time: now,
  });
  const txid = txId(tx);
  // Block 1 in the first slot after genesis: r = 0, so the producer is S[1 mod 2].
  const producer = [mn1, mn2].sort((x, y) => Buffer.compare(x.publicKey, y.publicKey))[1 % 2] as typeof mn1;
  const block = signBlock(producer, { height: 1, prev: genesis.hash, time: genesis.time + genesis.interval, txids: [txid] });
  const msgs: Message[] = [
    { type: 'ping', nonce: randomBytes(8), time: now, height: 0 },
    { type: 'pong', nonce: randomBytes(8), time: now, height: 0 },
    { type: 'get_peers' },
    { type: 'peers', peers: [] },
    { type: 'tx', tx },
    { type: 'vote', vote: signVote(mn1, txid, true) },
    { type: 'finalized', txid, votes: [signVote(mn1, txid, true), signVote(mn2, txid, true)] },
    { type: 'utxo_state', txid, index: 0, state: 'locked', by: mn1.publicKey },
    { type: 'block', block },
    { type: 'get_blocks', from: 1, to: 1 },
    { type: 'blocks', blocks: [] },
    // Port 0: the address is not dialed.
    { type: 'masternode', ann: signAnn(mn1, { ip: '127.0.1.9', port: 0, time: now }) },
    { type: 'heartbeat', hb: signHb(mn1, { seq: 1, time: now, height: 0 }) },
  ];
  assert.deepEqual(msgs.map((m) => m.type), AFTER_HANDSHAKE, 'oneOfEach covers every post-handshake type, in order');
  return msgs;
}

function connection(node: Node, ip: string): PeerConnection {
  const peer = node.registry.get(ip);
  assert.ok(peer, `no established connection to ${ip}`);
  return peer;
}

function snapshot(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

/** Waits until `receiver` handled at least one more of every type than in `before`, then checks nothing came in unhandled. */
async function assertHandledEveryType(receiver: PeerConnection, before: Record<string, number>, side: string): Promise<void> {
  const missing = (): MessageType[] => AFTER_HANDSHAKE.filter((t) => (receiver.traffic.handled.get(t) ?? 0) < (before[t] ?? 0) + 1);
  try {
    await waitFor(`${side} handles every type`, () => missing().length === 0, 5000);
  } catch {
    assert.deepEqual(missing(), [], `${side} never handled these types; handled=${JSON.stringify(snapshot(receiver.traffic.handled))} in=${JSON.stringify(snapshot(receiver.traffic.in))}`);
  }
  // Every message that arrived was handled: none was counted in and then dropped.
  for (const t of AFTER_HANDSHAKE) {
    assert.equal(receiver.traffic.handled.get(t) ?? 0, receiver.traffic.in.get(t) ?? 0, `${side}: "${t}" in vs handled`);
  }
  assert.deepEqual(snapshot(receiver.traffic.unknown), {}, `${side}: nothing was taken for an unknown type`);
}

describe('every message type is handled over both directions of one connection', () => {
  let A: Node;
  let B: Node;
  const logA: string[] = [];

  before(async () => {
    A = await startNode({ ip: A_IP, keys: testKey(11), genesis, logLines: logA });
    B = await startNode({ ip: B_IP, keys: testKey(12), genesis, peers: [`${A_IP}:${A.listenPort}`] });
    await waitFor('A and B connected', () => A.registry.get(B_IP)?.isOpen && B.registry.get(A_IP)?.isOpen);
  });

  after(async () => {
    await B?.stop();
    await A?.stop();
  });

  test('the connection is B→A: outbound on B, inbound on A', () => {
    assert.equal(connection(B, A_IP).direction, 'outbound');
    assert.equal(connection(A, B_IP).direction, 'inbound');
  });

  test('B sends one of every type over its OUTBOUND connection; A (inbound side) handles each', async () => {
    const receiver = connection(A, B_IP);
    const sender = connection(B, A_IP);
    const before = snapshot(receiver.traffic.handled);
    const bansBefore = A.bans.scoredCount;
    for (const msg of oneOfEach('B to A')) assert.ok(sender.send(msg), `B could not queue "${msg.type}"`);
    await assertHandledEveryType(receiver, before, 'A (inbound)');
    assert.equal(A.bans.scoredCount, bansBefore, 'valid objects cost no score');
    assert.ok(receiver.isOpen && sender.isOpen, 'the connection survived');
    assert.ok(receiver.ping.stats.unknownPongs >= 1, 'the stray pong was counted as unknown');
    assert.ok(A.status().handled.block >= 1, 'status().handled aggregates the connection counters');
    await waitFor('A stored the block B sent', () => A.status().height === 1);
  });

  test('A sends one of every type over its INBOUND connection; B (outbound side — the seed bug) handles each', async () => {
    const receiver = connection(B, A_IP);
    const sender = connection(A, B_IP);
    const before = snapshot(receiver.traffic.handled);
    const bansBefore = B.bans.scoredCount;
    for (const msg of oneOfEach('A to B')) assert.ok(sender.send(msg), `A could not queue "${msg.type}"`);
    await assertHandledEveryType(receiver, before, 'B (outbound)');
    assert.equal(B.bans.scoredCount, bansBefore, 'valid objects cost no score');
    assert.ok(receiver.isOpen && sender.isOpen, 'the connection survived');
    await waitFor('B stored block 1', () => B.status().height === 1);
    assert.equal(B.status().finalized, 1, 'the finalized proof A sent was believed');
  });

  test('an unknown type is counted per peer, logged once per run, costs nothing, and the connection stays up', async () => {
    const peer = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: '127.0.1.3' });
    const second = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: '127.0.1.4' });
    try {
      await peer.handshake({ keys: testKey(13), genesis });
      await second.handshake({ keys: testKey(14), genesis });
      const bansBefore = A.bans.scoredCount;
      peer.sendValue({ type: 'frobnicate', payload: 1 });
      peer.sendValue({ type: 'frobnicate', payload: 2 });
      second.sendValue({ type: 'frobnicate' });
      // Ordered after the unknown frames on each stream: once answered, they have been read.
      await peer.pingPong();
      await second.pingPong();
      assert.equal(A.status().unknown.frobnicate, 3, 'every frobnicate counted');
      assert.equal(connection(A, '127.0.1.3').traffic.unknown.get('frobnicate'), 2, 'counted per peer');
      const lines = logA.filter((l) => l.includes('frobnicate'));
      assert.equal(lines.length, 1, `logged once per run, got:\n${lines.join('\n')}`);
      assert.equal(A.bans.scoredCount, bansBefore, 'an unknown type costs no score');
      assert.ok(peer.isOpen && second.isOpen, 'both connections stay up');
      assert.deepEqual(peer.messages.filter((m) => m.type === 'reject'), [], 'nothing was refused');
    } finally {
      peer.destroy();
      second.destroy();
    }
  });
});

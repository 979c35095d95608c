// §5 "Fairness and backpressure" against `timenode start`, run as a user
// runs it: a valid message is delayed for arriving fast, never dropped, and
// costs no score; every ping is answered, in the order received.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageOf } from '../../src/wire/messages';
import { encodeMessage } from '../../src/wire/messages';
import { freePort, removeDir, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';
import { BudgetNode, NetFiles, prepareNet } from './fixtures/memory-node';
import { payloadId, txPayloads } from './fixtures/hostile-loads';

// This file's addresses: the node on 127.0.8.200, peers on 127.0.8.201–209.
const NODE_IP = '127.0.8.200';
let net: NetFiles;
let node: BudgetNode;
let port = 0;
const peers: RawPeer[] = [];

before(async () => {
  net = prepareNet(testKey(0x60), [testKey(0x3f)]);
  port = freePort();
  node = new BudgetNode({ name: 'paced', ip: NODE_IP, port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb: 96 });
  await node.ready();
});
after(async () => {
  for (const p of peers) p.destroy();
  await node?.stop();
  if (net) removeDir(net.dir);
});

async function join(ip: string, seed: number): Promise<RawPeer> {
  const p = await RawPeer.connect({ host: NODE_IP, port, localAddress: ip });
  peers.push(p);
  await p.handshake({ keys: testKey(seed), genesis: net.genesis });
  return p;
}

test('a wallet burst: 5 000 valid txs written in under a second all reach another peer, and the sender is not scored', async () => {
  const sender = await join('127.0.8.201', 0x61);
  const receiver = await join('127.0.8.202', 0x62);
  receiver.record = false;
  receiver.decodeAtMost = 128;
  const got = new Set<string>();
  receiver.onSkipped = (payload) => got.add(payloadId(payload));
  const burst = txPayloads(5000, 7);
  const t0 = Date.now();
  sender.sendRaw(sender.framesOf(burst.payloads));
  await new Promise<void>((resolve) => sender.socket.write(Buffer.alloc(0), () => resolve()));
  const writtenMs = Date.now() - t0;
  assert.ok(writtenMs < 1000, `the burst took ${writtenMs} ms to hand to the socket`);
  await waitFor('all 5 000 txs at the receiver', () => got.size >= 5000, 30_000);
  assert.deepEqual([...burst.ids].filter((id) => !got.has(id)), [], 'every tx of the burst was relayed');
  assert.ok(sender.isOpen, 'the sender is still connected');
  await sender.pingPong(3000);
  assert.equal(node.lines(/banning|rate limit|score/).length, 0, `the sender was scored:\n${node.lines(/banning|rate limit|score/).join('\n')}`);
});

test('2 000 back-to-back pings get 2 000 pongs, in order', async () => {
  const pinger = await join('127.0.8.203', 0x63);
  const nonces: Buffer[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < 2000; i++) {
    const nonce = Buffer.alloc(8);
    nonce.writeUInt32BE(0xb0b0, 0);
    nonce.writeUInt32BE(i, 4);
    nonces.push(nonce);
    frames.push(pinger.frameOf(encodeMessage({ type: 'ping', nonce, time: Date.now(), height: 0 })));
  }
  pinger.sendRaw(Buffer.concat(frames));
  const ours = (): MessageOf<'pong'>[] => pinger.received('pong').filter((p) => p.nonce.readUInt32BE(0) === 0xb0b0);
  await waitFor('2 000 pongs', () => ours().length >= 2000, 20_000);
  const order = ours().map((p) => p.nonce.readUInt32BE(4));
  assert.equal(order.length, 2000, 'one pong per ping, no more');
  assert.deepEqual(order, nonces.map((_, i) => i), 'pongs come in the order of the pings');
});

// PROTOCOL.md §1 on a live connection: malformed frames and a float where an
// integer is due each cost the sender `reject` `protocol` and its connection,
// and nobody else's; and what the node writes is plain CBOR that an
// independent decoder (cbor-x) reads to the same fields.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from 'cbor-x';
import type { Node } from '../../src/node/node';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.12.x.
const NODE_IP = '127.0.12.1';
const genesis = testGenesis([testKey(49)]);

/** A CBOR text string head + bytes (short strings only). */
function cborText(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  assert.ok(bytes.length < 24);
  return Buffer.concat([Buffer.from([0x60 | bytes.length]), bytes]);
}

/** `{type: "ping", nonce: <8 bytes>, time: <float64>, height: 0}`, written byte by byte. */
function pingWithFloatTime(time: number): Buffer {
  const float = Buffer.alloc(9);
  float[0] = 0xfb; // major 7, float64
  float.writeDoubleBE(time, 1);
  return Buffer.concat([
    Buffer.from([0xa4]), // map of 4
    cborText('type'), cborText('ping'),
    cborText('nonce'), Buffer.from([0x48]), Buffer.alloc(8, 7), // bstr 8
    cborText('time'), float,
    cborText('height'), Buffer.from([0x00]),
  ]);
}

/** A payload framed and sealed as the offender's next frame (§8), so the node's decoder, not its cipher, meets it. */
const framed = (payload: Buffer) => (peer: RawPeer): Buffer => peer.frameOf(payload);
const raw = (bytes: Buffer) => (): Buffer => bytes;

describe('the codec on a live connection', () => {
  let node: Node;
  let bystander: RawPeer;
  let nextIp = 10;

  before(async () => {
    node = await startNode({ ip: NODE_IP, keys: testKey(41), genesis });
    bystander = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: '127.0.12.2' });
    await bystander.handshake({ keys: testKey(42), genesis });
  });

  after(async () => {
    bystander?.destroy();
    await node?.stop();
  });

  /** An established RawPeer from a fresh IP (protocol errors are scored per IP; each case gets its own). */
  async function offender(): Promise<{ peer: RawPeer; ip: string }> {
    const ip = `127.0.12.${nextIp++}`;
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: ip });
    await peer.handshake({ keys: testKey(nextIp + 100), genesis });
    await waitFor(`${ip} registered`, () => node.registry.get(ip));
    return { peer, ip };
  }

  async function assertRefusedAlone(bytes: (peer: RawPeer) => Buffer, why: RegExp): Promise<void> {
    const { peer, ip } = await offender();
    try {
      peer.sendRaw(bytes(peer));
      const reject = await peer.waitForMessage('reject');
      assert.equal(reject.code, 'protocol');
      assert.match(reject.reason, why);
      await peer.waitClosed();
      await waitFor(`${ip} unregistered`, () => !node.registry.get(ip));
      // Only that connection: the bystander is still served.
      assert.ok(bystander.isOpen, 'the bystander connection is still open');
      await bystander.pingPong();
      assert.ok(node.registry.get('127.0.12.2')?.isOpen, 'the node still lists the bystander');
    } finally {
      peer.destroy();
    }
  }

  test('a frame whose body is not CBOR gets reject "protocol"; only that connection closes', async () => {
    // 0x1c–0x1e are reserved additional-info values: no well-formed item starts so.
    await assertRefusedAlone(framed(Buffer.from([0x1c, 0x1d, 0x1e])), /./);
  });

  test('a zero-length frame gets reject "protocol"; only that connection closes', async () => {
    await assertRefusedAlone(raw(Buffer.from([0, 0, 0, 0])), /frame length 0/);
  });

  test('a length prefix of 0xffffffff is refused on the prefix alone (no body sent): reject "protocol"', async () => {
    await assertRefusedAlone(raw(Buffer.from([0xff, 0xff, 0xff, 0xff])), /exceeds the maximum/);
  });

  test('an item declaring more elements than its frame holds is refused before allocation: reject "protocol"', async () => {
    // An array head claiming 2^32-1 elements in a 5-byte frame.
    await assertRefusedAlone(framed(Buffer.from([0x9a, 0xff, 0xff, 0xff, 0xff])), /exceeds|declared/);
  });

  test('a ping whose time is a CBOR float64 (integral value) gets reject "protocol" naming the field', async () => {
    await assertRefusedAlone(framed(pingWithFloatTime(1767225600000)), /ping\.time.*float/);
  });

  test("the node's hello is plain CBOR: cbor-x decodes the captured bytes to the same fields, ms as integers", async () => {
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: '127.0.12.3' });
    try {
      const ours = await peer.waitForMessage('hello');
      const raw = peer.payloads[0];
      assert.ok(raw, 'captured the first payload');
      const theirs: unknown = decode(raw);
      assert.ok(typeof theirs === 'object' && theirs !== null && !Array.isArray(theirs), 'a CBOR map');
      const map = theirs as Record<string, unknown>;
      assert.deepEqual(Object.keys(map).sort(), ['agent', 'challenge', 'genesis', 'height', 'kx', 'network', 'node', 'port', 'time', 'tip', 'type', 'version']);
      const asBuffer = (v: unknown): Buffer => {
        assert.ok(v instanceof Uint8Array, `expected a byte string, got ${typeof v}`);
        return Buffer.from(v);
      };
      assert.equal(map.type, 'hello');
      assert.equal(Number(map.version), ours.version);
      assert.equal(map.network, ours.network);
      assert.equal(map.agent, ours.agent);
      assert.equal(Number(map.port), node.listenPort);
      assert.equal(Number(map.height), 0);
      for (const f of ['genesis', 'node', 'challenge', 'tip', 'kx'] as const) {
        assert.equal(asBuffer(map[f]).toString('hex'), ours[f]?.toString('hex'), `field ${f}`);
      }
      assert.equal(asBuffer(map.node).toString('hex'), testKey(41).publicKey.toString('hex'));
      // cbor-x returns a 64-bit unsigned integer (major type 0) as a bigint, a float64 as a number:
      // a bigint here proves `time` was written as an integer, as §1 demands of every ms.
      assert.equal(typeof map.time, 'bigint', `time decoded as ${typeof map.time}`);
      assert.equal(map.time, BigInt(ours.time));
    } finally {
      peer.destroy();
    }
  });
});

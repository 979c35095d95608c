// Oversized frames and CBOR bombs against a real node (issue: "a length
// prefix of 4 GiB, a CBOR item claiming a huge array or string, a deeply
// nested item: each refused before it allocates, the node stays up"). Each
// bomb comes from its own address so that the misbehaviour score of one does
// not ban the next; after each, a fresh peer is still served.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../src/node/node';
import { encodeCbor } from '../../src/wire/cbor';
import type { MessageOf } from '../../src/wire/messages';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: the node on 127.0.7.1, peers on 127.0.7.10–127.0.7.49.
const NODE_IP = '127.0.7.1';
const genesis = testGenesis([testKey(0x69)]);
const MAX_FRAME = 4 * 1024 * 1024;
const MiB = 1024 * 1024;

/** A ping map with one more key, `x`, whose value is `tail` (raw CBOR bytes, possibly a lie). */
function pingWith(tail: Buffer, nonce = Buffer.alloc(8, 0x42)): Buffer {
  const base = encodeCbor({ type: 'ping', nonce, time: Date.now(), height: 0 });
  assert.equal(base[0], 0xa4, 'a map of 4 pairs');
  return Buffer.concat([Buffer.from([0xa5]), base.subarray(1), Buffer.from([0x61, 0x78]), tail]);
}

function prefix(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(length >>> 0, 0);
  return b;
}

describe('bombs: refused before anything is allocated for them, and the node stays up', () => {
  let node: Node;
  const peers: RawPeer[] = [];
  let nextIp = 10;

  before(async () => {
    node = await startNode({ ip: NODE_IP, keys: testKey(0x61), genesis });
  });
  after(async () => {
    for (const p of peers) p.destroy();
    await node?.stop();
  });

  async function connect(): Promise<RawPeer> {
    const p = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: `127.0.7.${nextIp++}` });
    peers.push(p);
    return p;
  }

  async function established(): Promise<RawPeer> {
    const p = await connect();
    await p.handshake({ keys: testKey(0x62), genesis });
    return p;
  }

  /** The node still serves: a new peer completes the handshake and gets a pong. */
  async function stillServes(): Promise<void> {
    const p = await established();
    await p.pingPong(3000);
    p.destroy();
  }

  async function refused(p: RawPeer, reason: RegExp): Promise<MessageOf<'reject'>> {
    const reject = await p.waitForMessage('reject', () => true, 3000);
    assert.equal(reject.code, 'protocol', `reject ${reject.code}: ${reject.reason}`);
    assert.match(reject.reason, reason);
    await p.waitClosed(3000);
    return reject;
  }

  /** Runs `bomb` and fails if the process's ArrayBuffer memory (Buffers) grew by more than `limit` meanwhile. */
  async function noAllocation(what: string, bomb: () => Promise<void>, limit = 1 * MiB): Promise<void> {
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    try {
      await bomb();
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    assert.ok(peak - before <= limit, `${what}: ArrayBuffer memory rose by ${((peak - before) / MiB).toFixed(1)} MiB (bound ${(limit / MiB).toFixed(1)} MiB)`);
  }

  test('a length prefix of 4 GiB − 1 (0xffffffff), alone: reject "protocol" at once, without waiting for a body', async () => {
    await noAllocation('4 GiB prefix', async () => {
      const p = await established();
      const sent = Date.now();
      p.sendRaw(prefix(0xffff_ffff));
      await refused(p, /frame length 4294967295 exceeds the maximum of 4194304 bytes/);
      assert.ok(Date.now() - sent < 2000, `refused after ${Date.now() - sent} ms`);
    });
    await stillServes();
  });

  test('the same prefix as the very first bytes of a connection (before any hello) is refused the same way', async () => {
    await noAllocation('4 GiB prefix before hello', async () => {
      const p = await connect();
      p.sendRaw(prefix(0xffff_ffff));
      await refused(p, /frame length 4294967295 exceeds/);
    });
    await stillServes();
  });

  test('maxFrame + 1 (4 MiB + 1) is refused at the prefix; exactly maxFrame is waited for, not allocated up front', async () => {
    await noAllocation('maxFrame + 1', async () => {
      const p = await established();
      p.sendRaw(prefix(MAX_FRAME + 1));
      await refused(p, /frame length 4194305 exceeds the maximum of 4194304/);
    });
    const p = await established();
    const before = node.inboundBudget.usedBytes;
    p.sendRaw(Buffer.concat([prefix(MAX_FRAME), Buffer.alloc(1000)]));
    await waitFor('the node to hold the partial frame', () => node.inboundBudget.usedBytes > before, 3000);
    assert.equal(node.inboundBudget.usedBytes - before, 1004, 'a 4 MiB frame of which 1000 bytes arrived costs 1004 bytes, not 4 MiB');
    await p.pingPong(500).then(
      () => assert.fail('a ping inside an unfinished frame must not be answered'),
      () => undefined,
    );
    p.destroy();
    await waitFor('the node to release the partial frame', () => node.inboundBudget.usedBytes === before, 3000);
    await stillServes();
  });

  const u64 = (hi: number, lo: number): Buffer => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(hi, 0);
    b.writeUInt32BE(lo, 4);
    return b;
  };
  const claims: [string, Buffer, RegExp][] = [
    ['an array of 2^32 items (8-byte length)', Buffer.concat([Buffer.from([0x9b]), u64(1, 0)]), /declared array length 4294967296/],
    ['an array of 2^32 − 1 items (4-byte length)', Buffer.from([0x9a, 0xff, 0xff, 0xff, 0xff]), /declared array length 4294967295/],
    ['a map of 2^32 pairs', Buffer.concat([Buffer.from([0xbb]), u64(1, 0)]), /declared map length 4294967296 \(at least 8589934592 bytes\)/],
    ['a byte string of 2^32 bytes', Buffer.concat([Buffer.from([0x5b]), u64(1, 0)]), /declared byte string length 4294967296/],
    ['a text string of 2^32 bytes', Buffer.concat([Buffer.from([0x7b]), u64(1, 0)]), /declared text string length 4294967296/],
    ['a byte string of 2^64 − 1 bytes', Buffer.concat([Buffer.from([0x5b]), u64(0xffff_ffff, 0xffff_ffff)]), /declared byte string length/],
    ['an indefinite byte string whose chunk claims 2^32 bytes', Buffer.concat([Buffer.from([0x5f, 0x5b]), u64(1, 0)]), /declared byte string chunk length 4294967296/],
  ];
  for (const [what, head, reason] of claims) {
    test(`a frame of under 80 bytes holding ${what}: reject "protocol" naming the claim, nothing allocated`, async () => {
      await noAllocation(what, async () => {
        const p = await established();
        const payload = pingWith(head);
        assert.ok(payload.length < 80, `frame of ${payload.length} bytes`);
        p.sendPayload(payload);
        await refused(p, reason);
      });
      await stillServes();
    });
  }

  /** `depth` nested arrays: [[[…[]…]]]. */
  const nested = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth - 1, 0x81), Buffer.from([0x80])]);

  test('nesting: an item 16 deep is accepted (the ping carrying it is answered), 17 deep is refused', async () => {
    const ok = await established();
    const nonce = Buffer.alloc(8, 0x16);
    // The message map is depth 1, so 15 arrays inside it reach depth 16.
    ok.sendPayload(pingWith(nested(15), nonce));
    await ok.waitForMessage('pong', (m) => m.nonce.equals(nonce), 3000);
    const deep = await established();
    deep.sendPayload(pingWith(nested(16)));
    await refused(deep, /nesting deeper than 16/);
    await stillServes();
  });

  test('a 100 000-deep nesting bomb is refused at depth 17, with no stack overflow and no allocation', async () => {
    await noAllocation('deep nesting', async () => {
      const p = await established();
      p.sendPayload(pingWith(nested(100_000)));
      await refused(p, /nesting deeper than 16/);
    });
    await stillServes();
  });

  // Last in the file: it measures the process's peak RSS, which only ever rises.
  test('a real (not claimed) wide item: a 256 KiB frame of an unknown type holding 262 000 empty maps is refused before it allocates ~190x its size', async () => {
    const COUNT = 256 * 1024 - 64;
    const head = encodeCbor({ type: 'x-wide', items: [] });
    // {type: 'x-wide', items: [ {}, {}, … ]}: the array head says COUNT, and COUNT one-byte maps follow: every claim is true.
    const arrayHead = Buffer.from([0x9a, 0, 0, 0, 0]);
    arrayHead.writeUInt32BE(COUNT, 1);
    const payload = Buffer.concat([head.subarray(0, head.length - 1), arrayHead, Buffer.alloc(COUNT, 0xa0)]);
    const LIMIT = 16 * payload.length;
    const p = await established();
    const rssBefore = process.memoryUsage().rss;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const started = Date.now();
    p.sendPayload(payload);
    // Handled either way: counted as an unknown type (accepted) or refused.
    await waitFor('the node to handle the frame', () => (node.status().unknown['x-wide'] ?? 0) > 0 || p.messages.some((m) => m.type === 'reject') || !p.isOpen, 10_000);
    const took = Date.now() - started;
    const grew = process.resourceUsage().maxRSS * 1024 - Math.max(peakBefore, rssBefore);
    await stillServes();
    assert.ok(
      grew <= LIMIT,
      `handling one ${(payload.length / 1024).toFixed(0)} KiB frame raised this process's peak RSS by ${(grew / MiB).toFixed(1)} MiB (bound ${(LIMIT / MiB).toFixed(1)} MiB, 16x the frame) and took ${took} ms: ` +
        'the decoder materialises every item of a well-formed payload before the schema (or the unknown-type rule) looks at it',
    );
  });
});

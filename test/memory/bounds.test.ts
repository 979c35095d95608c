// The bounds behind "memory-bounded under load", one by one: the per-peer
// send queue (bytes, messages, oldest dropped, control lane, fullSince,
// socket backpressure), the per-category token buckets, the shared inbound
// budget, the inbound caps per /24 and /48, and the budget split with the
// per-entry costs it is computed from, measured in a clean child process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { connect, createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_CHAIN_LIMITS } from '../../src/chain/chain';
import { DEFAULT_TX_POOL_LIMITS } from '../../src/chain/tx-pool';
import { InboundBudget } from '../../src/net/inbound-budget';
import { subnetKey } from '../../src/net/ip';
import { CATEGORY_OF, RateLimiter } from '../../src/net/rate-limit';
import { DEFAULT_RATE_LIMITS, RateLimits } from '../../src/base/rate-limits';
import { SendQueue } from '../../src/net/send-queue';
import { applyBudget } from '../../src/node/apply-budget';
import { COST, DEFAULT_MAX_MEMORY_MB, describeSplit, MIN_MAX_MEMORY_MB, SHARES, splitBudget } from '../../src/base/budget';
import { DEFAULT_LIMITS } from '../../src/base/config';
import type { Node } from '../../src/node/node';
import { encodeCbor } from '../../src/wire/cbor';
import { freePort, startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';
import type { ProbeResult } from '../slow/fixtures/cost-probe';

// This file's addresses: nodes on 127.0.7.2–127.0.7.5, peers on 127.0.7.50–127.0.7.99.
const genesis = testGenesis([testKey(0x79)]);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A frame whose bytes say which one it is: `seq` in the first 4 bytes, then filler. */
function frame(seq: number, size: number): Buffer {
  const f = Buffer.alloc(size, 0xee);
  f.writeUInt32BE(seq, 0);
  return f;
}

function seqs(bytes: Buffer, size: number): number[] {
  const out: number[] = [];
  for (let at = 0; at + size <= bytes.length; at += size) out.push(bytes.readUInt32BE(at));
  return out;
}

/** A stream whose first write never completes: everything after it stays in the queue, so its state is exact. */
class StalledStream extends Writable {
  readonly written: Buffer[] = [];
  private readonly pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 1 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(chunk);
    this.pending.push(() => done());
  }
  /** Completes every write so far, as a reader catching up would (the stream emits 'drain'). */
  release(): void {
    for (const done of this.pending.splice(0)) done();
  }
  /** What was written after the plug that stalled it. */
  get bytes(): Buffer {
    return Buffer.concat(this.written.slice(1));
  }
}

/** A stream that takes every write at once: no backpressure ever. */
class OpenStream extends Writable {
  readonly written: Buffer[] = [];
  constructor() {
    super({ highWaterMark: 1 << 30 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written.push(chunk);
    done();
  }
}

/** A queue whose socket already pushes back: a first frame was written and never completed, so nothing more leaves. */
async function stalledQueue(limits: { dataBytes: number; dataMessages: number; controlMessages: number }, now?: () => number): Promise<{ q: SendQueue; stream: StalledStream }> {
  const stream = new StalledStream();
  const q = new SendQueue(stream, limits, now);
  q.push(Buffer.from('plug'), 'control');
  await tick();
  assert.equal(stream.written.length, 1, 'the plug was written and the socket reported backpressure');
  return { q, stream };
}

describe('SendQueue: the outbound ring buffer of one peer', () => {
  test('bounded in messages: under backpressure, 10 relays into a 4-message lane keep the newest 4 and count 6 dropped', async () => {
    const { q } = await stalledQueue({ dataBytes: 1 << 20, dataMessages: 4, controlMessages: 8 });
    const kept = Array.from({ length: 10 }, (_, i) => q.push(frame(i, 100), 'data'));
    assert.deepEqual(kept, [true, true, true, true, false, false, false, false, false, false], 'push() reports a drop from the 5th on');
    assert.deepEqual({ queuedMessages: q.stats.queuedMessages, queuedBytes: q.stats.queuedBytes, droppedData: q.stats.droppedData }, { queuedMessages: 4, queuedBytes: 400, droppedData: 6 });
  });

  test('bounded in bytes: 300-byte relays in a 1000-byte lane keep 3 (900 bytes) and drop the oldest; the newest reach the socket in order', async () => {
    const { q, stream } = await stalledQueue({ dataBytes: 1000, dataMessages: 4096, controlMessages: 8 });
    for (let i = 0; i < 10; i++) q.push(frame(i, 300), 'data');
    assert.deepEqual({ queuedMessages: q.stats.queuedMessages, queuedBytes: q.stats.queuedBytes, droppedData: q.stats.droppedData }, { queuedMessages: 3, queuedBytes: 900, droppedData: 7 });
    stream.release();
    await tick();
    assert.deepEqual(seqs(stream.bytes, 300), [7, 8, 9], 'oldest-first: the frames that reach the socket are the newest, in order');
  });

  test('no backpressure, no drops: 20 relays of 100 KB queued in one tick (one I/O phase) into a 256 KB lane all reach a socket that takes them', () => {
    const stream = new OpenStream();
    const q = new SendQueue(stream, { dataBytes: 256 * 1024, dataMessages: 4096, controlMessages: 8 });
    for (let i = 0; i < 20; i++) q.push(frame(i, 100_000), 'data');
    assert.equal(q.stats.droppedData, 0, `dropped ${q.stats.droppedData} relays although the socket never pushed back: the lane only flushes on the next tick`);
  });

  test('a relay larger than the whole lane still goes out, alone', async () => {
    const { q, stream } = await stalledQueue({ dataBytes: 1000, dataMessages: 4096, controlMessages: 8 });
    q.push(frame(1, 300), 'data');
    q.push(frame(2, 5000), 'data');
    assert.deepEqual({ queuedMessages: q.stats.queuedMessages, droppedData: q.stats.droppedData }, { queuedMessages: 1, droppedData: 1 });
    stream.release();
    await tick();
    assert.deepEqual(seqs(stream.bytes, 5000), [2]);
  });

  test('control frames get a place while the data lane is full, and go out ahead of the relays', async () => {
    const { q, stream } = await stalledQueue({ dataBytes: 1 << 20, dataMessages: 4, controlMessages: 8 });
    for (let i = 0; i < 6; i++) q.push(frame(i, 100), 'data');
    q.push(frame(1000, 100), 'control');
    assert.deepEqual({ queuedMessages: q.stats.queuedMessages, droppedControl: q.stats.droppedControl }, { queuedMessages: 5, droppedControl: 0 }, 'a pong is queued although the data lane is full');
    stream.release();
    await tick();
    assert.deepEqual(seqs(stream.bytes, 100), [1000, 2, 3, 4, 5], 'the control frame is written first');
  });

  test('a reject still gets a place when the control lane is already full of pongs (a ping flood from a peer that does not read)', async () => {
    const { q, stream } = await stalledQueue({ dataBytes: 1 << 20, dataMessages: 4096, controlMessages: 256 });
    for (let i = 0; i < 300; i++) q.push(frame(i, 40), 'control');
    q.push(frame(9999, 40), 'control');
    q.close();
    stream.release();
    await tick();
    const written = seqs(stream.bytes, 40);
    assert.equal(written[written.length - 1], 9999, `the reject must be the last frame written; wrote ${written.length} control frames ending ${written.slice(-3).join(',')} (droppedControl=${q.stats.droppedControl})`);
    assert.ok(written.length <= 256, `control frames held while stalled: ${written.length}, bound 256`);
  });

  test('fullSince: set when the lane fills, kept while it stays full, cleared once a flush leaves room', async () => {
    let now = 1000;
    const stream = new StalledStream();
    const q = new SendQueue(stream, { dataBytes: 1 << 20, dataMessages: 4, controlMessages: 8 }, () => now);
    for (let i = 0; i < 3; i++) q.push(frame(i, 100), 'data');
    assert.equal(q.fullSince, undefined, 'three of four: not full');
    q.push(frame(3, 100), 'data');
    assert.equal(q.fullSince, 1000, 'the fourth fills it');
    await tick(); // the flush hands the four to the stream, which stalls: the lane is empty again
    assert.equal(q.fullSince, undefined);
    now = 2000;
    for (let i = 4; i < 8; i++) q.push(frame(i, 100), 'data');
    assert.equal(q.fullSince, 2000, 'full again while the socket is stalled');
    now = 3000;
    q.push(frame(8, 100), 'data');
    assert.equal(q.fullSince, 2000, 'dropping keeps the time it became full, so the deadline runs from there');
    stream.release(); // the reader catches up: 'drain', the queue flushes
    await tick();
    assert.equal(q.fullSince, undefined, 'a flush that leaves room clears it');
  });

  test('fullSince is also set when the lane drops relays for lack of bytes (large relays: blocks, big txs, padded proofs)', async () => {
    let now = 5000;
    const { q } = await stalledQueue({ dataBytes: 1000, dataMessages: 4096, controlMessages: 8 }, () => now);
    for (let i = 0; i < 10; i++) {
      q.push(frame(i, 300), 'data');
      now += 10;
    }
    assert.ok(q.stats.droppedData > 0, 'relays were dropped');
    assert.notEqual(q.fullSince, undefined, `the lane dropped ${q.stats.droppedData} relays with ${q.stats.queuedBytes} of 1000 bytes queued, but fullSince is undefined: the slow-peer deadline never starts for relays that do not divide the lane exactly`);
    assert.equal(q.fullSince, 5030, 'it became full at the first drop');
  });

  test('writes respect the socket backpressure: a peer that never reads costs at most one batch in the socket plus the lane; the node never blocks', async () => {
    const server = createServer();
    const port = freePort();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.7.2', port }, resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const reader = connect({ host: '127.0.7.2', port, localAddress: '127.0.7.50' });
    await new Promise<void>((resolve) => reader.once('connect', resolve));
    reader.pause();
    const stream = await accepted;
    try {
      const SIZE = 4096;
      const LANE = 256 * 1024;
      const q = new SendQueue(stream, { dataBytes: LANE, dataMessages: 4096, controlMessages: 256 });
      let pushed = 0;
      let maxUserBuffered = 0;
      let maxQueued = 0;
      const started = Date.now();
      // Keep pushing until well past what the kernel absorbs: relays must start to drop, never block.
      while (q.stats.droppedData < 2000 && Date.now() - started < 20_000) {
        const t0 = Date.now();
        for (let i = 0; i < 256; i++) q.push(frame(pushed++, SIZE), 'data');
        assert.ok(Date.now() - t0 < 200, 'push() must never wait for the socket');
        await tick();
        maxUserBuffered = Math.max(maxUserBuffered, stream.writableLength);
        maxQueued = Math.max(maxQueued, q.stats.queuedBytes);
      }
      assert.ok(q.stats.droppedData >= 2000, `relays should drop once the socket is full; dropped ${q.stats.droppedData} of ${pushed}`);
      const batchBound = 64 * 1024 + SIZE + stream.writableHighWaterMark;
      assert.ok(maxUserBuffered <= batchBound, `the socket's user-space buffer reached ${maxUserBuffered} bytes; one batch is at most ${batchBound}`);
      assert.ok(maxQueued <= LANE, `the lane held ${maxQueued} bytes; its bound is ${LANE}`);
      const written = q.stats.writtenBytes / SIZE;
      assert.equal(written + q.stats.queuedMessages + q.stats.droppedData, pushed, 'every frame is written, queued or counted as dropped');
      // The reader now catches up: it gets whole frames in increasing order, gaps where relays were dropped.
      const got: Buffer[] = [];
      reader.on('data', (c: Buffer) => got.push(c));
      reader.resume();
      await waitFor('the queue to drain into the reading socket', () => q.stats.queuedMessages === 0 && stream.writableLength === 0, 10_000);
      stream.end();
      await new Promise<void>((resolve) => reader.once('end', resolve));
      const order = seqs(Buffer.concat(got), SIZE);
      assert.equal(Buffer.concat(got).length % SIZE, 0, 'only whole frames were written');
      assert.ok(order.every((s, i) => i === 0 || s > (order[i - 1] as number)), 'frames arrive in push order');
      assert.equal(order[order.length - 1], pushed - 1, 'the newest relay is never the one dropped');
    } finally {
      reader.destroy();
      stream.destroy();
      server.close();
    }
  });
});

describe('RateLimiter: per-peer, per-category token buckets that pace, never drop (§5)', () => {
  const limits = (spec: Partial<RateLimits>): RateLimits => ({ ...DEFAULT_RATE_LIMITS, ...spec });

  test('a full bucket allows its burst at once; the next message gets a wait until its token is due', () => {
    const r = new RateLimiter(limits({ tx: { perSecond: 10, burst: 5 } }));
    const got = Array.from({ length: 6 }, () => r.take('tx', 0));
    assert.deepEqual(got, [0, 0, 0, 0, 0, 100], 'at 10/s the sixth token is due in 100 ms');
    assert.deepEqual(r.paused.get('tx'), { times: 1, ms: 100 }, 'pauses are counted per category');
  });

  test('tokens refill at perSecond, never above burst; a wait is never shorter than what is due', () => {
    const r = new RateLimiter(limits({ tx: { perSecond: 10, burst: 5 } }));
    for (let i = 0; i < 5; i++) r.take('tx', 0);
    assert.equal(r.take('tx', 99), 1, '0.99 tokens after 99 ms at 10/s: the last 0.01 token takes 1 ms');
    assert.equal(r.take('tx', 100), 0, 'one token 100 ms later');
    const after10s = Array.from({ length: 7 }, () => r.take('tx', 10_000));
    assert.equal(after10s.filter((x) => x === 0).length, 5, 'ten idle seconds refill the bucket to its burst of 5, not 100');
  });

  test('buckets are separate per category: a tx burst leaves votes, blocks and pings their full allowance', () => {
    const r = new RateLimiter(DEFAULT_RATE_LIMITS);
    for (let i = 0; i < DEFAULT_RATE_LIMITS.tx.burst; i++) assert.equal(r.take('tx', 0), 0);
    assert.ok(r.take('tx', 0) > 0, 'the tx bucket is empty');
    assert.equal(r.take('vote', 0), 0);
    assert.equal(r.take('block', 0), 0);
    assert.equal(r.take('ping', 0), 0);
  });

  test('defaults: gossip buckets hold a wallet burst of 5 000 txs and 2 000 back-to-back pings without pausing', () => {
    assert.ok(DEFAULT_RATE_LIMITS.tx.burst >= 5000);
    assert.ok(DEFAULT_RATE_LIMITS.ping.burst >= 2000);
    assert.equal(CATEGORY_OF.ping, 'ping');
    assert.equal(CATEGORY_OF.pong, 'ping');
  });
});

describe('InboundBudget: one bound on the bytes all peers hold in half-received frames', () => {
  test('adjust() says whether the budget still holds; whenFree() callbacks run once, when usage is back within it', () => {
    const b = new InboundBudget(1000);
    const calls: string[] = [];
    assert.equal(b.adjust(800), true);
    assert.equal(b.adjust(300), false, '1100 of 1000');
    b.whenFree(() => calls.push('a'));
    b.whenFree(() => calls.push('b'));
    assert.equal(b.adjust(50), false);
    assert.deepEqual(calls, [], 'more usage resumes nobody');
    assert.equal(b.adjust(-100), false, '1050: still over');
    assert.deepEqual(calls, [], 'still over: nobody resumed');
    assert.equal(b.adjust(-50), true, 'exactly at the limit');
    assert.deepEqual(calls, ['a', 'b']);
    b.adjust(-1000);
    assert.deepEqual(calls, ['a', 'b'], 'each callback runs once');
    assert.equal(b.usedBytes, 0);
  });

  test('forget() drops a waiting peer (it closed): it is not resumed', () => {
    const b = new InboundBudget(10);
    const calls: string[] = [];
    const resume = (): void => {
      calls.push('x');
    };
    b.adjust(20);
    b.whenFree(resume);
    b.forget(resume);
    b.adjust(-20);
    assert.deepEqual(calls, []);
  });

  describe('in a node: the peer whose bytes would exceed the budget is paused until another releases', () => {
    let node: Node;
    const peers: RawPeer[] = [];
    const BUDGET = 64 * 1024;
    before(async () => {
      node = await startNode({ ip: '127.0.7.3', keys: testKey(0x71), genesis, limits: { inboundBufferBytes: BUDGET } });
    });
    after(async () => {
      for (const p of peers) p.destroy();
      await node?.stop();
    });

    /** A ping padded (unknown key, ignored) to `size` bytes of payload. */
    function paddedPing(size: number): Buffer {
      const base = { type: 'ping', nonce: Buffer.alloc(8, 7), time: Date.now(), height: 0 };
      const head = encodeCbor({ ...base, pad: Buffer.alloc(0) }).length;
      // A byte string of n > 65535 bytes has a 5-byte head, one of 256..65535 a 3-byte head.
      const padHead = size - head > 65535 + 5 ? 4 : size - head > 255 + 3 ? 2 : 1;
      const payload = encodeCbor({ ...base, pad: Buffer.alloc(size - head - padHead) });
      assert.equal(payload.length, size);
      return payload;
    }

    test('A holds 60 000 bytes of a frame, B 10 000 more: B is paused (its completed ping is not answered) until A completes', async () => {
      const join = async (ip: string, seed: number): Promise<RawPeer> => {
        const p = await RawPeer.connect({ host: '127.0.7.3', port: node.listenPort, localAddress: ip });
        peers.push(p);
        await p.handshake({ keys: testKey(seed), genesis });
        return p;
      };
      const a = await join('127.0.7.51', 0x72);
      const b = await join('127.0.7.52', 0x73);
      const frameA = a.frameOf(paddedPing(100_000));
      const frameB = b.frameOf(paddedPing(20_000));
      a.sendRaw(frameA.subarray(0, 60_000));
      await waitFor('the node to hold A\'s partial frame', () => node.inboundBudget.usedBytes >= 60_000, 3000);
      const pongsB = (): number => b.messages.filter((m) => m.type === 'pong').length;
      const before = pongsB();
      b.sendRaw(frameB.subarray(0, 10_000));
      await waitFor('the node to charge B\'s bytes', () => node.inboundBudget.usedBytes > BUDGET, 3000);
      b.sendRaw(frameB.subarray(10_000));
      await sleep(500);
      assert.equal(pongsB(), before, `B's ping was answered while the budget (${node.inboundBudget.usedBytes} of ${BUDGET} bytes used) was exceeded: B was not paused`);
      a.sendRaw(frameA.subarray(60_000));
      await waitFor('B\'s ping to be answered once A released its bytes', () => pongsB() > before, 3000);
      await waitFor('the budget to be empty again', () => node.inboundBudget.usedBytes === 0, 3000);
    });
  });
});

describe('inbound backpressure: a peer\'s decoded backlog is handled maxMessagesPerTurn at a time, its socket paused in between', () => {
  const PER_TURN = 8;
  let node: Node;
  const peers: RawPeer[] = [];
  before(async () => {
    node = await startNode({ ip: '127.0.7.5', keys: testKey(0x76), genesis, limits: { maxMessagesPerTurn: PER_TURN } });
  });
  after(async () => {
    for (const p of peers) p.destroy();
    await node?.stop();
  });

  test('50 000 pings written at once by A do not hold up B: B\'s ping, sent after them, is answered after a few dozen of A\'s, not thousands', async () => {
    const join = async (ip: string, seed: number): Promise<RawPeer> => {
      const p = await RawPeer.connect({ host: '127.0.7.5', port: node.listenPort, localAddress: ip });
      peers.push(p);
      await p.handshake({ keys: testKey(seed), genesis });
      return p;
    };
    const a = await join('127.0.7.70', 0x77);
    const b = await join('127.0.7.71', 0x78);
    const COUNT = 50_000;
    const frames: Buffer[] = [];
    for (let i = 0; i < COUNT; i++) {
      const nonce = Buffer.alloc(8);
      nonce.writeUInt32BE(i, 4);
      frames.push(a.frameOf(encodeCbor({ type: 'ping', nonce, time: Date.now(), height: 0 })));
    }
    const pongsOf = (p: RawPeer): number => p.messages.filter((m) => m.type === 'pong').length;
    const aBefore = pongsOf(a);
    a.sendRaw(Buffer.concat(frames));
    await waitFor('the node to start on A\'s pings', () => pongsOf(a) > aBefore, 5000, 1);
    const bPong = b.pingPong(10_000);
    await bPong;
    const aAtB = pongsOf(a) - aBefore;
    await waitFor('A to get all its pongs', () => pongsOf(a) - aBefore >= COUNT, 30_000);
    // Measured: with 8 a turn B is answered after ~30 of A's pongs; with no limit, after ~6 500 (whole 64 KiB reads at a time).
    assert.ok(aAtB < 1000, `B's pong came when A had ${aAtB} of its ${COUNT} pongs: A's backlog was not cut into turns of ${PER_TURN}`);
  });
});

describe('inbound caps: per /24 of a public IPv4, per /48 of IPv6, loopback and private exempt', () => {
  test('subnetKey groups public IPv4 by /24 and IPv6 by /48', () => {
    assert.equal(subnetKey('203.0.113.7'), '203.0.113.0/24');
    assert.equal(subnetKey('203.0.113.200'), subnetKey('203.0.113.7'));
    assert.notEqual(subnetKey('203.0.114.7'), subnetKey('203.0.113.7'));
    assert.equal(subnetKey('8.8.8.8'), '8.8.8.0/24');
    assert.equal(subnetKey('172.32.0.1'), '172.32.0.0/24', '172.32/16 is public (only 172.16/12 is private)');
    assert.equal(subnetKey('2001:db8:aa:1:0:0:0:1'), subnetKey('2001:db8:aa:ffff:0:0:0:9'));
    assert.notEqual(subnetKey('2001:db8:aa:0:0:0:0:1'), subnetKey('2001:db8:ab:0:0:0:0:1'));
  });

  test('loopback, private, link-local and shared (CGNAT) ranges have no group: never capped', () => {
    for (const ip of ['127.0.0.1', '127.0.7.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.0.1', '100.64.0.1', '100.127.255.255', '0:0:0:0:0:0:0:1', 'fd00:0:0:0:0:0:0:1', 'fe80:0:0:0:0:0:0:1']) {
      assert.equal(subnetKey(ip), undefined, `${ip} must be exempt`);
    }
  });

  describe('in a node, over real sockets whose source reads as a public address', () => {
    // Loopback cannot carry a public source address, so a front server accepts
    // real connections and hands each socket to the node's own accept path
    // with remoteAddress set to the address under test.
    let node: Node;
    let front: Server;
    let frontPort = 0;
    let nextAddress = '';
    const peers: RawPeer[] = [];
    before(async () => {
      node = await startNode({ ip: '127.0.7.4', keys: testKey(0x74), genesis, limits: { maxPeers: 64, maxInbound: 40, maxInboundPerSubnet: 4 } });
      const accept = (node.manager as unknown as { accept(socket: Socket): void }).accept.bind(node.manager);
      front = createServer((socket) => {
        Object.defineProperty(socket, 'remoteAddress', { value: nextAddress });
        accept(socket);
      });
      frontPort = freePort();
      await new Promise<void>((resolve) => front.listen({ host: '127.0.7.4', port: frontPort }, resolve));
    });
    after(async () => {
      for (const p of peers) p.destroy();
      front?.close();
      await node?.stop();
    });

    async function joinAs(address: string, seed: number): Promise<{ ok: boolean; code?: string; reason?: string }> {
      nextAddress = address;
      const p = await RawPeer.connect({ host: '127.0.7.4', port: frontPort, localAddress: '127.0.7.53' });
      peers.push(p);
      const outcome = await p.tryHandshake({ keys: testKey(seed), genesis });
      return outcome.ok ? { ok: true } : { ok: false, code: outcome.reject.code, reason: outcome.reject.reason };
    }

    test('four inbound from 203.0.113.0/24 are served; the fifth gets reject "full" naming the /24; another /24 is still served', async () => {
      for (let i = 1; i <= 4; i++) assert.deepEqual(await joinAs(`203.0.113.${i}`, 0x80 + i), { ok: true }, `203.0.113.${i}`);
      const fifth = await joinAs('203.0.113.5', 0x85);
      assert.equal(fifth.code, 'full', JSON.stringify(fifth));
      assert.match(fifth.reason ?? '', /4 inbound connections from 203\.0\.113\.0\/24/);
      assert.deepEqual(await joinAs('198.51.100.1', 0x86), { ok: true }, 'another /24');
      assert.deepEqual(
        node.status().peers.map((p) => p.ip).filter((ip) => ip.startsWith('203.0.113.')).sort(),
        ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'],
      );
    });

    test('the same for IPv6 by /48: the fifth from 2001:db8:77::/48 is refused', async () => {
      for (let i = 1; i <= 4; i++) assert.deepEqual(await joinAs(`2001:db8:77:${i}::1`, 0x90 + i), { ok: true }, `2001:db8:77:${i}::1`);
      const fifth = await joinAs('2001:db8:77:5::1', 0x95);
      assert.equal(fifth.code, 'full', JSON.stringify(fifth));
      assert.match(fifth.reason ?? '', /4 inbound connections from .*::\/48/);
    });

    test('private and loopback sources are exempt: six from 10.9.9.0/24 and six from 127.0.7.0/24 are all served', async () => {
      for (let i = 1; i <= 6; i++) assert.deepEqual(await joinAs(`10.9.9.${i}`, 0xa0 + i), { ok: true }, `10.9.9.${i}`);
      for (let i = 1; i <= 6; i++) assert.deepEqual(await joinAs(`127.0.7.${100 + i}`, 0xb0 + i), { ok: true }, `127.0.7.${100 + i}`);
    });
  });

  describe('in a node: maxInbound is its own cap, below maxPeers', () => {
    let node: Node;
    const peers: RawPeer[] = [];
    before(async () => {
      node = await startNode({ ip: '127.0.7.2', keys: testKey(0x75), genesis, limits: { maxPeers: 10, maxInbound: 3 } });
    });
    after(async () => {
      for (const p of peers) p.destroy();
      await node?.stop();
    });

    test('three inbound are served, the fourth gets reject "full" naming the inbound limit', async () => {
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i++) {
        const p = await RawPeer.connect({ host: '127.0.7.2', port: node.listenPort, localAddress: `127.0.7.${60 + i}` });
        peers.push(p);
        const o = await p.tryHandshake({ keys: testKey(0xc0 + i), genesis });
        outcomes.push(o.ok ? 'ok' : `${o.reject.code}: ${o.reject.reason}`);
      }
      assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'full: inbound limit of 3 reached']);
    });
  });
});

describe('the budget split (--max-memory)', () => {
  test(`refuses less than ${MIN_MAX_MEMORY_MB} MB with a message naming --max-memory`, () => {
    for (const bad of [MIN_MAX_MEMORY_MB - 1, 0, Number.NaN]) {
      assert.throws(() => splitBudget(bad, 32), (err: Error) => err instanceof RangeError && /--max-memory must be at least 16 MB/.test(err.message), `${bad}`);
    }
    assert.doesNotThrow(() => splitBudget(MIN_MAX_MEMORY_MB, 32));
  });

  for (const mbs of [MIN_MAX_MEMORY_MB, 32, DEFAULT_MAX_MEMORY_MB, 400]) {
    for (const maxPeers of [8, 32, 128]) {
      test(`${mbs} MB, ${maxPeers} peers: the parts, costed with COST, add up to no more than the total`, () => {
        const s = splitBudget(mbs, maxPeers);
        const parts = {
          sendQueues: s.sendQueueBytesPerPeer * maxPeers,
          inbound: s.inboundBufferBytes,
          txPool: Math.max(s.txPoolTxs * COST.poolTx, s.txPoolBytes * COST.poolHeapPerCountedByte),
          seen: s.seenEntries * COST.seenEntry,
          sync: s.blocksAnswerBytes,
          addresses: s.addresses * COST.address,
        };
        const sum = Object.values(parts).reduce((a, b) => a + b, 0);
        assert.ok(sum <= s.totalBytes, `parts ${JSON.stringify(parts)} sum to ${sum} > ${s.totalBytes}`);
        for (const [name, pct] of Object.entries({ sendQueues: SHARES.sendQueues, inbound: SHARES.inboundFrames, txPool: SHARES.txPool, seen: SHARES.seenCache, addresses: SHARES.addresses })) {
          const part = parts[name as keyof typeof parts];
          // The floors (100 txs, 1000 ids, 64 addresses) may exceed a share only at the smallest budgets.
          assert.ok(part <= (s.totalBytes * pct) / 100 + 64 * 1024, `${name}: ${part} bytes for a ${pct}% share of ${s.totalBytes}`);
        }
        const sized = applyBudget(s, DEFAULT_LIMITS, DEFAULT_CHAIN_LIMITS);
        assert.equal(sized.limits.sendQueueBytes, s.sendQueueBytesPerPeer);
        assert.equal(sized.limits.inboundBufferBytes, s.inboundBufferBytes);
        assert.deepEqual({ maxTxs: sized.chain.txPool.maxTxs, maxBytes: sized.chain.txPool.maxBytes }, { maxTxs: s.txPoolTxs, maxBytes: s.txPoolBytes });
        assert.match(describeSplit(s, maxPeers), new RegExp(`^memory budget ${mbs.toFixed(1)} MB: send queues`));
      });
    }
  }

  describe('COST: per-entry costs measured in a clean child process (node --expose-gc)', () => {
    let probe: ProbeResult;
    before(async () => {
      const script = join(__dirname, '..', 'slow', 'fixtures', 'cost-probe.js');
      const child = fork(script, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      probe = await new Promise<ProbeResult>((resolve, reject) => {
        child.once('message', (m: ProbeResult) => resolve(m));
        child.once('exit', (code) => reject(new Error(`cost probe exited with ${code} before reporting`)));
      });
      process.stdout.write(`# measured bytes per entry: ${JSON.stringify(probe)}\n`);
    });

    test('a seen-cache id (a relay id in the Map) costs no more than COST.seenEntry', () => {
      assert.ok(probe.seenEntry <= COST.seenEntry, `measured ${probe.seenEntry.toFixed(0)} bytes per seen id (10 000 entries), COST.seenEntry is ${COST.seenEntry}`);
    });

    test('a pooled 1-in/1-out tx costs no more than COST.poolTx', () => {
      assert.ok(probe.poolTx <= COST.poolTx, `measured ${probe.poolTx.toFixed(0)} bytes per pooled tx (10 000 txs decoded from wire bytes), COST.poolTx is ${COST.poolTx}`);
    });

    test('per byte the pool counts against maxBytes, a pooled tx costs no more than COST.poolHeapPerCountedByte (1, 8 and 64 inputs)', () => {
      const worst = Math.max(probe.poolHeapPerCountedByte.in1, probe.poolHeapPerCountedByte.in8, probe.poolHeapPerCountedByte.in64);
      assert.ok(worst <= COST.poolHeapPerCountedByte, `measured ${JSON.stringify(probe.poolHeapPerCountedByte)} heap bytes per counted byte; the split assumes ${COST.poolHeapPerCountedByte}`);
    });

    test('an address book entry (IPv4 or IPv6) costs no more than COST.address', () => {
      assert.ok(Math.max(probe.addressV4, probe.addressV6) <= COST.address, `measured ${probe.addressV4.toFixed(0)} (IPv4) and ${probe.addressV6.toFixed(0)} (IPv6) bytes per entry, COST.address is ${COST.address}`);
    });

    test('the tx pool at its limits fits its share of the default budget, and its finality memory fits the finality share', () => {
      const s = splitBudget(DEFAULT_MAX_MEMORY_MB, DEFAULT_LIMITS.maxPeers);
      const poolShare = (s.totalBytes * SHARES.txPool) / 100;
      const finalityShare = (s.totalBytes * SHARES.finality) / 100;
      const pool = applyBudget(s, DEFAULT_LIMITS, DEFAULT_CHAIN_LIMITS).chain.txPool;
      const limits = { ...DEFAULT_TX_POOL_LIMITS, ...pool };
      const pooled = Math.max((limits.maxTxs ?? 0) * probe.poolTx, (limits.maxBytes ?? 0) * probe.poolHeapPerCountedByte.in1);
      // Finalized txids (with their unclaimed and own-vote entries) and spent outpoints are held up to counts the budget sets.
      const finality = limits.maxFinalizedRemembered * probe.finalizedTx + Math.max(0, limits.maxSpentRemembered - limits.maxFinalizedRemembered) * probe.spentOutpoint;
      const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
      assert.ok(pooled <= poolShare, `tx pool share ${mb(poolShare)} (${SHARES.txPool}% of ${DEFAULT_MAX_MEMORY_MB} MB); pooled txs up to ${mb(pooled)}`);
      assert.ok(
        finality <= finalityShare,
        `finality share ${mb(finalityShare)}; finality memory up to ${mb(finality)} ` +
          `(${limits.maxFinalizedRemembered} finalized × ${probe.finalizedTx.toFixed(0)} B + ${limits.maxSpentRemembered - limits.maxFinalizedRemembered} more spent outpoints × ${probe.spentOutpoint.toFixed(0)} B)`,
      );
    });
  });
});

// Liveness (PROTOCOL.md §3 ping/pong, §6): RTT from matched pongs, unknown
// pongs counted and harmless, a silent peer dropped with `timeout` after 3
// consecutive misses; and the PingTracker's own bounds, on a real Scheduler.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PingTracker } from '../../src/net/ping-tracker';
import { Scheduler } from '../../src/net/scheduler';
import type { Node } from '../../src/node/node';
import { startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.13.x.
const NODE_IP = '127.0.13.1';
const genesis = testGenesis([testKey(59)]);
const TIMINGS = { pingIntervalMs: 100, pongDeadlineMs: 200 };

describe('ping/pong against a real node (ping every 100 ms, deadline 200 ms)', () => {
  let node: Node;
  const peers: RawPeer[] = [];

  before(async () => {
    node = await startNode({ ip: NODE_IP, keys: testKey(51), genesis, timings: TIMINGS });
  });

  after(async () => {
    for (const p of peers) p.destroy();
    await node?.stop();
  });

  async function established(ip: string, answerPings = true): Promise<RawPeer> {
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: ip });
    peers.push(peer);
    peer.answerPings = answerPings;
    await peer.handshake({ keys: testKey(52), genesis });
    return peer;
  }

  test('RTT is measured from matched pongs: status peers[].rttMs is a number ≥ 0', async () => {
    const ip = '127.0.13.10';
    await established(ip);
    const entry = await waitFor('three pongs matched', () => {
      const p = node.registry.get(ip);
      return p && p.ping.stats.matched >= 3 ? node.status().peers.find((s) => s.ip === ip) : undefined;
    });
    assert.equal(typeof entry.rttMs, 'number', `rttMs is ${String(entry.rttMs)}`);
    assert.ok((entry.rttMs as number) >= 0 && (entry.rttMs as number) < 200, `rttMs ${entry.rttMs}`);
    assert.equal(typeof entry.rttSmoothedMs, 'number');
    assert.equal(entry.missedPongs, 0);
  });

  test('a pong with an unknown nonce is counted in unknownPongs and is not fatal', async () => {
    const ip = '127.0.13.11';
    const peer = await established(ip);
    peer.sendMessage({ type: 'pong', nonce: Buffer.from('deadbeefdeadbeef', 'hex'), time: Date.now(), height: 0 });
    peer.sendMessage({ type: 'pong', nonce: Buffer.from('0102030405060708', 'hex'), time: Date.now(), height: 0 });
    await peer.pingPong(); // read after the two stray pongs
    const entry = node.status().peers.find((s) => s.ip === ip);
    assert.equal(entry?.unknownPongs, 2);
    assert.ok(peer.isOpen, 'still connected');
    assert.equal(peer.messages.filter((m) => m.type === 'reject').length, 0);
  });

  test('a peer that never answers pings is dropped with reject "timeout" after 3 missed pongs', async () => {
    const ip = '127.0.13.12';
    const started = Date.now();
    const peer = await established(ip, false);
    const reject = await peer.waitForMessage('reject', () => true, 3000);
    const elapsed = Date.now() - started;
    assert.equal(reject.code, 'timeout');
    assert.match(reject.reason, /no pong to 3 pings in a row/);
    // Pings at 0, 100, 200 ms expire at 200, 300, 400 ms: the third miss comes two deadlines in.
    assert.ok(elapsed >= 2 * TIMINGS.pongDeadlineMs - 50, `dropped after ${elapsed} ms; 3 misses cannot happen before ~${2 * TIMINGS.pongDeadlineMs} ms`);
    assert.ok(elapsed < 2000, `dropped only after ${elapsed} ms`);
    const pings = peer.messages.filter((m) => m.type === 'ping').length;
    assert.ok(pings >= 3, `only ${pings} pings were sent before the drop`);
    await peer.waitClosed();
    await waitFor(`${ip} unregistered`, () => !node.registry.get(ip));
  });
});

describe('PingTracker on a real Scheduler', () => {
  function tracker(timings: { pingIntervalMs: number; pongDeadlineMs: number; maxMissedPongs: number; maxPendingPings: number }, holding = { unread: false }) {
    const scheduler = new Scheduler();
    const events: string[] = [];
    const nonces: Buffer[] = [];
    const t = new PingTracker(timings, scheduler, {
      peerBusy: () => holding.unread,
      sendPing: (nonce) => {
        nonces.push(nonce);
        events.push('ping');
      },
      dead: (missed) => events.push(`dead ${missed}`),
    });
    return { t, scheduler, events, nonces };
  }

  test('while the peer keeps us busy (its bytes unread behind our backpressure), a passing deadline is no miss', async () => {
    const holding = { unread: false };
    const { t, events } = tracker({ pingIntervalMs: 5, pongDeadlineMs: 10, maxMissedPongs: 2, maxPendingPings: 8 }, holding);
    try {
      t.start();
      holding.unread = true;
      const sent = t.stats.sent;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(t.stats.missed, 0, 'deadlines passed while the peer\'s data sat unread: not the peer\'s fault');
      assert.ok(t.stats.sent > sent + 8, 'pings go on, and those dropped from the pending list are no misses either');
      holding.unread = false;
      await waitFor('the peer to be dropped once we read again and it still does not answer', () => events.includes('dead 2'));
    } finally {
      t.stop();
    }
  });

  test('at most 8 pings are pending; each one dropped as the oldest counts as missed', async () => {
    const { t, scheduler, nonces } = tracker({ pingIntervalMs: 2, pongDeadlineMs: 60_000, maxMissedPongs: 100, maxPendingPings: 8 });
    try {
      t.start();
      await waitFor('12 pings sent', () => t.stats.sent >= 12);
      assert.equal(t.stats.pending, 8, `pending ${t.stats.pending}`);
      assert.equal(t.stats.missed, t.stats.sent - 8, 'one miss per dropped ping');
      // The oldest was dropped: its pong is now unknown.
      assert.equal(t.onPong(nonces[0] as Buffer), false);
      assert.equal(t.stats.unknownPongs, 1);
    } finally {
      t.stop();
      scheduler.stop();
    }
  });

  test('a matching pong resets the consecutive miss count and yields an RTT', async () => {
    const { t, scheduler, nonces, events } = tracker({ pingIntervalMs: 2, pongDeadlineMs: 60_000, maxMissedPongs: 100, maxPendingPings: 2 });
    try {
      t.start();
      await waitFor('3 misses', () => t.stats.missed >= 3);
      const latest = nonces[nonces.length - 1] as Buffer;
      assert.equal(t.onPong(latest), true, 'the newest ping is still pending');
      assert.equal(t.stats.missed, 0, 'reset by the matching pong');
      assert.equal(t.stats.matched, 1);
      assert.ok(typeof t.stats.rttLastMs === 'number' && t.stats.rttLastMs >= 0, `rtt ${t.stats.rttLastMs}`);
      assert.equal(t.onPong(latest), false, 'a nonce matches once');
      assert.ok(!events.some((e) => e.startsWith('dead')));
    } finally {
      t.stop();
      scheduler.stop();
    }
  });

  test('3 consecutive deadline misses call dead(3) once, and nothing is sent after it', async () => {
    const { t, scheduler, events } = tracker({ pingIntervalMs: 10, pongDeadlineMs: 25, maxMissedPongs: 3, maxPendingPings: 8 });
    try {
      t.start();
      await waitFor('dead', () => events.some((e) => e.startsWith('dead')), 2000);
      // Absence needs time to show: let three more ping intervals pass.
      await new Promise<void>((resolve) => setTimeout(resolve, 30));
      assert.deepEqual(events.filter((e) => e.startsWith('dead')), ['dead 3']);
      assert.equal(events[events.length - 1], 'dead 3', `events after dead: ${events.join(', ')}`);
    } finally {
      scheduler.stop();
    }
  });

  test('death by overflow of the pending list is final too: no ping is sent after dead()', async () => {
    // Deadlines never fire here; every miss is a ping dropped from a full pending list.
    const { t, scheduler, events } = tracker({ pingIntervalMs: 2, pongDeadlineMs: 60_000, maxMissedPongs: 2, maxPendingPings: 2 });
    try {
      t.start();
      await waitFor('dead', () => events.some((e) => e.startsWith('dead')), 2000);
      assert.deepEqual(events, ['ping', 'ping', 'ping', 'dead 2'], 'pings 3 and 4 each drop the oldest; dead is the last event');
    } finally {
      scheduler.stop();
    }
  });
});

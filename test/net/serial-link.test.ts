// Serial links in one process (PROTOCOL.md §1, §2, §5), over an in-memory
// wire that can lose frames, be unplugged and stall: the line model's
// figures, the handshake that survives a lost hello, a far end that restarts
// on a line that stays open, a port that vanishes and returns (reopened with
// backoff), and a stalled slow line that drops relays, refuses a message
// larger than its frame cap and still queues control frames.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import type { KeyPair } from '../../src/crypto';
import { configFor, DEFAULT_SERIAL, NodeConfig } from '../../src/base/config';
import { createLogger, silentLogger } from '../../src/base/log';
import { secureSerialFraming } from '../../src/net/secure-framing';
import { InboundBudget } from '../../src/net/inbound-budget';
import { CloseInfo, DomainHandlers, PeerConnection, Transport } from '../../src/net/peer-connection';
import { Scheduler } from '../../src/net/scheduler';
import { SerialLine } from '../../src/net/serial-line';
import { LinkHost, PortOpener, SerialLinks, SerialPortLike } from '../../src/net/serial-transport';
import { UnknownTypeLog } from '../../src/net/traffic';
import { encodeMessage, MESSAGE_TYPES } from '../../src/wire/messages';
import { testGenesis, testKey, waitFor } from '../support/harness';

const genesis = testGenesis([testKey(90)]);

function config(): NodeConfig {
  const base = configFor('devnet');
  return {
    ...base,
    timings: { ...base.timings, reconnectBaseMs: 20, reconnectMaxMs: 80, handshakeDeadlineMs: 3000 },
    serial: { ...base.serial, helloRetryMs: 40 },
  };
}

/** One end of a MemWire: a port as serial-transport.ts sees it. */
class MemPort extends Duplex implements SerialPortLike {
  isOpen = true;
  peer: MemPort | undefined;
  /** Frames (0x00-terminated runs) this end drops on the way out. */
  loseFrames = 0;
  /** A stalled line: writes never complete. */
  stalled = false;

  override _read(): void {}

  override _write(chunk: Buffer, _e: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.stalled) return; // never calls back: the writer's queue fills
    let out = chunk;
    while (this.loseFrames > 0 && out.length > 0) {
      const end = out.indexOf(0);
      if (end < 0) break;
      out = out.subarray(end + 1);
      this.loseFrames--;
    }
    if (out.length > 0 && this.peer?.isOpen) this.peer.push(Buffer.from(out));
    done();
  }

  close(cb?: (err: Error | null) => void): void {
    this.vanish(null);
    cb?.(null);
  }

  /** The device is gone (unplugged): the port closes, with an error as serialport reports it. */
  vanish(err: Error | null): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.emit('close', err);
  }
}

/** Two sides of one cable: each open() of a side gives a fresh end joined to the other side's current end. */
class MemWire {
  readonly ends: { a: MemPort | undefined; b: MemPort | undefined } = { a: undefined, b: undefined };
  /** Opens that fail before the device "returns". */
  failOpens = 0;
  opens = 0;

  opener(side: 'a' | 'b'): PortOpener {
    return async () => {
      this.opens++;
      if (this.failOpens > 0) {
        this.failOpens--;
        throw new Error('No such file or directory, cannot open /dev/ttyUSB0');
      }
      const end = new MemPort();
      this.ends[side] = end;
      const other = this.ends[side === 'a' ? 'b' : 'a'];
      end.peer = other;
      if (other) other.peer = end;
      return end;
    };
  }
}

interface Side {
  links: SerialLinks;
  closes: CloseInfo[];
  offences: string[];
  established: PeerConnection[];
  scheduler: Scheduler;
}

const CONNECTION_TYPES = new Set(['hello', 'auth', 'reject', 'ping', 'pong']);
const NO_DOMAIN = Object.fromEntries(MESSAGE_TYPES.filter((t) => !CONNECTION_TYPES.has(t)).map((t) => [t, () => undefined])) as unknown as DomainHandlers;

function side(keys: KeyPair, opener: PortOpener, path: string): Side {
  const cfg = config();
  const scheduler = new Scheduler();
  const s: Side = { links: undefined as unknown as SerialLinks, closes: [], offences: [], established: [], scheduler };
  const host: LinkHost = {
    attach: (transport: Transport, closed) => {
      const peer: PeerConnection = new PeerConnection(transport, {
        identity: { network: genesis.network, genesis: genesis.hash, node: keys.publicKey, port: 0, agent: 'test' },
        keys,
        config: cfg,
        scheduler,
        log: process.env.SERIAL_DEBUG ? createLogger(path, 'debug') : silentLogger,
        unknownTypes: new UnknownTypeLog(),
        inboundBudget: new InboundBudget(1 << 24),
        chain: () => ({ height: 0, tip: genesis.hash }),
        handlers: NO_DOMAIN,
        established: (p) => s.established.push(p),
        closed: (p, info) => {
          s.closes.push(info);
          closed(p, info);
        },
        heightSeen: () => undefined,
        offence: (_p, kind, detail) => s.offences.push(`${kind}: ${detail}`),
      });
      peer.start();
      return peer;
    },
  };
  s.links = new SerialLinks(host, cfg, scheduler, process.env.SERIAL_DEBUG ? createLogger(path, 'debug') : silentLogger, opener);
  s.links.add({ path, baud: 115200 });
  return s;
}

const live = (s: Side): PeerConnection | undefined => s.established.filter((p) => p.state === 'established').at(-1);

async function stopAll(...sides: Side[]): Promise<void> {
  for (const s of sides) {
    await s.links.stop();
    s.scheduler.stop();
  }
}

test('the line model: frame cap of 10 s of line time (16 KiB at least, maxFrame at most), pong grace for one far frame plus our backlog, sync ranges that fit one frame', () => {
  let now = 0;
  const line = (baud: number): SerialLine => new SerialLine('/dev/x', baud, DEFAULT_SERIAL, 4 * 1024 * 1024, () => now);
  assert.equal(line(9600).frameCap, 16 * 1024, '9600 baud carries 9.6 KB in 10 s: the 16 KiB floor applies');
  assert.equal(line(115200).frameCap, 115200);
  assert.equal(line(3_000_000).frameCap, 3_000_000);
  const slow = line(9600);
  const idleGrace = slow.pongGraceMs();
  assert.ok(idleGrace > 17_000 && idleGrace < 25_000, `a 16 KiB frame and buffers at 960 B/s: ${idleGrace} ms`);
  slow.noteWritten(9600);
  assert.equal(slow.backlogMs(), 10_000, '9600 bytes written take 10 s of line');
  assert.equal(slow.pongGraceMs(), idleGrace + 10_000);
  now += 4000;
  assert.equal(slow.backlogMs(), 6000, 'the backlog drains at line rate');
  assert.equal(slow.blocksPerRequest, Math.floor((16 * 1024) / 180));
  assert.equal(line(115200).blocksPerRequest, 500, 'never more than the §3 maximum');
  assert.equal(slow.refuses(16 * 1024), false);
  assert.equal(slow.refuses(16 * 1024 + 1), true);
  assert.equal(slow.stats().refusedLarge, 1);
  assert.equal(slow.readWithin(1000), false, 'nothing read yet');
  slow.noteRead(10);
  now += 999;
  assert.equal(slow.readWithin(1000), true, 'bytes of a large frame still coming in: the far end is alive');
  now += 1;
  assert.equal(slow.readWithin(1000), false);
});

test('the first frame each way is lost on the line: the repeated hello completes the handshake, with no offence on either side', async () => {
  const wire = new MemWire();
  const a = side(testKey(91), wire.opener('a'), '/dev/ttyA');
  await waitFor('A opened', () => wire.ends.a);
  (wire.ends.a as MemPort).loseFrames = 1; // A's hello, sent before B was there anyway
  const b = side(testKey(92), wire.opener('b'), '/dev/ttyB');
  await waitFor('B opened', () => wire.ends.b);
  try {
    await waitFor('both established', () => live(a) && live(b), 5000);
    assert.deepEqual([...a.offences, ...b.offences], []);
    assert.equal(live(a)?.key, 'serial:/dev/ttyA');
    assert.equal(live(a)?.hello?.node.toString('hex'), testKey(92).publicKey.toString('hex'), 'the identity comes from hello');
  } finally {
    await stopAll(a, b);
  }
});

test('the far end restarts while the line stays open: its new hello replaces the established connection (closed as "restarted", not an offence) and the link is up again', async () => {
  const wire = new MemWire();
  const a = side(testKey(93), wire.opener('a'), '/dev/ttyA');
  const b1 = side(testKey(94), wire.opener('b'), '/dev/ttyB');
  let b2: Side | undefined;
  try {
    await waitFor('first link', () => live(a) && live(b1), 5000);
    const first = live(a);
    // B's node stops (its port closes, A's end of the cable stays open) and a new B process starts.
    await stopAll(b1);
    b2 = side(testKey(94), wire.opener('b'), '/dev/ttyB');
    await waitFor('A re-established with the new B', () => live(a) !== first && live(a) && live(b2 as Side), 5000);
    assert.ok(a.closes.some((c) => c.code === 'restarted'), `A's closes: ${JSON.stringify(a.closes)}`);
    assert.deepEqual(a.offences, [], 'a restarted far end costs no score');
    assert.equal(a.links.status()[0]?.opens, 1, 'A never reopened its port');
  } finally {
    await stopAll(a, ...(b2 ? [b2] : []));
  }
});

test('the port vanishes: the connection closes, opens are retried with backoff while the device is absent, and the link comes back when it returns', async () => {
  const wire = new MemWire();
  const a = side(testKey(95), wire.opener('a'), '/dev/ttyA');
  const b = side(testKey(96), wire.opener('b'), '/dev/ttyB');
  try {
    await waitFor('linked', () => live(a) && live(b), 5000);
    const before = wire.opens;
    wire.failOpens = 3;
    (wire.ends.a as MemPort).vanish(Object.assign(new Error('bad file descriptor'), { disconnected: true }));
    await waitFor('A closed the connection', () => a.closes.length >= 1);
    assert.equal(a.links.status()[0]?.open, false);
    await waitFor('A linked again', () => live(a) && live(a) !== a.established[0] && live(b) !== b.established[0], 5000);
    assert.equal(wire.opens - before, 4, 'three failed opens, then the one that worked');
    assert.equal(a.links.status()[0]?.opens, 2);
    assert.deepEqual([...a.offences, ...b.offences], []);
  } finally {
    await stopAll(a, b);
  }
});

test('a stalled 9600-baud line: relays past its small queue are dropped and counted, a message over the frame cap is refused (counted), control frames still queue', () => {
  const port = new MemPort();
  port.stalled = true;
  const scheduler = new Scheduler();
  const cfg = config();
  const line = new SerialLine('/dev/slow', 9600, cfg.serial, cfg.limits.maxFrame, scheduler.now);
  const peer = new PeerConnection(
    { stream: port, framing: secureSerialFraming({ maxFrame: cfg.limits.maxFrame }), direction: 'outbound', key: 'serial:/dev/slow', localIp: '', remote: '/dev/slow', line },
    {
      identity: { network: genesis.network, genesis: genesis.hash, node: testKey(97).publicKey, port: 0, agent: 'test' },
      keys: testKey(97),
      config: cfg,
      scheduler,
      log: silentLogger,
      unknownTypes: new UnknownTypeLog(),
      inboundBudget: new InboundBudget(1 << 24),
      chain: () => ({ height: 0, tip: genesis.hash }),
      handlers: NO_DOMAIN,
      established: () => undefined,
      closed: () => undefined,
      heightSeen: () => undefined,
      offence: () => undefined,
    },
  );
  try {
    const relay = encodeMessage({ type: 'get_blocks', from: 1, to: 2 });
    const big = Buffer.alloc(line.frameCap + 1, 1);
    assert.equal(peer.sendEncoded('blocks', big), false, 'refused: larger than the line carries in 10 s');
    assert.equal(line.stats().refusedLarge, 1);
    const queueBytes = line.queueBytes(cfg.limits.sendQueueBytes);
    assert.equal(queueBytes, Math.max(2 * (16 * 1024 + 70), 960 * 30), 'a serial lane holds 30 s of line time, or two capped frames');
    const copies = Math.ceil((2 * queueBytes) / relay.length);
    for (let i = 0; i < copies; i++) peer.sendEncoded('get_blocks', relay);
    assert.ok(peer.sendStats.droppedData > 0, 'relays past the lane bound are dropped and counted');
    assert.ok(peer.sendStats.queuedBytes <= queueBytes + 2048, `queued ${peer.sendStats.queuedBytes} B, bound ${queueBytes}`);
    assert.equal(peer.send({ type: 'pong', nonce: Buffer.alloc(8), time: 1, height: 0 }), true, 'control always has room');
  } finally {
    peer.close(undefined, 'test over');
    scheduler.stop();
  }
});

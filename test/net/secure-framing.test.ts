// The §8 cipher layer on its own: the vectors' TCP and serial frames byte for
// byte, the counter rules of both transports (TCP: any bad frame is a
// protocol error; serial: dropped and counted, the link lives on), the end of
// the counter, and 100 000 frames each way through real send queues and a
// real socket with the counters in step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, connect, Socket } from 'node:net';
import path from 'node:path';
import { kxKeyPairFromSeed } from '../../src/crypto';
import { SecureFraming, secureLengthPrefixFraming, secureSerialFraming, SecureFramingOptions } from '../../src/net/secure-framing';
import { SendQueue } from '../../src/net/send-queue';
import { WireError } from '../../src/wire/errors';
import { encodeFrame } from '../../src/wire/frame';
import { encodeSerialFrame } from '../../src/wire/serial-frame';
import { encodeMessage } from '../../src/wire/messages';
import type { EncryptionVectors } from '../crypto/encryption-vectors.test';
import { prng } from '../support/prng';

// This file's addresses: 127.12.1.x.
const IP = '127.12.1.1';
const MAX_FRAME = 4 * 1024 * 1024;
const REPO_ROOT = path.resolve(__dirname, '../../..');
const v = (JSON.parse(readFileSync(path.join(REPO_ROOT, '..', 'shared', 'vectors', 'tnp1.json'), 'utf8')) as { encryption: EncryptionVectors }).encryption;
const hex = (text: string): Buffer => Buffer.from(text, 'hex');

type Make = (o: SecureFramingOptions) => SecureFraming;

/**
 * Two ends with agreed keys, each past its own auth and the other's: what
 * a and b write from here on is sealed. The auths themselves go through
 * encode/finish (in clear) as on a real link.
 */
function linkedPair(make: Make, a: Partial<SecureFramingOptions> = {}, b: Partial<SecureFramingOptions> = {}): [SecureFraming, SecureFraming] {
  const ends = [make({ maxFrame: MAX_FRAME, ...a }), make({ maxFrame: MAX_FRAME, ...b })] as const;
  for (const [me, peer] of [ends, [ends[1], ends[0]]] as const) me.agree(peer.kx.publicKey);
  for (const me of ends) {
    me.finish(me.encodeHandshake(Buffer.from('auth'), true));
    me.openFromNow();
  }
  return [ends[0], ends[1]];
}

/** The one payload the wire bytes carry (TCP: cut by the length prefix; serial: COBS + CRC). */
function receive(end: SecureFraming, wire: Buffer): Buffer | undefined {
  const frames = end.push(wire);
  assert.equal(frames.length, 1, 'one frame in');
  return end.open(frames[0]!);
}

const ping = (n: number): Buffer => encodeMessage({ type: 'ping', nonce: Buffer.alloc(8, n & 0xff), time: 1_767_225_600_000 + n, height: n });

test('vectors: the TCP frame of A (c = 0) and the serial frame of B (c = 0), byte for byte, and each end opens the other', () => {
  const seeds = { a: kxKeyPairFromSeed(hex(v.a.kx_seed)), b: kxKeyPairFromSeed(hex(v.b.kx_seed)) };
  for (const [make, side, field] of [[secureLengthPrefixFraming, 'a', 'tcp_frame'], [secureSerialFraming, 'b', 'serial_frame']] as const) {
    const peerSide = side === 'a' ? 'b' : 'a';
    const [me, peer] = linkedPair(make, { kx: seeds[side] }, { kx: seeds[peerSide] });
    assert.equal(me.kxRole, v[side].role);
    const frame = v.frames.find((f) => f.from === side && f.c === 0 && f[field])!;
    const wire = me.finish(me.encode(hex(frame.payload)))!;
    assert.equal(wire.toString('hex'), frame[field], `${side}'s ${field}`);
    assert.equal(receive(peer, wire)?.toString('hex'), frame.payload, `${peerSide} opens it`);
  }
});

test('before the auths, frames pass in clear on both transports, with the same bytes as the plain framings', () => {
  for (const [make, plain] of [[secureLengthPrefixFraming, encodeFrame], [secureSerialFraming, encodeSerialFrame]] as const) {
    const a = make({ maxFrame: MAX_FRAME });
    const b = make({ maxFrame: MAX_FRAME });
    const payload = ping(1);
    const wire = a.finish(a.encode(payload))!;
    assert.equal(wire.toString('hex'), plain(payload).toString('hex'), 'the plain framing\'s bytes');
    assert.deepEqual(receive(b, wire), payload);
    assert.equal(a.encrypted, false);
  }
});

test('TCP: a flipped ciphertext bit, a replayed frame and a skipped counter are each a WireError (protocol)', () => {
  const cases: [string, (a: SecureFraming) => Buffer[], RegExp][] = [
    ['flipped bit', (a) => {
      const wire = Buffer.from(a.finish(a.encode(ping(1)))!);
      wire[4 + 8 + 3]! ^= 0x10;
      return [wire];
    }, /fails to authenticate/],
    ['replay', (a) => {
      const wire = Buffer.from(a.finish(a.encode(ping(1)))!);
      return [wire, wire];
    }, /frame counter 0, expected 1/],
    ['skipped counter', (a) => {
      a.finish(a.encode(ping(1)));
      return [Buffer.from(a.finish(a.encode(ping(2)))!)];
    }, /frame counter 1, expected 0/],
  ];
  for (const [what, make, reason] of cases) {
    const [a, b] = linkedPair(secureLengthPrefixFraming);
    const wires = make(a);
    const last = wires.pop()!;
    for (const w of wires) assert.ok(receive(b, w), `${what}: the frames before it open`);
    assert.throws(() => receive(b, last), (err: unknown) => err instanceof WireError && err.code === 'protocol' && reason.test(err.message), what);
  }
});

test('serial: a flipped bit and a replay are dropped and counted, a gap counts the lost frames, and the link lives on', () => {
  const [a, b] = linkedPair(secureSerialFraming);
  const wires = Array.from({ length: 6 }, (_, i) => Buffer.from(a.finish(a.encode(ping(i)))!));
  assert.deepEqual(receive(b, wires[0]!), ping(0));
  // A bit flipped inside the COBS body before the CRC is taken: recompute as a line would deliver it, CRC intact.
  const forged = secureSerialFraming({ maxFrame: MAX_FRAME });
  const payload = Buffer.from(b.push(wires[1]!)[0]!);
  payload[10]! ^= 1;
  const forgedWire = forged.finish(forged.encode(payload))!; // a plain serial frame of the damaged bytes
  assert.equal(receive(b, forgedWire), undefined, 'a damaged ciphertext with a good CRC is dropped');
  assert.equal(receive(b, wires[0]!), undefined, 'a replay of c = 0 is dropped');
  assert.equal(b.dropped, 2);
  assert.deepEqual(receive(b, wires[2]!), ping(2), 'the next good frame opens: the line lost c = 1');
  assert.deepEqual(receive(b, wires[5]!), ping(5), 'and after a gap of 3/4');
  assert.equal(b.stats.lost, 3, 'c = 1, 3, 4 were lost');
  assert.equal(receive(b, wires[4]!), undefined, 'an older frame arriving late is refused');
  assert.equal(b.stats.refused, 3);
  assert.equal(b.stats.opened, 3);
});

test('serial: before its keys (or after a restart) a sealed frame of another connection is dropped and counted, a clear message passes', () => {
  const [old] = linkedPair(secureSerialFraming);
  const stale = Buffer.from(old.finish(old.encode(ping(7)))!);
  const fresh = secureSerialFraming({ maxFrame: MAX_FRAME });
  assert.equal(receive(fresh, stale), undefined, 'no keys yet: the sealed frame is dropped, not handed on as garbage');
  assert.equal(fresh.dropped, 1);
  const hello = secureSerialFraming({ maxFrame: MAX_FRAME });
  assert.deepEqual(receive(fresh, hello.finish(hello.encode(ping(8)))!), ping(8), 'a clear message before the keys passes as it is');
  const [a, b] = linkedPair(secureSerialFraming);
  assert.equal(receive(b, stale), undefined, 'agreed, but under other keys: dropped too');
  assert.deepEqual(receive(b, a.finish(a.encode(ping(9)))!), ping(9));
});

test('the end of the counter: c = 2^64 - 1 is the last one sent, the link is told once, nothing after it is sealed or accepted', () => {
  const near = (1n << 64n) - 3n;
  const [a, b] = linkedPair(secureLengthPrefixFraming, { sendCounterFrom: near }, { receiveCounterFrom: near });
  let told = 0;
  a.onExhausted = () => told++;
  const wires = [0, 1, 2].map((i) => Buffer.from(a.finish(a.encode(ping(i)))!));
  assert.equal(wires[2]!.readBigUInt64BE(4), (1n << 64n) - 1n, 'the third frame carries the last value');
  assert.equal(told, 1, 'told right after using it');
  assert.equal(a.finish(a.encode(ping(3))), undefined, 'no frame is sealed after it (c never wraps)');
  assert.equal(told, 1);
  for (const [i, w] of wires.entries()) assert.deepEqual(receive(b, w), ping(i));
  assert.throws(() => receive(b, wires[0]!), /after the peer used its last counter value/, 'a replay after the last value is refused');
  // Serial: the same end, dropped instead.
  const [sa, sb] = linkedPair(secureSerialFraming, { sendCounterFrom: (1n << 64n) - 1n });
  const last = Buffer.from(sa.finish(sa.encode(ping(9)))!);
  assert.deepEqual(receive(sb, last), ping(9));
  assert.equal(sb.stats.lost, Number((1n << 64n) - 1n), 'the gap from 0 to the last value counts as lost');
  assert.equal(receive(sb, last), undefined, 'then everything is refused');
});

test('under load: 100 000 frames each way through real send queues and one TCP socket, control and data interleaved, counters in step', async () => {
  const COUNT = 100_000;
  const [a, b] = linkedPair(secureLengthPrefixFraming);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, IP, resolve));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect({ host: IP, port });
  const far = await accepted;
  try {
    const ends = [
      { framing: a, socket: client, random: prng(1) },
      { framing: b, socket: far, random: prng(2) },
    ];
    const results = ends.map(({ framing, socket }) => {
      const got: number[] = [];
      let failure: unknown;
      const done = new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          try {
            for (const frame of framing.push(chunk)) {
              const plain = framing.open(frame)!;
              got.push(plain.readUInt32BE(0));
            }
          } catch (err) {
            failure = err;
            resolve();
          }
          if (got.length === COUNT) resolve();
        });
      });
      return { got, done, failure: () => failure };
    });
    // Each side writes through its own queue, sealing at write time; the queues never drop (generous bounds).
    for (const { framing, socket, random } of ends) {
      const queue = new SendQueue(socket, { dataBytes: 1 << 30, dataMessages: COUNT, controlMessages: COUNT }, Date.now, undefined, (f) => framing.finish(f));
      for (let n = 0; n < COUNT; n++) {
        const payload = Buffer.alloc(4 + random(300));
        payload.writeUInt32BE(n, 0);
        assert.ok(queue.push(framing.encode(payload), random(4) === 0 ? 'control' : 'data'), 'nothing dropped');
      }
    }
    await Promise.all(results.map((r) => r.done));
    for (const [i, r] of results.entries()) {
      assert.equal(r.failure(), undefined, `side ${i} opened every frame`);
      assert.equal(r.got.length, COUNT, `side ${i} got every frame`);
      assert.equal(new Set(r.got).size, COUNT, 'each exactly once (control frames overtake data, so the order differs)');
    }
    assert.equal(a.stats.sealed, COUNT);
    assert.equal(b.stats.opened, COUNT);
    assert.equal(a.nextSendCounter, BigInt(COUNT), 'the counter counted the frames');
  } finally {
    client.destroy();
    far.destroy();
    server.close();
  }
});

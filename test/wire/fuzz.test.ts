// Property-based fuzzing (fast-check) of everything that reads a peer's
// bytes: the TCP and serial frame readers, COBS and CRC-32C, the CBOR
// decoder, and every message schema with the signed objects' parsers behind
// them. Random and mutated inputs may be refused, but only ever with the
// typed WireError (a LayoutError for a hash of a field the schema passed is
// a bug too), and nothing decoded is larger than the frame it came from.
// Bounded: a fixed number of runs per property, a few seconds in all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { annSignedBytes, blockHash, hbSignedBytes, txId, voteSignedBytes } from '../../src/chain/layouts';
import { signAnn, signBlock, signHb, signTx, signVote, verifyAnn, verifyBlockSig, verifyHb, verifyTx, verifyVote } from '../../src/chain/signing';
import { keyPairFromSeed } from '../../src/crypto';
import { CborTagged, type CborValue, decodeCbor, encodeCbor } from '../../src/wire/cbor';
import { cobsDecode, cobsEncode } from '../../src/wire/cobs';
import { crc32c } from '../../src/wire/crc32c';
import { WireError } from '../../src/wire/errors';
import { encodeFrame, FrameReader } from '../../src/wire/frame';
import { decodeMessage, encodeMessage, type Message } from '../../src/wire/messages';
import { encodeSerialFrame, SerialFrameReader } from '../../src/wire/serial-frame';

const RUNS = 3000;
const MAX_FRAME = 256;

/** Runs `f`; a throw other than WireError fails the property with what was thrown. */
function onlyWireError<T>(f: () => T): T | WireError {
  try {
    return f();
  } catch (err) {
    if (err instanceof WireError) return err;
    throw new Error(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of a WireError`);
  }
}

/** Splits `bytes` at the given cut points (taken modulo its length). */
function chunksOf(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) out.push(bytes.subarray(at, p));
    at = Math.max(at, p);
  }
  out.push(bytes.subarray(at));
  return out;
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

/** Bytes a decoded value holds (byte and text strings) plus one per item: it can never exceed its encoding. */
function footprint(v: CborValue): number {
  if (Buffer.isBuffer(v)) return 1 + v.length;
  if (typeof v === 'string') return 1 + Buffer.byteLength(v);
  if (v instanceof CborTagged) return 1 + footprint(v.value);
  if (Array.isArray(v)) return 1 + v.reduce((n: number, x) => n + footprint(x), 0);
  if (v instanceof Map) {
    let n = 1;
    for (const [k, x] of v) n += footprint(k as CborValue) + footprint(x);
    return n;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    let n = 1;
    for (const x of Object.values(v as Record<string, CborValue>)) n += footprint(x);
    return n;
  }
  return 1;
}

test('TCP frames: random bytes in random chunks give only WireError, payloads within 1..maxFrame, a bounded buffer', () => {
  fc.assert(
    fc.property(bytes(2048), cuts, (stream, at) => {
      const reader = new FrameReader(MAX_FRAME);
      let pushed = 0;
      for (const chunk of chunksOf(stream, at)) {
        pushed += chunk.length;
        const got = onlyWireError(() => reader.push(chunk));
        if (got instanceof WireError) return;
        for (const p of got) assert.ok(p.length >= 1 && p.length <= MAX_FRAME, `payload of ${p.length} bytes`);
        assert.ok(reader.buffered <= 4 + MAX_FRAME && reader.buffered <= pushed, `buffered ${reader.buffered} after ${pushed} bytes`);
      }
    }),
    { numRuns: RUNS },
  );
});

test('TCP frames: valid frames split anywhere come out whole and in order', () => {
  fc.assert(
    fc.property(fc.array(bytes(MAX_FRAME).filter((p) => p.length > 0), { maxLength: 8 }), cuts, (payloads, at) => {
      const reader = new FrameReader(MAX_FRAME);
      const got: Buffer[] = [];
      for (const chunk of chunksOf(Buffer.concat(payloads.map(encodeFrame)), at)) got.push(...reader.push(chunk).map((p) => Buffer.from(p)));
      assert.deepEqual(got, payloads);
      assert.equal(reader.buffered, 0);
    }),
    { numRuns: RUNS },
  );
});

test('serial frames: random bytes never throw; payloads within 1..maxFrame, a bounded buffer', () => {
  fc.assert(
    fc.property(bytes(2048), cuts, (stream, at) => {
      const reader = new SerialFrameReader(MAX_FRAME);
      for (const chunk of chunksOf(stream, at)) {
        for (const p of reader.push(chunk)) assert.ok(p.length >= 1 && p.length <= MAX_FRAME);
        assert.ok(reader.buffered <= MAX_FRAME + 4 + Math.ceil((MAX_FRAME + 4) / 254) + 1, `buffered ${reader.buffered}`);
      }
    }),
    { numRuns: RUNS },
  );
});

test('serial frames: one corrupted frame is dropped and counted, the others arrive, in order', () => {
  fc.assert(
    fc.property(fc.uniqueArray(bytes(MAX_FRAME).filter((p) => p.length > 0), { minLength: 2, maxLength: 6, selector: (p) => p.toString('hex') }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), cuts, (payloads, which, where, flip, at) => {
      const frames = payloads.map(encodeSerialFrame);
      const k = which % frames.length;
      const bad = Buffer.from(frames[k]!);
      const i = where % (bad.length - 1); // not the delimiter
      bad[i]! ^= flip;
      frames[k] = bad;
      const reader = new SerialFrameReader(MAX_FRAME);
      const got: Buffer[] = [];
      for (const chunk of chunksOf(Buffer.concat(frames), at)) got.push(...reader.push(chunk).map((p) => Buffer.from(p)));
      const others = payloads.filter((_, j) => j !== k);
      // A flip to 0x00 splits the frame in two, each dropped; any other flip fails COBS or the CRC.
      assert.deepEqual(got.filter((p) => !(p.equals(payloads[k]!))), others);
      assert.ok(reader.dropped >= 1);
    }),
    { numRuns: RUNS },
  );
});

test('COBS: decode(encode(x)) = x with no zero byte; random input is decoded or refused with a WireError', () => {
  fc.assert(
    fc.property(bytes(1200), (data) => {
      const enc = cobsEncode(data);
      assert.equal(enc.indexOf(0), -1);
      assert.deepEqual(Buffer.from(cobsDecode(enc)), data);
      const got = onlyWireError(() => cobsDecode(data));
      if (!(got instanceof WireError)) assert.ok(got.length < Math.max(1, data.length), 'a decoded frame is shorter than its encoding');
    }),
    { numRuns: RUNS },
  );
});

test('CRC-32C: every single-bit error changes the checksum', () => {
  fc.assert(
    fc.property(bytes(512).filter((d) => d.length > 0), fc.nat(), (data, bit) => {
      const flipped = Buffer.from(data);
      const b = bit % (data.length * 8);
      flipped[b >> 3]! ^= 1 << (b & 7);
      assert.notEqual(crc32c(flipped), crc32c(data));
    }),
    { numRuns: RUNS },
  );
});

const cborValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.nat(),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.boolean(),
    fc.string({ maxLength: 20 }),
    bytes(40),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Mutations: flips, truncation, insertion; what a corrupting link or a hostile peer sends. */
function mutate(base: Buffer, ops: { at: number; byte: number; kind: number }[]): Buffer {
  let out = Buffer.from(base);
  for (const op of ops) {
    if (out.length === 0) break;
    const at = op.at % out.length;
    if (op.kind === 0) out[at] = op.byte;
    else if (op.kind === 1) out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from([op.byte]), out.subarray(at)]);
  }
  return out;
}
const mutations = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 4 });

test('CBOR: random and mutated items decode or are refused with a WireError, never bigger than the bytes they came from', () => {
  fc.assert(
    fc.property(bytes(512), (junk) => {
      const got = onlyWireError(() => decodeCbor(junk));
      if (!(got instanceof WireError)) assert.ok(footprint(got) <= junk.length, 'decoded beyond the input');
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(cborValue, mutations, (value, ops) => {
      const payload = mutate(encodeCbor(value as CborValue), ops);
      const got = onlyWireError(() => decodeCbor(payload));
      if (!(got instanceof WireError)) assert.ok(footprint(got) <= payload.length, 'decoded beyond the input');
    }),
    { numRuns: RUNS },
  );
});

// One valid message of every type, with real signatures, to mutate.
const keys = keyPairFromSeed(Buffer.alloc(32, 7));
const b = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);
const tx = signTx(keys, { inputs: [{ txid: b(32, 1), index: 2 }], outputs: [{ to: b(32, 3), amount: 99n }], time: 1_767_225_600_000 });
const vote = signVote(keys, txId(tx), true);
const block = signBlock(keys, { height: 7, prev: b(32, 4), time: 1_767_225_602_000, txids: [txId(tx), b(32, 5)] });
const ann = signAnn(keys, { ip: '10.0.0.1', port: 24100, time: 1_767_225_600_000 });
const hb = signHb(keys, { seq: 3, time: 1_767_225_600_000, height: 7 });
const SAMPLES: Message[] = [
  { type: 'hello', version: 1, network: 'devnet', genesis: b(32, 6), node: keys.publicKey, challenge: b(32, 8), port: 24100, height: 7, tip: b(32, 9), agent: 'fuzz', time: 1_767_225_600_000 },
  { type: 'auth', sig: b(64, 1) },
  { type: 'reject', code: 'protocol', reason: 'fuzz' },
  { type: 'ping', nonce: b(8, 1), time: 1, height: 2 },
  { type: 'pong', nonce: b(8, 1), time: 1, height: 2 },
  { type: 'get_peers' },
  { type: 'peers', peers: [{ ip: '10.0.0.2', port: 24100, seen: 5 }] },
  { type: 'tx', tx },
  { type: 'vote', vote },
  { type: 'finalized', txid: txId(tx), votes: [vote, vote] },
  { type: 'utxo_state', txid: txId(tx), index: 0, state: 'locked', by: txId(tx) },
  { type: 'block', block },
  { type: 'get_blocks', from: 1, to: 10 },
  { type: 'blocks', blocks: [block, block] },
  { type: 'masternode', ann },
  { type: 'heartbeat', hb },
] as Message[];

/** What the node does with a parsed signed object: hash its layout and check its signature. Neither may throw. */
function useSigned(msg: Message): void {
  switch (msg.type) {
    case 'tx':
      verifyTx(msg.tx);
      break;
    case 'vote':
      voteSignedBytes(msg.vote.txid, msg.vote.accept);
      verifyVote(msg.vote);
      break;
    case 'finalized':
      for (const v of msg.votes) verifyVote(v);
      break;
    case 'block':
      blockHash(msg.block);
      verifyBlockSig(msg.block);
      break;
    case 'blocks':
      for (const x of msg.blocks) verifyBlockSig(x);
      break;
    case 'masternode':
      annSignedBytes(msg.ann);
      verifyAnn(msg.ann);
      break;
    case 'heartbeat':
      hbSignedBytes(msg.hb);
      verifyHb(msg.hb);
      break;
    default:
  }
}

test('every sample message round-trips and its signed object verifies', () => {
  for (const msg of SAMPLES) {
    const back = decodeMessage(encodeMessage(msg));
    assert.equal(back.type, msg.type);
    useSigned(back as Message);
  }
  assert.ok(verifyTx(tx) && verifyVote(vote) && verifyBlockSig(block) && verifyAnn(ann) && verifyHb(hb));
});

test('messages: each type mutated decodes or is refused with a WireError; a parsed signed object hashes and verifies without throwing', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SAMPLES.length - 1 }), mutations, (k, ops) => {
      const payload = mutate(encodeMessage(SAMPLES[k]!), ops);
      const got = onlyWireError(() => decodeMessage(payload));
      if (got instanceof WireError || 'unknown' in got) return;
      useSigned(got as Message);
    }),
    { numRuns: RUNS * 4 },
  );
});

test('messages: random CBOR maps with a known type are refused by the schema with a WireError naming the type', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: SAMPLES.length - 1 }), fc.dictionary(fc.string({ maxLength: 8 }), cborValue, { maxKeys: 6 }), (k, fields) => {
      const payload = encodeCbor({ ...(fields as Record<string, CborValue>), type: SAMPLES[k]!.type });
      const got = onlyWireError(() => decodeMessage(payload));
      if (got instanceof WireError) assert.ok(got.message.length > 0);
      else if (!('unknown' in got)) useSigned(got as Message);
    }),
    { numRuns: RUNS },
  );
});

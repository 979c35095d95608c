// The one hot path of the codec: `ping` in, `pong` out. An RTT tool measures
// exactly this, so it skips the general decoder's walk and the encoder's
// object traversal: a ping laid out as our encoder (and most) lays it out,
// `{type, nonce, time, height}`, is read by position in one pass; anything
// else returns undefined at the first byte that differs and goes to the
// general decoder, which judges it. The pong is written straight into one
// buffer, byte for byte what encodeMessage writes (test/wire/liveness-codec.test.ts).
import type { MessageOf } from './messages';

// a4 = map(4); 64 "type"; 64 "ping"; 65 "nonce"; 48 = bstr(8)
const PING_HEAD = Buffer.from([0xa4, 0x64, ...Buffer.from('type'), 0x64, ...Buffer.from('ping'), 0x65, ...Buffer.from('nonce'), 0x48]);
const PONG_HEAD = Buffer.from([0xa4, 0x64, ...Buffer.from('type'), 0x64, ...Buffer.from('pong'), 0x65, ...Buffer.from('nonce'), 0x48]);
const TIME_KEY = Buffer.from([0x64, ...Buffer.from('time')]);
const HEIGHT_KEY = Buffer.from([0x66, ...Buffer.from('height')]);

/** A ping in the common layout, or undefined: the caller then decodes it the general way. */
export function readPing(payload: Buffer): MessageOf<'ping'> | undefined {
  const head = PING_HEAD.length;
  if (payload.length < head + 8 + TIME_KEY.length + 1 + HEIGHT_KEY.length + 1) return undefined;
  if (payload.compare(PING_HEAD, 0, head, 0, head) !== 0) return undefined;
  let at = head + 8;
  if (payload.compare(TIME_KEY, 0, TIME_KEY.length, at, at + TIME_KEY.length) !== 0) return undefined;
  at += TIME_KEY.length;
  const time = readUint(payload, at);
  if (time === undefined) return undefined;
  at = time.end;
  if (payload.compare(HEIGHT_KEY, 0, HEIGHT_KEY.length, at, at + HEIGHT_KEY.length) !== 0) return undefined;
  at += HEIGHT_KEY.length;
  const height = readUint(payload, at);
  if (height === undefined || height.end !== payload.length) return undefined;
  // A copy, as the general decoder makes: the nonce outlives the read buffer (it is echoed, maybe later).
  const nonce = Buffer.from(payload.subarray(head, head + 8));
  return { type: 'ping', nonce, time: time.value, height: height.value };
}

/** A CBOR unsigned integer in its shortest form, within JS's safe integers; undefined otherwise. */
function readUint(b: Buffer, at: number): { value: number; end: number } | undefined {
  if (at >= b.length) return undefined;
  const first = b[at] as number;
  if (first >> 5 !== 0) return undefined;
  const info = first & 0x1f;
  if (info < 24) return { value: info, end: at + 1 };
  const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
  if (size === 0 || at + 1 + size > b.length) return undefined;
  let value: number;
  if (size === 8) {
    const big = b.readBigUInt64BE(at + 1);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    value = Number(big);
  } else {
    value = b.readUIntBE(at + 1, size);
  }
  // Not the shortest form: the general decoder decides what that means.
  if (value < (size === 1 ? 24 : 2 ** (4 * size))) return undefined;
  return { value, end: at + 1 + size };
}

function uintSize(v: number): number {
  return v < 24 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x100000000 ? 4 : 8;
}

function writeUint(b: Buffer, at: number, v: number): number {
  const size = uintSize(v);
  if (size === 0) {
    b[at] = v;
    return at + 1;
  }
  b[at] = size === 1 ? 24 : size === 2 ? 25 : size === 4 ? 26 : 27;
  if (size === 8) b.writeBigUInt64BE(BigInt(v), at + 1);
  else b.writeUIntBE(v, at + 1, size);
  return at + 1 + size;
}

/** The pong payload for `nonce`, identical to encodeMessage({ type: 'pong', nonce, time, height }). */
export function pongPayload(nonce: Buffer, time: number, height: number): Buffer {
  const head = PONG_HEAD.length;
  const out = Buffer.allocUnsafe(head + 8 + TIME_KEY.length + 1 + uintSize(time) + HEIGHT_KEY.length + 1 + uintSize(height));
  PONG_HEAD.copy(out, 0);
  nonce.copy(out, head);
  let at = head + 8;
  TIME_KEY.copy(out, at);
  at = writeUint(out, at + TIME_KEY.length, time);
  HEIGHT_KEY.copy(out, at);
  writeUint(out, at + HEIGHT_KEY.length, height);
  return out;
}

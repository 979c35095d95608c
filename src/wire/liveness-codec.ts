// The one hot path of the codec: `ping` in, `pong` out. An RTT tool measures
// exactly this, so it skips the general decoder's walk and the encoder's
// object traversal: a ping laid out as our encoder (and most) lays it out,
// `{type, nonce, time, height}`, is read by position in one pass; anything
// else returns undefined at the first byte that differs and goes to the
// general decoder, which judges it. The pong is written straight into one
// buffer, byte for byte what encodeMessage writes (test/wire/liveness-codec.test.ts).
import type { MessageOf } from './messages';
import { putBytes, readUint, sameBytes, uintLength, uintSize, writeUint } from './fixed-layout';

// a4 = map(4); 64 "type"; 64 "ping"; 65 "nonce"; 48 = bstr(8)
const PING_HEAD = Buffer.from([0xa4, 0x64, ...Buffer.from('type'), 0x64, ...Buffer.from('ping'), 0x65, ...Buffer.from('nonce'), 0x48]);
const PONG_HEAD = Buffer.from([0xa4, 0x64, ...Buffer.from('type'), 0x64, ...Buffer.from('pong'), 0x65, ...Buffer.from('nonce'), 0x48]);
const TIME_KEY = Buffer.from([0x64, ...Buffer.from('time')]);
const HEIGHT_KEY = Buffer.from([0x66, ...Buffer.from('height')]);

/** A ping in the common layout, or undefined: the caller then decodes it the general way. */
export function readPing(payload: Buffer): MessageOf<'ping'> | undefined {
  const head = PING_HEAD.length;
  if (payload.length < head + 8 + TIME_KEY.length + 1 + HEIGHT_KEY.length + 1) return undefined;
  // Byte loops, not Buffer#compare: for keys this short the call costs more than the comparison (~0.8 µs a ping).
  if (!sameBytes(payload, 0, PING_HEAD)) return undefined;
  let at = head + 8;
  if (!sameBytes(payload, at, TIME_KEY)) return undefined;
  at += TIME_KEY.length;
  const time = readUint(payload, at);
  if (time < 0) return undefined;
  at += uintLength(payload[at] as number);
  if (!sameBytes(payload, at, HEIGHT_KEY)) return undefined;
  at += HEIGHT_KEY.length;
  const height = readUint(payload, at);
  if (height < 0 || at + uintLength(payload[at] as number) !== payload.length) return undefined;
  // A copy, as the general decoder makes: the nonce outlives the read buffer (it is echoed, maybe later).
  const nonce = Buffer.allocUnsafe(8);
  payload.copy(nonce, 0, head, head + 8);
  return { type: 'ping', nonce, time, height };
}

/** The pong payload for `nonce`, identical to encodeMessage({ type: 'pong', nonce, time, height }). */
export function pongPayload(nonce: Buffer, time: number, height: number): Buffer {
  const head = PONG_HEAD.length;
  const out = Buffer.allocUnsafe(head + 8 + TIME_KEY.length + 1 + uintSize(time) + HEIGHT_KEY.length + 1 + uintSize(height));
  let at = putBytes(out, 0, PONG_HEAD);
  at = putBytes(out, at, nonce);
  at = writeUint(out, putBytes(out, at, TIME_KEY), time);
  writeUint(out, putBytes(out, at, HEIGHT_KEY), height);
  return out;
}

// TCP framing of PROTOCOL.md §1: `u32be length || payload`, length 1..maxFrame.
// FrameReader is chosen once at load (choose-backend.ts): js/frame-reader.ts
// or native/frame-reader.ts.
//
// TS is the default: most reads carry one or a few frames, and there the
// scan call costs more than it saves, while every payload still costs one
// Buffer view either way (bench/hotpath.ts, x64, Node 20, frames/s, ts vs native):
//   one 48-byte ping per read            3.13M vs 1.06M  (0.34×)
//   48-byte pings in 1460-byte reads     3.98M vs 3.42M  (0.86×)
//   48-byte pings in 64 KiB reads        4.11M vs 4.22M  (1.03×)
//   1 KiB txs in 64 KiB reads            3.73M vs 3.83M  (1.03×)
//   mixed 20 B..16 KiB in 64 KiB reads   471k  vs 335k   (0.71×)
// Native leads only on floods of whole frames in big reads, and by less than
// the run-to-run noise (±20%).
import { chooseBackend } from './choose-backend';
import { FrameReaderApi, FrameReaderClass, JsFrameReader, PREFIX, U32_MAX } from './js/frame-reader';
import { nativeFrameReader } from './native/frame-reader';

export { DEFAULT_MAX_FRAME } from './js/frame-reader';

/** Cuts a TCP byte stream into payloads; see JsFrameReader for the rules both backends keep. */
export type FrameReader = FrameReaderApi;
export const FrameReader: FrameReaderClass = chooseBackend('frame-scan', JsFrameReader, nativeFrameReader, {
  winner: 'ts',
  why: 'ts is faster: 3.13M vs 1.06M frames/s with one 48-byte ping per read, 471k vs 335k with mixed frames in 64 KiB reads; native leads by 3% at most (bench/hotpath)',
});

export function encodeFrame(payload: Buffer): Buffer {
  if (payload.length === 0 || payload.length > U32_MAX) {
    throw new RangeError(`payload of ${payload.length} bytes cannot be framed (1..${U32_MAX})`);
  }
  const frame = Buffer.allocUnsafe(PREFIX + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, PREFIX);
  return frame;
}
